/**
 * Closing a session the way the product means it, with real parts: the owner's side panel in
 * Chromium at a real panel width, the agent with its embedded relay, a guest co-worker in a
 * plain Chromium page. Evidence is picked in the terminal, the checklist makes the artifact
 * from the recording, and "End for everyone" lets the guest go and kills the link.
 */
import type { Browser, Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchTandem, typeInTerminal, visibleText, waitForText, type Tandem } from './browser.js';
import { invite, launchGuestBrowser, openGuest, WEBRTC_ARGS } from './call-helpers.js';
import type { Enrolment, Resource } from '../../protocol/team.js';
import { TeamRelayProcess } from '../fixtures/team-relay.js';
import { enrolInBrowser } from './team-helpers.js';

let owner: Tandem;
let guestBrowser: Browser;
let panel: Page;
let guest: Page;
let sessionId: string;
let recordingId: string;
let link: string;
let relay: TeamRelayProcess | undefined;
const dir = `/tmp/tandem-end-${process.pid}`;

beforeAll(async () => {
  owner = await launchTandem({ serveGuestPage: true, args: WEBRTC_ARGS });
  guestBrowser = await launchGuestBrowser(WEBRTC_ARGS);
  panel = await owner.openPanel({ width: 460, height: 760 });
  await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
  sessionId = await panel.evaluate(
    async () => (await window.__tandem?.open({ kind: 'pty' }, 'Field session')) ?? '',
  );
  await waitForText(panel, /[$#] ?$/, { sessionId });
  recordingId = await panel.evaluate(
    (id: string) =>
      window.__tandem?.model.sessions.find((s) => s.id === id)?.info.recordingId ?? '',
    sessionId,
  );
  expect(recordingId).not.toBe('');
});

afterAll(async () => {
  await guestBrowser.close().catch(() => undefined);
  await owner.close();
  await relay?.close();
});

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  process.stderr.write(`\n--- owner panel ---\n${await visibleText(panel)}\n`);
});

/** Selects the terminal's last line holding `text`, as a mouse drag over it would. */
async function selectLine(text: string): Promise<void> {
  const row = await panel.evaluate(
    (id: string, needle: string) => {
      const view = window.__tandem?.model.sessions.find((s) => s.id === id);
      const term = view?.terminal.term;
      if (term === undefined) return -1;
      for (let i = term.buffer.active.length - 1; i >= 0; i--) {
        const line = term.buffer.active.getLine(i)?.translateToString(true) ?? '';
        if (line.includes(needle)) {
          term.selectLines(i, i);
          return i;
        }
      }
      return -1;
    },
    sessionId,
    text,
  );
  expect(row).toBeGreaterThanOrEqual(0);
}

async function stepDone(step: string): Promise<boolean> {
  return panel.$eval(
    `[data-testid="end-checklist"] [data-step="${step}"]`,
    (el) => el.getAttribute('data-done') === 'true',
  );
}

