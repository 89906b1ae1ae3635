/**
 * A call forced through TURN (sharing.json `callPolicy: "relay"`, coturn on loopback): media
 * flows between the owner's call window and a guest page only via the relay, and neither side
 * is told the other's own addresses — a viewer link on a call reveals no IP.
 */
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTurnServer, type TurnServer } from '../fixtures/turn.js';
import { launchTandem, waitForText, type Tandem } from './browser.js';
import {
  MEDIA_ARGS,
  WEBRTC_ARGS,
  invite,
  expectRelayedCall,
  launchGuestBrowser,
  openGuest,
} from './call-helpers.js';

let turn: TurnServer;
let owner: Tandem;
let guestBrowser: Browser;

beforeAll(async () => {
  turn = await startTurnServer();
  const args = [...WEBRTC_ARGS, ...MEDIA_ARGS];
  owner = await launchTandem({
    serveGuestPage: true,
    args,
    sharing: { iceServers: [turn.iceServer], callPolicy: 'relay' },
  });
  guestBrowser = await launchGuestBrowser(args);
}, 120_000);

afterAll(async () => {
  await guestBrowser?.close().catch(() => undefined);
  await owner?.close();
  await turn?.close();
});

describe('a call through TURN', () => {
  it('carries media only via the relay and never shows a caller the other’s addresses', async () => {
    const panel = await owner.openPanel({ width: 460, height: 720 });
    await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    const sessionId = await panel.evaluate(
      () => window.__tandem?.open({ kind: 'pty' }, 'Behind NAT') ?? '',
    );
    await waitForText(panel, /[$#] ?$/, { sessionId });
    const guest = await openGuest(guestBrowser, await invite(panel, sessionId, 'viewer'), 'Vic');
    await expectRelayedCall(owner, panel, sessionId, guest);
  }, 120_000);
});
