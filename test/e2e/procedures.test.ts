/**
 * Procedures in real Chromium with the real agent: promoted from a session by the end-session
 * checklist, edited with every version kept, imported from a Markdown file, and run step by
 * step in a terminal, where nothing is typed before the operator confirms and every step is
 * marked in the session's recording.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchTandem, typeInTerminal, visibleText, waitForText, type Tandem } from './browser.js';

let tandem: Tandem;
let panel: Page;
let sessionId: string;
const dir = `/tmp/tandem-proc-${process.pid}`;

beforeAll(async () => {
  tandem = await launchTandem();
  panel = await tandem.openPanel({ width: 460, height: 800 });
  await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
  sessionId = await panel.evaluate(
    async () => (await window.__tandem?.open({ kind: 'pty' }, 'Procedures')) ?? '',
  );
  await waitForText(panel, /[$#] ?$/, { sessionId });
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await tandem?.close();
});

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  process.stderr.write(`\n--- panel ---\n${await visibleText(panel)}\n`);
});

/** The bar's ⋯ menu item `testId` (the bar folds its actions at this width). */
async function barAction(testId: string): Promise<void> {
  await panel.click(`.pane[data-session="${sessionId}"] [data-testid="session-actions"]`);
  await panel.click(`[data-testid="${testId}"]`);
}

async function newTab(open: () => Promise<void>, part: string): Promise<Page> {
  const target = tandem.browser.waitForTarget((t) => t.url().includes(part), { timeout: 15_000 });
  await open();
  const page = await (await target).page();
  if (page === null) throw new Error(`${part} did not open`);
  return page;
}