describe('ending a session', () => {
  it('picks evidence in the terminal, with the moment it was on screen', async () => {
    await typeInTerminal(panel, `mkdir -p ${dir} && echo owner-made-$((40+2))\n`);
    await waitForText(panel, /^owner-made-42$/m, { sessionId });

    link = await invite(panel, sessionId, 'coworker');
    guest = await openGuest(guestBrowser, link, 'Gia Guest');
    await waitForText(panel, 'Gia Guest joined');
    await guest.focus('.xterm-helper-textarea');
    await guest.keyboard.type(`touch ${dir}/from-gia; echo gia-touched-$((3*3))\n`);
    await waitForText(panel, /^gia-touched-9$/m, { sessionId });

    await typeInTerminal(panel, `ls ${dir}; echo evidence-line-42\n`);
    await waitForText(panel, /^evidence-line-42$/m, { sessionId });
    await selectLine('evidence-line-42');
    await panel.click(`[data-session="${sessionId}"] .term`, { button: 'right' });
    const [item] = await panel.$$(
      'xpath/.//ul[contains(@class,"menu")]//button[.="Add to evidence"]',
    );
    if (item === undefined) throw new Error('no "Add to evidence" in the terminal menu');
    await item.click();
    await waitForText(panel, 'Added to the session’s evidence');
  });

  it('the checklist ticks what is done, makes the artifact in one click, and ends the session for everyone', async () => {
    // At 460 px the bar folds its actions into the ⋯ menu.
    await panel.click(`[data-session="${sessionId}"] [data-testid="session-actions"]`);
    await panel.click('[data-testid="end-session"]');
    await panel.waitForSelector('[data-testid="end-checklist"]');
    expect(await panel.$eval('[data-testid="confirm-end"]', (el) => el.textContent)).toMatch(
      /^2 people are in this session\./,
    );
    // Recorded from the start: already ticked. No artifact yet.
    expect(await stepDone('recording')).toBe(true);
    expect(await stepDone('artifact')).toBe(false);
    await panel.click('[data-testid="end-artifact"]');
    await panel.waitForSelector('[data-step="artifact"][data-done="true"]', { timeout: 20_000 });
    expect(await panel.$eval('[data-step="artifact"]', (el) => el.textContent ?? '')).toMatch(
      /1 evidence, \d+ commands/,
    );

    // A memory of this machine, from the checklist: the form opens under it, one save ticks it.
    expect(await stepDone('memory')).toBe(false);
    await panel.click('[data-testid="end-memory"]');
    await panel.type('[data-testid="memory-text"]', 'The field box clock runs 4 min fast');
    await panel.click('[data-testid="memory-save"]');
    await panel.waitForSelector('[data-step="memory"][data-done="true"]');

    // Escape keeps it open; the guest noticed nothing.
    await panel.keyboard.press('Escape');
    await panel.waitForFunction(
      () => document.querySelector('[data-testid="confirm-end"]') === null,
    );
    expect(await guest.evaluate(() => window.__tandemGuest?.state())).toBe('running');

    // Closing the tab of the shared session opens the same checklist, the artifact ticked.
    await panel.click('button[aria-label="Close Field session"]');
    await panel.waitForSelector('[data-step="artifact"][data-done="true"]');
    await panel.click('[data-testid="confirm-end-session"]');
    await guest.waitForFunction(
      () => /Session ended: The owner ended the session/.test(document.body.innerText),
      { timeout: 15_000 },
    );

    // The link died with the session.
    const late = await guestBrowser.newPage();
    await late.goto(link);
    await late.type('input[name="name"]', 'Gia Again');
    await late.click('button[type="submit"]');
    await late.waitForFunction(() => /Could not join/.test(document.body.innerText), {
      timeout: 30_000,
    });
    expect(await late.evaluate(() => window.__tandemGuest?.state())).not.toBe('running');
  });

  it('the artifact lists the commands with who typed them, and its evidence opens the replay there', async () => {
    const page = await owner.browser.newPage();
    await page.setViewport({ width: 900, height: 900 });
    await page.goto(`chrome-extension://${owner.extensionId}/recordings.html`);
    await page.waitForSelector('[data-testid="artifacts"] li[data-artifact]');
    expect(await page.$eval('[data-testid="artifacts"]', (el) => el.textContent)).toContain(
      'Field session',
    );
    await page.type('[data-testid="artifact-search"]', 'no-such-word');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="artifacts"] li[data-artifact]') === null,
    );
    // Cleared key by key: a triple click that a busy machine reads as slower clicks selects
    // nothing, and the words would be typed after the old ones.
    await page.focus('[data-testid="artifact-search"]');
    await page.keyboard.press('End');
    for (let i = 0; i < 'no-such-word'.length; i++) await page.keyboard.press('Backspace');
    expect(
      await page.$eval('[data-testid="artifact-search"]', (el) => (el as HTMLInputElement).value),
    ).toBe('');
    await page.type('[data-testid="artifact-search"]', 'gia touched');
    await page.waitForSelector('[data-testid="artifacts"] li[data-artifact]');
    const id = await page.$eval('[data-testid="artifacts"] li[data-artifact]', (el) =>
      el.getAttribute('data-artifact'),
    );

    await page.goto(`chrome-extension://${owner.extensionId}/artifact.html?id=${id ?? ''}`);
    await page.waitForSelector('[data-testid="artifact-commands"] tbody tr');
    const rows = await page.$$eval('[data-testid="artifact-commands"] tbody tr', (trs) =>
      trs.map((tr) => ({
        who: tr.querySelector('.who')?.textContent ?? '',
        command: tr.querySelector('code')?.textContent ?? '',
        changes: tr.getAttribute('data-changes'),
      })),
    );
    expect(rows, JSON.stringify(rows)).toEqual(
      expect.arrayContaining([
        { who: 'Host', command: `mkdir -p ${dir} && echo owner-made-$((40+2))`, changes: 'true' },
        {
          who: 'Gia Guest',
          command: `touch ${dir}/from-gia; echo gia-touched-$((3*3))`,
          changes: 'true',
        },
        { who: 'Host', command: `ls ${dir}; echo evidence-line-42`, changes: 'false' },
      ]),
    );
    expect(await page.$eval('[data-testid="artifact-summary"]', (el) => el.textContent)).toMatch(
      /\*\*Commands:\*\* \d+ run by Host, Gia Guest/,
    );
    const evidence = await page.$eval('[data-testid="artifact-evidence"]', (el) => el.textContent);
    expect(evidence).toContain('evidence-line-42');
    const href = await page.$eval('[data-testid="artifact-evidence"] a.when', (a) =>
      a.getAttribute('href'),
    );
    const t = Number(new URL(href ?? '', 'chrome-extension://x').searchParams.get('t'));
    expect(href).toContain(`recording=${encodeURIComponent(recordingId)}`);

    // An edit is kept.
    await page.type('[data-testid="artifact-notes"]', 'Root cause: cable.');
    await page.waitForSelector('[data-testid="artifact-saved"][data-state="saved"]');
    await page.reload();
    await page.waitForSelector('[data-testid="artifact-notes"]');
    expect(await page.$eval('[data-testid="artifact-notes"]', (el) => el.textContent)).toBe(
      'Root cause: cable.',
    );

    // The evidence link opens the replay at that moment, and the excerpt is on its screen.
    const opened = owner.browser.waitForTarget((target) => target.url().includes('/replay.html'));
    await page.click('[data-testid="artifact-evidence"] a.when');
    const replay = await (await opened).page();
    if (replay === null) throw new Error('the replay did not open');
    await replay.waitForFunction(() => window.__tandemReplay?.ready() === true, {
      timeout: 20_000,
    });
    const at = await replay.evaluate(() => window.__tandemReplay?.time() ?? -1);
    expect(Math.abs(at - t)).toBeLessThan(50);
    const screen = await replay.evaluate(() => window.__tandemReplay?.screen() ?? []);
    expect(screen.join('\n')).toMatch(/^evidence-line-42$/m);
  });

  it('the artifact goes to a team on the relay: that team reads it, no one else; a teammate’s opens read only and can be copied', async () => {
    relay = await TeamRelayProcess.start();
    await relay.setUp('Acme', ['Net', 'Db']);
    const bob = await relay.enrolMember('Bob', ['Net']);
    const dana = await relay.enrolMember('Dana', ['Db']);
    (await enrolInBrowser(relay, owner, 'Olga', 'Net')).close();
    const as = async (who: Enrolment, route: string, init: RequestInit = {}) =>
      fetch(`${relay?.url}${route}`, {
        ...init,
        headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
      });

    const page = await owner.browser.newPage();
    await page.setViewport({ width: 900, height: 900 });
    await page.goto(`chrome-extension://${owner.extensionId}/recordings.html`);
    await page.waitForSelector('[data-testid="artifacts"] li[data-artifact]');
    const id = await page.$eval('[data-testid="artifacts"] li[data-artifact]', (el) =>
      el.getAttribute('data-artifact'),
    );
    await page.goto(`chrome-extension://${owner.extensionId}/artifact.html?id=${id ?? ''}`);
    // The page reads the artifact and the enrolment before it shows its team actions.
    await page.waitForSelector('[data-testid="artifact-share"]:not([disabled])');
    await page.click('[data-testid="artifact-share"]');
    // The teams Olga is in come first: Net.
    await page.waitForSelector('[data-testid="artifact-share-scope"]');
    expect(
      await page.$$eval('[data-testid="artifact-share-scope"] option', (os) =>
        os.map((o) => o.textContent),
      ),
    ).toEqual(['Net', 'everyone in Acme']);
    await page.click('[data-testid="artifact-share-confirm"]');
    await page.waitForSelector('[data-testid="artifact-shared"][data-stale="false"]');
    expect(await page.$eval('[data-testid="artifact-shared"]', (el) => el.textContent)).toContain(
      'Shared with Net',
    );

    // Bob, in Net, lists and reads it whole; Dana, in Db, neither lists nor reads it.
    const listOf = async (who: Enrolment) =>
      (
        (await (await as(who, '/api/resources?kind=artifact&brief=1')).json()) as {
          resources: Resource[];
        }
      ).resources;
    const [mine] = await listOf(bob);
    expect(mine).toMatchObject({ kind: 'artifact', ownerName: 'Olga' });
    if (mine === undefined) throw new Error('Bob does not see the artifact');
    const read = async (who: Enrolment, rid: string) => as(who, `/api/resources/${rid}`);
    const data = ((await (await read(bob, mine.id)).json()) as Resource).data as {
      commands: { command: string; typedBy: string[] }[];
      notes: string;
    };
    expect(data.commands).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          command: `ls ${dir}; echo evidence-line-42`,
          typedBy: ['Host'],
        }),
      ]),
    );
    expect(await listOf(dana)).toEqual([]);
    expect((await read(dana, mine.id)).status).toBe(404);

    // Edited after sharing: the page says so, and one click sends the edit.
    await page.type('[data-testid="artifact-notes"]', ' Replaced at 03:10.');
    await page.waitForSelector('[data-testid="artifact-shared"][data-stale="true"]');
    await page.click('[data-testid="artifact-share-update"]');
    await page.waitForSelector('[data-testid="artifact-shared"][data-stale="false"]');
    await expect
      .poll(
        async () =>
          (((await (await read(bob, mine.id)).json()) as Resource).data as typeof data).notes,
      )
      .toContain('Replaced at 03:10.');

    // Bob shares his own (his extension sends the same JSON) and a broken one.
    const bobs = { ...data, title: 'Bob: core switch CRC errors', notes: 'Swapped the optic.' };
    for (const [name, payload] of [
      ['Bob: core switch CRC errors', bobs],
      ['Broken', { tandem: 'artifact', schema: 99 }],
    ] as const) {
      const shared = await as(bob, '/api/resources', {
        method: 'POST',
        body: JSON.stringify({
          kind: 'artifact',
          name,
          scope: { kind: 'team', teamId: bob.teams.find((t) => t.name === 'Net')?.id },
          data: payload,
        }),
      });
      expect(shared.status).toBe(201);
    }
    await page.goto(`chrome-extension://${owner.extensionId}/recordings.html`);
    await page.waitForSelector('[data-testid="team-artifacts"] li[data-team-artifact]');
    const listed = await page.$$eval('[data-testid="team-artifacts"] li', (lis) =>
      lis.map((li) => li.textContent ?? ''),
    );
    // Teammates' only: Olga's own is in her list above.
    expect(listed).toHaveLength(2);
    expect(listed.join('\n')).toMatch(/Bob: core switch CRC errors\s*shared by Bob/);
    const opened = owner.browser.waitForTarget((t) => t.url().includes('artifact.html?team='));
    const [bobsLink] = await page.$$(
      'xpath/.//li[@data-team-artifact]//button[.="Bob: core switch CRC errors"]',
    );
    await bobsLink?.click();
    const view = await (await opened).page();
    if (view === null) throw new Error('the shared artifact did not open');
    await view.bringToFront();
    await view.waitForSelector('[data-testid="artifact-shared-by"]');
    expect(
      await view.$eval('[data-testid="artifact-shared-by"]', (el) => el.textContent),
    ).toContain('Shared by Bob');
    expect(await view.$eval('[data-testid="artifact-title"]', (el) => el.textContent)).toBe(
      'Bob: core switch CRC errors',
    );
    // Read only: no edits, no evidence removal, and no replay links (the recording is Bob's).
    expect(
      await view.$eval(
        '[data-testid="artifact-summary"]',
        (el) => (el as HTMLTextAreaElement).readOnly,
      ),
    ).toBe(true);
    expect(await view.$$('[aria-label="Remove this evidence"]')).toHaveLength(0);
    expect(await view.$$('a.when')).toHaveLength(0);
    expect(await view.$eval('[data-testid="artifact-commands"]', (el) => el.textContent)).toContain(
      'evidence-line-42',
    );
    // Kept as her own copy: editable, and saying where it came from.
    await view.click('[data-testid="artifact-save-copy"]');
    await view.waitForSelector('input.artifact-title');
    expect(view.url()).toMatch(/artifact\.html\?id=\d+$/);
    expect(await view.$eval('[data-testid="artifact-notes"]', (el) => el.textContent)).toMatch(
      /Swapped the optic\.\s+_Copied from Bob's shared artifact/,
    );
    await view.close();

    // A broken one says so, and shows nothing of it.
    const broken = (await listOf(bob)).find((r) => r.name === 'Broken');
    await page.goto(
      `chrome-extension://${owner.extensionId}/artifact.html?team=${broken?.id ?? ''}`,
    );
    await page.waitForSelector('[data-testid="artifact-error"]');
    expect(await page.$eval('[data-testid="artifact-error"]', (el) => el.textContent)).toMatch(
      /not an artifact this version of Tandem can read/,
    );

    // Stop sharing: gone from the relay for Bob; the artifact stays in Olga's library.
    await page.goto(`chrome-extension://${owner.extensionId}/artifact.html?id=${id ?? ''}`);
    // The page reads the artifact and the enrolment before it shows its team actions.
    await page.waitForSelector('[data-testid="artifact-unshare"]:not([disabled])');
    await page.click('[data-testid="artifact-unshare"]');
    await page.waitForSelector('[data-testid="artifact-share"]');
    expect((await read(bob, mine.id)).status).toBe(404);
    await page.close();
  });
});
