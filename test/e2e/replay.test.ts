/**
 * Recording and replay in real Chromium with the real agent: a scripted local shell in the side
 * panel, its live screen captured at three moments, then the replay page seeked to those
 * moments must show exactly the same rows; the banner and Pause/Resume; the library lists,
 * exports (asciicast) and deletes the recording.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchTandem,
  openLocalShell,
  typeInTerminal,
  waitForText,
  type Tandem,
  dumpPanelOnFailure,
} from './browser.js';
import './replay-hook.js';
import { recordingsDir } from '../fixtures/agent.js';

let tandem: Tandem;
let panel: Page | undefined;

beforeAll(async () => {
  tandem = await launchTandem();
});

afterAll(async () => {
  await tandem.close();
});

dumpPanelOnFailure(() => panel);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Moment {
  t: number;
  rows: string[];
}

/** The header line of the session's recording file, read from the agent's data dir. */
function recordingHeader(sessionId: string): {
  recordingId: string;
  startedAt: string;
  device: { label: string };
} {
  for (const name of fs.readdirSync(recordingsDir(tandem.agent.env))) {
    if (!name.endsWith('.tandem.jsonl')) continue;
    const first =
      fs.readFileSync(path.join(recordingsDir(tandem.agent.env), name), 'utf8').split('\n')[0] ??
      '';
    const header: unknown = JSON.parse(first);
    if (
      typeof header === 'object' &&
      header !== null &&
      'sessionId' in header &&
      header.sessionId === sessionId &&
      'recordingId' in header &&
      typeof header.recordingId === 'string' &&
      'startedAt' in header &&
      typeof header.startedAt === 'string' &&
      'device' in header &&
      typeof header.device === 'object' &&
      header.device !== null &&
      'label' in header.device &&
      typeof header.device.label === 'string'
    ) {
      return {
        recordingId: header.recordingId,
        startedAt: header.startedAt,
        device: { label: header.device.label },
      };
    }
  }
  throw new Error(`no recording for session ${sessionId}`);
}

async function capture(page: Page, sessionId: string, startedAt: number): Promise<Moment> {
  // The terminal's size has gone to the device (the recording banner going away grows the
  // terminal; on a busy machine its resize can trail a flood by a second).
  await page.waitForFunction(
    (id: string) => {
      const view = window.__tandem?.model.sessions.find((s) => s.id === id);
      const term = view?.terminal.term;
      return term !== undefined && term.rows === view?.info.rows && term.cols === view.info.cols;
    },
    { timeout: 10_000 },
    sessionId,
  );
  // Output has settled: the screen is the same for every t in this quiet stretch.
  await sleep(700);
  const rows = await page.evaluate((id: string) => window.__tandem?.screen(id) ?? [], sessionId);
  const t = Date.now() - startedAt;
  await sleep(500);
  return { t, rows };
}

async function openReplay(recordingId: string, t?: number): Promise<Page> {
  const page = await tandem.browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  await page.goto(
    `chrome-extension://${tandem.extensionId}/replay.html?recording=${encodeURIComponent(recordingId)}${t === undefined ? '' : `&t=${t}`}`,
  );
  await page.waitForFunction(() => window.__tandemReplay?.ready() === true, { timeout: 20_000 });
  return page;
}

async function openLibrary(): Promise<Page> {
  const page = await tandem.browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });
  await page.goto(`chrome-extension://${tandem.extensionId}/recordings.html`);
  return page;
}

let sessionId = '';
let recordingId = '';
let deviceLabel = '';
const moments: Moment[] = [];

