/**
 * TURN for callers behind NAT (docs/relay.md, "TURN"): a team relay that hands out expiring
 * credentials by coturn's shared secret (the TURN REST API scheme) and tells everyone to relay
 * everything (`--ice-policy relay`). A real coturn on loopback; the owner's Chromium enrolled
 * in the team, a guest in another Chromium. The guest's browser is forced to relay-only ICE,
 * so its shared session and its call work only if the credentials the relay made do.
 */
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TeamRelayProcess } from '../fixtures/team-relay.js';
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
import { enrolInBrowser } from './team-helpers.js';

const SECRET = 'coturn-shared-secret-for-tests';

let turn: TurnServer;
let relay: TeamRelayProcess;
let owner: Tandem;
let guestBrowser: Browser;

beforeAll(async () => {
  turn = await startTurnServer({ secret: SECRET });
  const args = [...WEBRTC_ARGS, ...MEDIA_ARGS];
  owner = await launchTandem({ args });
  // The relay serves this debug build's guest page (its test hook reads the route).
  relay = await TeamRelayProcess.start({ TANDEM_RELAY_TURN_SECRET: SECRET }, [
    '--turn-url',
    `turn:127.0.0.1:${turn.port}?transport=udp`,
    '--ice-policy',
    'relay',
    '--static',
    owner.extensionDir,
  ]);
  await relay.setUp('Acme', ['Ops']);
  guestBrowser = await launchGuestBrowser(args);
}, 180_000);

afterAll(async () => {
  await guestBrowser?.close().catch(() => undefined);
  await owner?.close();
  await relay?.close();
  await turn?.close();
});

describe('TURN credentials from the team relay', () => {
  it('hands out credentials that expire, and none to a guest of no live session', async () => {
    const member = await relay.enrolMember('Probe', ['Ops']);
    const response = await fetch(`${relay.url}/api/ice`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    const ice = (await response.json()) as {
      iceServers: { urls: string[]; username: string; credential: string }[];
      iceTransportPolicy: string;
    };
    expect(ice.iceTransportPolicy).toBe('relay');
    const [server] = ice.iceServers;
    const [expiry, user] = (server?.username ?? '').split(':');
    expect(user).toBe(member.member.id);
    // Twelve hours from now by default, in the username coturn checks.
    expect(Number(expiry) * 1000 - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    // No session, no credentials for a guest.
    expect((await fetch(`${relay.url}/ice?peer=tandem-${'0'.repeat(32)}`)).status).toBe(404);
  });

  it('carries a shared session and a call for a browser forced to relay-only ICE', async () => {
    await enrolInBrowser(relay, owner, 'Ada', 'Ops');
    const panel = await owner.openPanel({ width: 460, height: 720 });
    await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    const sessionId = await panel.evaluate(
      () => window.__tandem?.open({ kind: 'pty' }, 'Behind NAT') ?? '',
    );
    await waitForText(panel, /[$#] ?$/, { sessionId });
    // The panel tells its agent to share through the team relay (with fresh ICE) on connect.
    let url = '';
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      url = await invite(panel, sessionId, 'viewer');
      if (url.startsWith(`${relay.url}/join#`)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(url.startsWith(`${relay.url}/join#`)).toBe(true);

    const guest = await openGuest(guestBrowser, url, 'Vic');
    await panel.evaluate(
      (id: string) =>
        window.__tandem?.model.client.request('session.input', {
          sessionId: id,
          data: 'echo via-turn-$((40+2))\r',
        }),
      sessionId,
    );
    await guest.waitForFunction(() => /via-turn-42/.test(window.__tandemGuest?.text() ?? ''), {
      timeout: 15_000,
    });
    // The guest's data connection goes through coturn: its selected candidate is a relay one.
    const route = await guest.evaluate(() => window.__tandemGuest?.route());
    expect(route?.route).toBe('relay');

    // A call, both sides relay-only (the relay's policy reaches the owner's agent too).
    await expectRelayedCall(owner, panel, sessionId, guest);
  }, 150_000);
});