describe('procedures', () => {
  it('are promoted from a session in one click, edited, and keep every version', async () => {
    await typeInTerminal(panel, `mkdir -p ${dir}/a && echo promoted-$((20+1))\n`);
    await waitForText(panel, /^promoted-21$/m, { sessionId });
    await barAction('end-session');
    await panel.click('[data-testid="end-procedure"]');
    await panel.waitForSelector('[data-step="procedure"][data-done="true"]', { timeout: 15_000 });
    const page = await newTab(
      () => panel.click('[data-testid="end-procedure"]'),
      '/procedure.html',
    );
    // Clicks need their tab in front: a background tab draws no frames to click in.
    await panel.bringToFront();
    await panel.click('[data-testid="keep-session"]');
    await page.bringToFront();

    await page.waitForSelector('[data-testid="procedure-steps"] li');
    expect(await page.$eval('[data-testid="procedure-steps"]', (el) => el.textContent)).toContain(
      `mkdir -p ${dir}/a && echo promoted-$((20+1))`,
    );
    expect(await page.$eval('[data-testid="procedure-version"]', (el) => el.textContent)).toBe(
      'version 1',
    );
    const first = await page.$eval('[data-testid="procedure-text"]', (el) =>
      el instanceof HTMLTextAreaElement ? el.value : '',
    );
    // A broken edit cannot be saved, and says why.
    await page.click('[data-testid="procedure-text"]', { clickCount: 1 });
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await page.keyboard.type('# Renamed\n\nno steps');
    await waitForText(page, 'A procedure needs at least one step');
    expect(
      await page.$eval('[data-testid="procedure-save"]', (b) => (b as HTMLButtonElement).disabled),
    ).toBe(true);
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await page.keyboard.type(first.replace(/^# .*$/m, '# Make folder a'));
    await page.click('[data-testid="procedure-save"]');
    await waitForText(page, 'Saved as version 2');
    expect(await page.$$('[data-testid="procedure-versions"] li[data-version="1"]')).toHaveLength(
      1,
    );
    // Restoring version 1 saves it as version 3; version 2 is kept too.
    const [restore] = await page.$$('xpath/.//li[@data-version="1"]//button[.="Restore"]');
    await restore?.click();
    await waitForText(page, 'Saved as version 3');
    expect(
      await page.$$eval('[data-testid="procedure-versions"] li', (els) =>
        els.map((el) => el.getAttribute('data-version')),
      ),
    ).toEqual(['2', '1']);
    expect(
      await page.$eval('[data-testid="procedure-text"]', (el) =>
        el instanceof HTMLTextAreaElement ? el.value : '',
      ),
    ).toBe(first);
    await page.close();
  });

  it('runs step by step: nothing typed before the operator confirms, a step skipped, the run in the recording', async () => {
    // Imported from a Markdown file on the Recordings page.
    const file = path.join(tandem.agent.root, 'work-folder.procedure.md');
    fs.writeFileSync(
      file,
      [
        '# Make a work folder',
        '',
        '## Steps',
        '',
        '### 1. Create it',
        '',
        '```',
        'mkdir -p {{folder}} && echo made-$((6*7))',
        '```',
        '',
        'Expected:',
        '',
        '```',
        'made-42',
        '```',
        '',
        '### 2. Throw it away',
        '',
        '```',
        'rm -rf {{folder}} && echo removed-$((6*7))',
        '```',
        '',
        '### 3. Show it',
        '',
        '```',
        'ls -d {{folder}} && echo shown-$((6*7))',
        '```',
      ].join('\n'),
    );
    const library = await tandem.browser.newPage();
    await library.goto(`chrome-extension://${tandem.extensionId}/recordings.html`);
    const input = await library.waitForSelector('input[data-testid="procedure-import"]');
    if (input === null) throw new Error('no import input');
    const opened = await newTab(async () => {
      await input.uploadFile(file);
    }, '/procedure.html');
    await opened.waitForSelector('[data-testid="procedure-steps"] li');
    await opened.close();
    await library.close();
    await panel.bringToFront();

    await barAction('run-procedure');
    await panel.waitForSelector('[data-testid="runner-pick"]');
    await panel.select(
      '[data-testid="runner-pick"]',
      await panel.$$eval(
        '[data-testid="runner-pick"] option',
        (os) =>
          os.find((o) => o.textContent?.startsWith('Make a work folder'))?.getAttribute('value') ??
          '',
      ),
    );
    // Without its parameter it does not start.
    await panel.click('[data-testid="runner-start"]');
    await waitForText(panel, 'Fill in “folder” first');
    await panel.type('[data-parameter="folder"]', `${dir}/b`);
    await panel.click('[data-testid="runner-start"]');
    await panel.waitForSelector('[data-testid="runner-command"]');
    expect(await panel.$eval('[data-testid="runner-command"]', (el) => el.textContent)).toBe(
      `mkdir -p ${dir}/b && echo made-$((6*7))`,
    );
    expect(await panel.$eval('[data-testid="runner-expected"]', (el) => el.textContent)).toBe(
      'made-42',
    );
    // Shown, not typed: the terminal has none of it a second later, and the folder is not there.
    await new Promise((r) => setTimeout(r, 1000));
    const terminal = (): Promise<string> =>
      panel.evaluate((id: string) => window.__tandem?.text(id) ?? '', sessionId);
    expect(await terminal()).not.toContain(`${dir}/b`);
    expect(fs.existsSync(`${dir}/b`)).toBe(false);

    await panel.click('[data-testid="runner-run"]');
    await waitForText(panel, /^made-42$/m, { sessionId });
    expect(fs.existsSync(`${dir}/b`)).toBe(true);
    await panel.waitForFunction(
      () =>
        document.querySelector('[data-testid="runner-progress"]')?.textContent === 'step 2 of 3',
    );
    await panel.click('[data-testid="runner-skip"]');
    await panel.waitForFunction(
      () =>
        document.querySelector('[data-testid="runner-progress"]')?.textContent === 'step 3 of 3',
    );
    await panel.click('[data-testid="runner-run"]');
    await waitForText(panel, /^shown-42$/m, { sessionId });
    await panel.waitForSelector('[data-testid="runner-done"]');
    expect(await terminal()).not.toContain('removed-');
    expect(fs.existsSync(`${dir}/b`)).toBe(true);

    // The run is in the recording, step by step.
    const recordingId = await panel.evaluate(
      (id: string) =>
        window.__tandem?.model.sessions.find((s) => s.id === id)?.info.recordingId ?? '',
      sessionId,
    );
    const labels = async (): Promise<string[]> => {
      const index = (await panel.evaluate(
        (rid: string) =>
          window.__tandem?.model.client.request('recording.index', { recordingId: rid }),
        recordingId,
      )) as { markers: { label: string }[] };
      return index.markers.map((m) => m.label).filter((l) => l.startsWith('Procedure'));
    };
    await expect
      .poll(labels, { timeout: 5_000 })
      .toEqual([
        `Procedure “Make a work folder” v1 started (folder=${dir}/b)`,
        `Procedure “Make a work folder” v1, step 1/3 run: mkdir -p ${dir}/b && echo made-$((6*7))`,
        'Procedure “Make a work folder” v1, step 2/3 skipped: Throw it away',
        `Procedure “Make a work folder” v1, step 3/3 run: ls -d ${dir}/b && echo shown-$((6*7))`,
        'Procedure “Make a work folder” v1 finished: 2 run, 1 skipped',
      ]);
  });
});