describe('recording and replay', () => {
  it('records a scripted local shell and replays the screen exactly at three moments', async () => {
    panel = await tandem.openPanel({ width: 700, height: 600 });
    sessionId = await openLocalShell(panel);
    await sleep(800); // the panel fits its terminal and the shell redraws
    const header = recordingHeader(sessionId);
    recordingId = header.recordingId;
    deviceLabel = header.device.label;
    const startedAt = Date.parse(header.startedAt);

    await typeInTerminal(
      panel,
      "clear; printf '\\e[1;32mgreen\\e[0m plain\\n'; seq 1 12; echo step-one\n",
    );
    await waitForText(panel, /^step-one$/m, { sessionId });
    moments.push(await capture(panel, sessionId, startedAt));

    // Over 1 MiB of output: the agent writes keyframes, and seeking starts from one.
    await typeInTerminal(panel, 'seq 1 200000; echo flood-done\n');
    await waitForText(panel, /^flood-done$/m, { sessionId, timeoutMs: 60_000 });
    moments.push(await capture(panel, sessionId, startedAt));

    await sleep(10_500); // a keyframe every 10 s of recording time
    await typeInTerminal(
      panel,
      "printf 'wide: \\u65e5\\u672c ok\\n'; ls -la / | head -8; echo step-three\n",
    );
    await waitForText(panel, /^step-three$/m, { sessionId });
    moments.push(await capture(panel, sessionId, startedAt));

    const replay = await openReplay(recordingId);
    try {
      expect(await replay.evaluate(() => window.__tandemReplay?.keyframes() ?? 0)).toBeGreaterThan(
        0,
      );
      // Out of order on purpose: each seek must stand on its own.
      for (const i of [2, 0, 1]) {
        const moment = moments[i];
        if (moment === undefined) throw new Error('missing moment');
        const rows = await replay.evaluate(
          (t: number) => window.__tandemReplay?.seek(t) ?? Promise.resolve([]),
          moment.t,
        );
        expect(rows, `screen at moment ${i + 1} (t=${moment.t} ms)`).toEqual(moment.rows);
      }
      // A link with `&t=` (the Copilot's state changes link so) opens at that moment.
      const at = moments[2];
      if (at === undefined) throw new Error('missing moment');
      const linked = await openReplay(recordingId, at.t);
      try {
        // At the moment, or at the recording's end when the moment came after its last event.
        const end = await linked.evaluate(() => window.__tandemReplay?.durationMs() ?? -1);
        expect(await linked.evaluate(() => window.__tandemReplay?.time() ?? -1)).toBe(
          Math.min(at.t, end),
        );
        expect(await linked.evaluate(() => window.__tandemReplay?.screen() ?? [])).toEqual(at.rows);
      } finally {
        await linked.close();
      }
      expect(moments[0]?.rows.join('\n')).toMatch(/green plain/);
      expect(moments[1]?.rows.join('\n')).toMatch(/^flood-done$/m);
      expect(moments[2]?.rows.join('\n')).toMatch(/^step-three$/m);
    } finally {
      await replay.close();
    }
  });

  it('shows recording state in the session header; the owner pauses and resumes with banners', async () => {
    const page = panel ?? (await tandem.openPanel());
    const bar = `.pane[data-session="${sessionId}"] [data-testid="recording-bar"]`;
    await page.waitForSelector(`${bar}[data-state="on"]`);
    expect(await page.$eval(bar, (el) => el.textContent ?? '')).toMatch(/REC/);
    await page.click(`${bar} [data-testid="recording-toggle"]`);
    await page.waitForSelector(`${bar}[data-state="paused"]`);
    await waitForText(page, /Recording paused/);
    await page.click(`${bar} [data-testid="recording-toggle"]`);
    await page.waitForSelector(`${bar}[data-state="on"]`);
    await waitForText(page, /Recording resumed/);
  });

  it('replay page: timeline markers, typist lane, search jumps to the moment', async () => {
    const replay = await openReplay(recordingId);
    try {
      await replay.waitForFunction(() => window.__tandemReplay?.activityProgress() === 1, {
        timeout: 20_000,
      });
      expect(await replay.$$eval('.marker.kind-pause', (els) => els.length)).toBe(1);
      expect(await replay.$$eval('.marker.kind-resume', (els) => els.length)).toBe(1);
      expect(
        await replay.$$eval('.marker.kind-command', (els) => els.length),
      ).toBeGreaterThanOrEqual(3);
      expect(
        await replay.$$eval('[data-testid="typist-lane"] .span', (els) => els.length),
      ).toBeGreaterThan(0);
      const hits = await replay.evaluate(
        () => window.__tandemReplay?.find('step-three') ?? Promise.resolve([]),
      );
      expect(hits.length).toBeGreaterThan(0);
      const first = hits[0];
      if (first === undefined) throw new Error('no hit');
      const rows = await replay.evaluate(
        (t: number) => window.__tandemReplay?.seek(t) ?? Promise.resolve([]),
        first.t,
      );
      expect(rows.join('\n')).toContain('step-three');
    } finally {
      await replay.close();
    }
  });

  it('library lists the recording, exports asciicast and deletes it', async () => {
    const page = panel ?? (await tandem.openPanel());
    const opened = Date.now();
    await page.evaluate((id: string) => window.__tandem?.model.close(id), sessionId);
    const library = await openLibrary();
    const row = `tr[data-recording="${recordingId}"]`;
    await library.waitForSelector(row);
    await library.waitForFunction(
      (sel: string) => !(document.querySelector(sel)?.textContent ?? '').includes('live'),
      {},
      row,
    );
    await library.click('button'); // Refresh, now that the session ended
    await library.waitForFunction(
      (sel: string) => !(document.querySelector(sel)?.textContent ?? '').includes('live'),
      {},
      row,
    );
    expect(await library.$eval(`${row} .device`, (el) => el.textContent)).toBe(deviceLabel);
    const duration = await library.$eval(`${row} .duration`, (el) => el.textContent ?? '');
    const [m, s] = duration.split(':').map(Number);
    const seconds = (m ?? 0) * 60 + (s ?? 0);
    const started = Date.parse(recordingHeader(sessionId).startedAt);
    expect(Math.abs(seconds - (opened - started) / 1000)).toBeLessThan(5);

    const downloads = path.join(tandem.agent.root, 'downloads');
    fs.mkdirSync(downloads, { recursive: true });
    const cdp = await library.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await library.click(`${row} [data-action="export-cast"]`);
    let cast: string | undefined;
    for (let i = 0; i < 100 && cast === undefined; i++) {
      await sleep(100);
      cast = fs.readdirSync(downloads).find((f) => f.endsWith('.cast'));
    }
    expect(cast).toBeDefined();
    const text = fs.readFileSync(path.join(downloads, cast ?? ''), 'utf8');
    const headerLine: unknown = JSON.parse(text.split('\n')[0] ?? '');
    expect(headerLine).toMatchObject({ version: 2 });
    expect(text).toContain('step-three');

    // Retention: the age limit typed in the library reaches the agent's settings file.
    // The field shows the default (30 days): replace it.
    await library.click('[data-testid="retention"] input[name="maxAgeDays"]', { count: 3 });
    await library.type('[data-testid="retention"] input[name="maxAgeDays"]', '14');
    await library.click('[data-testid="retention"] button[type="submit"]');
    const settingsFile = path.join(
      tandem.agent.env.XDG_CONFIG_HOME ?? '',
      'tandem',
      'recording.json',
    );
    for (let i = 0; i < 50 && !fs.existsSync(settingsFile); i++) await sleep(100);
    // Parsed, not searched: the 2 GiB size limit (2147483648) holds "14" too.
    const savedAge = (): unknown => {
      try {
        const saved: unknown = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
        return typeof saved === 'object' && saved !== null && 'maxAgeDays' in saved
          ? saved.maxAgeDays
          : undefined;
      } catch {
        return undefined; // caught mid-write
      }
    };
    for (let i = 0; i < 50 && savedAge() !== 14; i++) await sleep(100);
    expect(savedAge()).toBe(14);

    await library.click(`${row} [data-action="delete"]`);
    await library.click(`${row} [data-action="confirm-delete"]`);
    await library.waitForFunction((sel: string) => document.querySelector(sel) === null, {}, row);
    expect(
      fs.existsSync(path.join(recordingsDir(tandem.agent.env), `${recordingId}.tandem.jsonl`)),
    ).toBe(false);
    await library.reload();
    await library.waitForSelector('table.recordings');
    await sleep(1000);
    expect(await library.$(row)).toBeNull();
  });
});
