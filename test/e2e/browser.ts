/**
 * Real Chromium with the real extension and the real agent: builds a debug copy of the
 * extension (window.__tandem hook), registers the host into a temporary profile, and launches
 * /usr/bin/chromium with the agent environment (Chrome hands its environment to the host).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterEach } from 'vitest';
import { AGENT_BIN, REPO_ROOT, makeAgentEnv, runCli, type AgentEnv } from '../fixtures/agent.js';

const run = promisify(execFile);

export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';

/** Builds the extension with the debug hook into `<dir>/chrome-mv3`; returns that folder. */
export async function buildDebugExtension(dir: string): Promise<string> {
  await run(process.execPath, [path.join(REPO_ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build'], {
    cwd: REPO_ROOT,
    env: { ...process.env, TANDEM_DEBUG: '1', TANDEM_OUT_DIR: dir },
  });
  return path.join(dir, 'chrome-mv3');
}

export interface Tandem {
  agent: AgentEnv;
  extensionDir: string;
  browser: Browser;
  extensionId: string;
  userDataDir: string;
  /** Opens the side panel page in a tab and waits for the debug hook. */
  openPanel(options?: {
    width?: number;
    height?: number;
    scale?: number;
    dark?: boolean;
  }): Promise<Page>;
  /** Quits Chromium and starts it again on the same profile and agent, as a user does. */
  restartBrowser(): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  register?: boolean;
  /** A debug build to reuse (a second browser in the same test file). */
  extensionDir?: string;
  /** The agent's embedded relay serves this build's guest page (sharing.json). */
  serveGuestPage?: boolean;
  /** Extra Chromium flags (e.g. WebRTC on loopback). */
  args?: string[];
  /** Extra environment for the agent (Chromium starts the host, which starts the agent). */
  agentEnv?: Record<string, string>;
  /** More of the agent's sharing.json, with `serveGuestPage` (e.g. ICE servers). */
  sharing?: Record<string, unknown>;
  /** Another Chromium binary or wrapper (the bench runs "remote" parties under nice). */
  executablePath?: string;
}

export async function launchTandem(options: LaunchOptions = {}): Promise<Tandem> {
  const agent = makeAgentEnv();
  Object.assign(agent.env, options.agentEnv);
  const extensionDir =
    options.extensionDir ?? (await buildDebugExtension(path.join(agent.root, 'ext')));
  if (options.serveGuestPage === true) {
    const configDir = path.join(agent.env.XDG_CONFIG_HOME ?? '', 'tandem');
    fs.mkdirSync(configDir, { recursive: true });
    fs.writeFileSync(
      path.join(configDir, 'sharing.json'),
      JSON.stringify({ ...options.sharing, guestPageDir: extensionDir }),
    );
  }
  const userDataDir = path.join(agent.root, 'chromium-profile');
  fs.mkdirSync(userDataDir, { recursive: true });
  if (options.register !== false) {
    const result = await runCli(agent.env, ['register', '--user-data-dir', userDataDir]);
    if (result.code !== 0) throw new Error(`register failed: ${result.stderr}`);
  }
  const { stdout } = await run(process.execPath, [AGENT_BIN, 'id']);
  const extensionId = stdout.trim();
  const launch = (): Promise<Browser> =>
    puppeteer.launch({
      executablePath: options.executablePath ?? CHROMIUM,
      headless: true,
      pipe: true,
      enableExtensions: [extensionDir],
      userDataDir,
      env: { ...agent.env, TZ: 'UTC' },
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--window-size=480,800',
        ...(options.args ?? []),
      ],
    });
  const tandem: Tandem = {
    agent,
    extensionDir,
    browser: await launch(),
    extensionId,
    userDataDir,
    async openPanel(view = {}) {
      const page = await tandem.browser.newPage();
      await page.setViewport({
        width: view.width ?? 460,
        height: view.height ?? 720,
        deviceScaleFactor: view.scale ?? 1,
      });
      if (view.dark === true) {
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
      }
      await page.goto(`chrome-extension://${extensionId}/sidepanel.html`);
      await page.waitForFunction(() => window.__tandem !== undefined);
      return page;
    },
    async restartBrowser() {
      await tandem.browser.close();
      tandem.browser = await launch();
    },
    async close() {
      await tandem.browser.close().catch(() => undefined);
      await agent.cleanup();
    },
  };
  return tandem;
}

