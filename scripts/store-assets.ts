/**
 * `npm run store-assets [-- OUT_DIR]`: the Chrome Web Store listing's images, made from the real
 * UI in Chromium (the real agent, a real PTY, a socat serial pair with a simulated router, a
 * guest in a second Chromium, fake camera and microphone) into store-assets/ (or OUT_DIR):
 *
 *   icons/icon-{16,32,48,128}.png   the extension's icons
 *   screenshot-{1..5}-*.png         1280×800: serial console, shared session, call, replay,
 *                                   Copilot handoff note
 *   promo-tile-440x280.png          the small promo tile
 *
 * The side panel is narrow: its screenshots are placed in a 1280×800 frame with a caption.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { REPO_ROOT } from '../test/fixtures/agent.js';
import { startDeviceSimulator, startSerialPair } from '../test/fixtures/serial.js';
import { launchTandem, typeInTerminal, waitForText, type Tandem } from '../test/e2e/browser.js';
import {
  invite,
  joinCall,
  launchGuestBrowser,
  liveTiles,
  MEDIA_ARGS,
  openCallWindow,
  openGuest,
  WEBRTC_ARGS,
} from '../test/e2e/call-helpers.js';
import { writeFakeCamera, type Look } from './fake-camera.js';

export const SCREENSHOT = { width: 1280, height: 800 };
export const PROMO = { width: 440, height: 280 };
export const ICON_SIZES = [16, 32, 48, 128];

const out = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, 'store-assets'));
const PANEL = { width: 440, height: 740 };
const PS1 =
  "export PS1='\\[\\e[1;32m\\]ops@db1\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ '; clear\n";

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** A narrow panel screenshot in a 1280×800 frame, with a caption on the left. */
async function framed(
  browser: Browser,
  image: Uint8Array,
  title: string,
  lines: string[],
  file: string,
): Promise<void> {
  const page = await browser.newPage();
  await page.bringToFront();
  await page.setViewport({ ...SCREENSHOT, deviceScaleFactor: 1 });
  const src = `data:image/png;base64,${Buffer.from(image).toString('base64')}`;
  await page.setContent(`<!doctype html><html><body style="margin:0;width:1280px;height:800px;
    display:flex;align-items:center;gap:64px;padding:0 96px;box-sizing:border-box;
    font-family:'DejaVu Sans',sans-serif;color:#e8ebf2;
    background:linear-gradient(135deg,#0f1115 0%,#1c2540 100%)">
    <div style="flex:1">
      <div style="font-size:20px;color:#7aa2f7;font-weight:700;letter-spacing:1px">TANDEM</div>
      <h1 style="font-size:44px;line-height:1.15;margin:16px 0 24px">${title}</h1>
      ${lines.map((l) => `<p style="font-size:22px;line-height:1.4;margin:0 0 12px;color:#b9c0d0">${l}</p>`).join('')}
    </div>
    <img src="${src}" style="height:740px;border-radius:12px;box-shadow:0 12px 48px rgba(0,0,0,.55)">
  </body></html>`);
  await page.evaluate(() => document.querySelector('img')?.decode());
  await page.screenshot({ path: path.join(out, file) });
  await page.close();
  say(`saved ${file}`);
}

async function panelShot(page: Page): Promise<Uint8Array> {
  await page.bringToFront();
  await new Promise((r) => setTimeout(r, 600));
  return page.screenshot({ type: 'png' });
}

