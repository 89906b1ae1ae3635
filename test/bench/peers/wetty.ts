/**
 * wetty, the peer the `peer` bench compares the panel with: installed at a pinned version into
 * the ignored `.bench/peers` folder (never a project dependency) and run on loopback with a
 * local shell instead of ssh.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../fixtures/agent.js';
import { freePort, stopGroup } from './processes.js';

const run = promisify(execFile);

/**
 * 3.2.0 installs and runs on Node 20 (npm only warns that its file-type dependency asks for
 * Node 22; that code is bundled into wetty's client page and never runs in Node).
 */
export const WETTY_VERSION = '3.2.0';
export const PEERS_DIR = path.join(REPO_ROOT, '.bench', 'peers');
const WETTY_DIR = path.join(PEERS_DIR, 'node_modules', 'wetty');
const WETTY_MAIN = path.join(WETTY_DIR, 'build', 'main.js');

function installedVersion(): string | undefined {
  try {
    const parsed: unknown = JSON.parse(
      fs.readFileSync(path.join(WETTY_DIR, 'package.json'), 'utf8'),
    );
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed
      ? String(parsed.version)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether wetty's node-pty (a native addon, built at install) loads. */
async function ptyLoads(): Promise<boolean> {
  try {
    await run(process.execPath, ['-e', "require('node-pty')"], { cwd: WETTY_DIR });
    return true;
  } catch {
    return false;
  }
}

/** Installs wetty@WETTY_VERSION into .bench/peers unless it is there already. */
export async function installWetty(): Promise<void> {
  if (installedVersion() === WETTY_VERSION && (await ptyLoads())) return;
  fs.mkdirSync(PEERS_DIR, { recursive: true });
  // A package.json of its own, so npm never walks up to the repository's; allowScripts lets
  // node-pty build its addon (npm 11 warns about install scripts it was not told about).
  fs.writeFileSync(
    path.join(PEERS_DIR, 'package.json'),
    JSON.stringify(
      { name: 'tandem-bench-peers', private: true, allowScripts: { 'node-pty': true } },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`  installing wetty@${WETTY_VERSION} into ${PEERS_DIR}\n`);
  const npm = ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--save-exact'];
  try {
    await run('npm', [...npm, '--foreground-scripts', `wetty@${WETTY_VERSION}`], {
      cwd: PEERS_DIR,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 10 * 60_000,
    });
  } catch (error) {
    const output = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(
      `npm could not install wetty@${WETTY_VERSION} into ${PEERS_DIR}; its output ends:\n${output.slice(-3000)}`,
      { cause: error },
    );
  }
  if (!(await ptyLoads())) {
    // The addon's build was skipped (install scripts refused): build it now.
    await run('npm', ['rebuild', '--prefix', PEERS_DIR, '--foreground-scripts', 'node-pty'], {
      cwd: PEERS_DIR,
      maxBuffer: 64 * 1024 * 1024,
    }).catch(() => undefined);
  }
  if (installedVersion() !== WETTY_VERSION || !(await ptyLoads())) {
    throw new Error(
      `wetty@${WETTY_VERSION} is in ${PEERS_DIR} but its node-pty addon does not load — ` +
        `delete ${PEERS_DIR} and run the bench again (a C++ compiler and python3 are needed)`,
    );
  }
}

export interface Wetty {
  /** The page that shows the terminal. */
  url: string;
  /** The wetty server's pid (a node process; each page's shell is its child). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts wetty on 127.0.0.1 running `command` (a local shell) for each page. wetty runs a local
 * command only when it runs as root with the ssh host on loopback (otherwise it runs ssh), and
 * hands `--command` to `env -S`, so a command line with arguments works.
 */
export async function startWetty(command: string, env: NodeJS.ProcessEnv): Promise<Wetty> {
  if (process.getuid?.() !== 0) {
    throw new Error('wetty runs a local shell only as root (otherwise it runs ssh): run as root');
  }
  const port = await freePort();
  const args = [
    WETTY_MAIN,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--base',
    '/wetty',
    '--ssh-host',
    'localhost',
    '--command',
    command,
    '--log-level',
    'warn',
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: env.HOME,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const pid = child.pid;
  if (pid === undefined) throw new Error('wetty did not start');
  const url = `http://127.0.0.1:${port}/wetty`;
  // Its own process group outlives this process: should the bench die (Ctrl-C, a crash), the
  // exit hook still ends it.
  const onExit = (): void => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    await stopGroup(child);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`wetty exited with ${child.exitCode} at start:\n${output}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wetty did not answer on ${url} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid, stop };
}