/** The panel's visible text: what a failing test prints so the failure explains itself. */
export async function visibleText(page: Page): Promise<string> {
  try {
    return await page.evaluate(() => {
      const terminal = window.__tandem?.text() ?? '';
      return `${document.body.innerText}\n--- terminal ---\n${terminal.slice(-3000)}`;
    });
  } catch (error) {
    return `(could not read the page: ${String(error)})`;
  }
}

/** After each failed test, prints what the panel shows, to read in the CI log. */
export function dumpPanelOnFailure(panel: () => Page | undefined): void {
  afterEach(async (context) => {
    const page = panel();
    if (context.task.result?.state !== 'fail' || page === undefined) return;
    process.stderr.write(
      `\n--- panel text after "${context.task.name}" ---\n${await visibleText(page)}\n`,
    );
  });
}

/** Waits until the page satisfies `test`; on timeout the error carries the panel's text. */
export async function waitForText(
  page: Page,
  test: string | RegExp,
  options: { timeoutMs?: number; terminal?: boolean; sessionId?: string } = {},
): Promise<void> {
  const source = typeof test === 'string' ? { s: test } : { r: test.source, f: test.flags };
  try {
    await page.waitForFunction(
      (src: { s?: string; r?: string; f?: string }, terminal: boolean, sessionId?: string) => {
        const text = terminal ? (window.__tandem?.text(sessionId) ?? '') : document.body.innerText;
        return src.s !== undefined
          ? text.includes(src.s)
          : new RegExp(src.r ?? '', src.f).test(text);
      },
      { timeout: options.timeoutMs ?? 15_000, polling: 50 },
      source,
      options.terminal ?? options.sessionId !== undefined,
      options.sessionId,
    );
  } catch (error) {
    throw new Error(
      `timed out waiting for ${String(test)} in the ${options.terminal ? 'terminal' : 'panel'}; the panel shows:\n${await visibleText(page)}`,
      { cause: error },
    );
  }
}

/** Types into the active terminal the way a user does: keyboard events into xterm's textarea. */
export async function typeInTerminal(page: Page, text: string): Promise<void> {
  // A new session's pane renders a moment after the model switches to it.
  const input = '.pane:not([style*="none"]) .xterm-helper-textarea';
  await page.waitForSelector(input, { timeout: 10_000 });
  await page.focus(input);
  await page.keyboard.type(text);
}

/** Waits for a session the panel did not show before; returns its id. */
export async function waitForNewSession(
  page: Page,
  known: string[],
  timeoutMs = 20_000,
): Promise<string> {
  try {
    const handle = await page.waitForFunction(
      (ids: string[]) => {
        const fresh = window.__tandem?.sessions().find((s) => !ids.includes(s.id));
        return fresh === undefined || window.__tandem?.activeId() !== fresh.id ? false : fresh.id;
      },
      { timeout: timeoutMs, polling: 50 },
      known,
    );
    const id: unknown = await handle.jsonValue();
    if (typeof id !== 'string') throw new Error('no session id');
    return id;
  } catch (error) {
    throw new Error(`no new session appeared; the panel shows:\n${await visibleText(page)}`, {
      cause: error,
    });
  }
}

export async function sessionIds(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__tandem?.sessions().map((s) => s.id) ?? []);
}

/** A shell prompt at the end of the terminal. */
export const PROMPT = /[$#] ?$/;

/**
 * Opens a local shell from the New terminal screen the way a user does, and waits for its
 * prompt; returns the new session's id.
 */
export async function openLocalShell(page: Page): Promise<string> {
  await waitForText(page, 'Open local shell');
  const known = await sessionIds(page);
  await page.click('[data-testid="new-terminal"] button.primary');
  const sessionId = await waitForNewSession(page, known);
  await waitForText(page, PROMPT, { sessionId });
  return sessionId;
}