async function serialConsole(tandem: Tandem): Promise<Uint8Array> {
  // The side panel's status line shows the port by its name, as on a field laptop.
  const pair = await startSerialPair({ a: 'router', b: 'ttyUSB0' });
  const router = await startDeviceSimulator(pair.pathA);
  try {
    const panel = await tandem.openPanel(PANEL);
    await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    const sessionId = await panel.evaluate(
      async (device) => (await window.__tandem?.open(device, 'Core switch console')) ?? '',
      { kind: 'serial', path: pair.pathB, baudRate: 9600, lineEnding: 'cr' },
    );
    await typeInTerminal(panel, '\n');
    await waitForText(panel, 'router> ', { sessionId });
    await typeInTerminal(panel, 'show version\n');
    await waitForText(panel, 'Processor board ID', { sessionId });
    const image = await panelShot(panel);
    await panel.evaluate((id: string) => window.__tandem?.model.close(id), sessionId);
    await panel.close();
    return image;
  } finally {
    await router.close();
    await pair.kill();
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
  for (const size of ICON_SIZES) {
    fs.copyFileSync(
      path.join(REPO_ROOT, `extension/public/icon/${size}.png`),
      path.join(out, `icons/icon-${size}.png`),
    );
  }
  say('saved icons/');

  // Each browser's camera shows a person at a desk, not Chromium's test pattern.
  const cameras = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-cameras-'));
  const camera = async (name: string, look: Look): Promise<string[]> => {
    const file = path.join(cameras, `${name}.y4m`);
    await writeFakeCamera(file, look);
    return [...WEBRTC_ARGS, ...MEDIA_ARGS, `--use-file-for-fake-video-capture=${file}`];
  };
  const owner = await launchTandem({
    serveGuestPage: true,
    args: await camera('owner', {
      wall: ['#c9b8a3', '#8c7b6a'],
      skin: '#c98f6b',
      hair: '#2d1f1a',
      shirt: '#34527a',
      headset: true,
    }),
  });
  const guests = await launchGuestBrowser(
    await camera('guest', {
      wall: ['#b7c4c9', '#6f8189'],
      skin: '#e0b394',
      hair: '#5a3522',
      shirt: '#8a3b4a',
      long: true,
    }),
  );
  try {
    // 1. A serial console in the side panel.
    await framed(
      owner.browser,
      await serialConsole(owner),
      'A serial console in your side panel',
      [
        'Plug in the USB cable, pick the port, and the console is there.',
        'Share it with the engineer back at base in one click.',
      ],
      'screenshot-1-serial-console.png',
    );

    // 2. A shared session: avatars, roles, who is typing.
    const panel = await owner.openPanel(PANEL);
    await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    const sessionId = await panel.evaluate(
      async () => (await window.__tandem?.open({ kind: 'pty' }, 'Incident 4711 — db1')) ?? '',
    );
    await waitForText(panel, /[$#] ?$/, { sessionId });
    await typeInTerminal(panel, PS1);
    await typeInTerminal(panel, 'uptime; df -h / | tail -1\n');
    await waitForText(panel, /load average/, { sessionId });
    const ana = await openGuest(guests, await invite(panel, sessionId, 'coworker'), 'Ana Lopez');
    const rui = await openGuest(guests, await invite(panel, sessionId, 'viewer'), 'Rui Costa');
    await waitForText(panel, 'Rui Costa joined');
    // Clicks and keys reach only the tab in front (a tab behind draws no frames).
    await ana.bringToFront();
    await ana.focus('.xterm-helper-textarea');
    await ana.keyboard.type('free -h | head -2\n');
    await waitForText(panel, /Mem:/, { sessionId });
    await ana.keyboard.type('ss -ltn | grep 5432', { delay: 60 });
    await waitForText(panel, 'Ana Lopez is typing');
    await framed(
      owner.browser,
      await panelShot(panel),
      'Share a live terminal, with roles',
      [
        'Owner, co-worker or viewer, changeable live. Guests join from a link, no install.',
        'Everyone sees who is typing; a viewer link never types.',
      ],
      'screenshot-2-shared-session.png',
    );
    await ana.keyboard.press('Enter');
    await waitForText(panel, /^root@|ops@db1/m, { sessionId });

    // 3. The call window: everyone in the session on a call.
    await panel.bringToFront();
    const call = await openCallWindow(owner, panel, sessionId);
    await call.setViewport({ ...SCREENSHOT, deviceScaleFactor: 1 });
    await joinCall(call);
    await ana.bringToFront();
    await ana.click('[data-testid="call-button"]');
    await joinCall(ana);
    await call.bringToFront();
    await liveTiles(call, 2);
    await new Promise((r) => setTimeout(r, 1500));
    await call.screenshot({ path: path.join(out, 'screenshot-3-call.png') });
    say('saved screenshot-3-call.png');
    await ana.click('[data-testid="call-leave"]').catch(() => undefined);
    await call.close();

    // 5. Copilot's handoff note, the panel in a full tab.
    await panel.bringToFront();
    await panel.setViewport({ ...SCREENSHOT, deviceScaleFactor: 1 });
    // Wide, the session bar shows its actions as buttons again.
    const copilot = `[data-session="${sessionId}"] [data-testid="copilot-button"]`;
    await panel.waitForSelector(copilot);
    await panel.click(copilot);
    await panel.click('[data-testid="copilot-pane"] button[data-action="handoff"]');
    await panel.waitForSelector('[data-testid="copilot-entry"][data-action="handoff"]');
    await new Promise((r) => setTimeout(r, 600));
    await panel.screenshot({ path: path.join(out, 'screenshot-5-copilot-handoff.png') });
    say('saved screenshot-5-copilot-handoff.png');

    // 4. The replay with its typist lane.
    const recordingId = await panel.evaluate(
      (id: string) =>
        window.__tandem?.model.sessions.find((s) => s.id === id)?.info.recordingId ?? '',
      sessionId,
    );
    const replay = await owner.browser.newPage();
    await replay.bringToFront();
    await replay.setViewport({ ...SCREENSHOT, deviceScaleFactor: 1 });
    await replay.goto(
      `chrome-extension://${owner.extensionId}/replay.html?recording=${encodeURIComponent(recordingId)}`,
    );
    await replay.waitForFunction(() => window.__tandemReplay?.ready() === true, {
      timeout: 20_000,
    });
    await replay.waitForFunction(() => window.__tandemReplay?.activityProgress() === 1, {
      timeout: 20_000,
    });
    const duration = await replay.evaluate(() => window.__tandemReplay?.durationMs() ?? 0);
    await replay.evaluate(
      (t: number) => window.__tandemReplay?.seek(t),
      Math.max(0, duration - 500),
    );
    await new Promise((r) => setTimeout(r, 600));
    await replay.screenshot({ path: path.join(out, 'screenshot-4-replay.png') });
    say('saved screenshot-4-replay.png');

    // The promo tile: the name, the promise, and a slice of the real panel.
    await panel.bringToFront();
    const slice = await panel.screenshot({
      type: 'png',
      clip: { x: 0, y: 0, width: 560, height: 420 },
    });
    const tile = await owner.browser.newPage();
    await tile.bringToFront();
    await tile.setViewport({ ...PROMO, deviceScaleFactor: 1 });
    const icon = fs.readFileSync(path.join(REPO_ROOT, 'extension/public/icon/128.png'));
    await tile.setContent(`<!doctype html><html><body style="margin:0;width:440px;height:280px;
      overflow:hidden;position:relative;font-family:'DejaVu Sans',sans-serif;color:#e8ebf2;
      background:linear-gradient(135deg,#0f1115 0%,#1c2540 100%)">
      <img src="data:image/png;base64,${Buffer.from(slice).toString('base64')}"
        style="position:absolute;left:236px;top:64px;width:340px;border-radius:10px;
        box-shadow:0 8px 32px rgba(0,0,0,.6)">
      <div style="position:absolute;left:26px;top:34px;width:188px">
        <img src="data:image/png;base64,${icon.toString('base64')}" style="width:52px;height:52px">
        <div style="font-size:32px;font-weight:700;margin:8px 0 8px">Tandem</div>
        <div style="font-size:14px;line-height:1.4;color:#b9c0d0">Share a live terminal: shell, SSH or serial console, from your side panel.</div>
      </div>
    </body></html>`);
    await tile.evaluate(() => Promise.all([...document.images].map((i) => i.decode())));
    await tile.screenshot({ path: path.join(out, 'promo-tile-440x280.png') });
    say('saved promo-tile-440x280.png');
    await Promise.all([ana.close(), rui.close(), replay.close(), tile.close()]);
  } finally {
    await guests.close().catch(() => undefined);
    await owner.close();
    fs.rmSync(cameras, { recursive: true, force: true });
  }
}

await main();
