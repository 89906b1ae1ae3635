import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node-pty';
import { TandemError, type DeviceSpec } from '../../protocol/index.js';
import { DeviceEvents, type Device, type TerminalSize } from './device.js';
import { systemTarget } from './target.js';

type PtySpec = Extract<DeviceSpec, { kind: 'pty' }>;

/** The user's login shell: $SHELL, else the passwd entry, else /bin/sh. */
export function loginShell(): string {
  const fromEnv = process.env.SHELL;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    const info = os.userInfo();
    if (info.shell !== null && info.shell !== '') return info.shell;
  } catch {
    // no passwd entry: fall through
  }
  return '/bin/sh';
}

/** A clean environment for the shell: the user's basics, not the agent's own variables. */
function shellEnvironment(): Record<string, string> {
  const keep = ['HOME', 'USER', 'LOGNAME', 'PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'SHELL'];
  const env: Record<string, string> = {};
  for (const key of keep) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  env.LANG ??= 'C.UTF-8';
  env.TANDEM = '1';
  return env;
}

function isDirectory(folder: string): boolean {
  try {
    return fs.statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function openPty(spec: PtySpec, size: TerminalSize): Device {
  const shell = spec.shell ?? loginShell();
  const cwd = spec.cwd ?? os.homedir();
  if (!isDirectory(cwd)) {
    throw new TandemError(
      'not_found',
      `Folder ${cwd} does not exist — pick another starting folder`,
    );
  }
  if (!isExecutable(shell)) {
    throw new TandemError(
      'not_found',
      `Shell ${shell} is missing or not executable — check the shell path (or $SHELL)`,
    );
  }
  const events = new DeviceEvents();
  let pty;
  try {
    pty = spawn(shell, spec.args ?? ['-l'], {
      name: 'xterm-256color',
      cols: size.cols,
      rows: size.rows,
      cwd,
      env: shellEnvironment(),
      encoding: null,
    });
  } catch (error) {
    throw new TandemError(
      'device_error',
      `Could not start ${shell} in ${cwd}: ${error instanceof Error ? error.message : String(error)} — check the shell path and folder exist`,
    );
  }
  pty.onData((data: Buffer | string) => {
    events.emitData(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  });
  pty.onExit(({ exitCode, signal }) => {
    const reason =
      signal !== undefined && signal !== 0
        ? `${path.basename(shell)} ended by signal ${signal}`
        : `${path.basename(shell)} exited with code ${exitCode}`;
    events.emitExit({ code: exitCode, reason });
  });
  const ptsName: unknown = Reflect.get(pty, 'ptsName');
  return {
    description: { kind: 'pty', label: path.basename(shell) },
    target: systemTarget(),
    ...(typeof ptsName === 'string' && ptsName.startsWith('/dev/')
      ? { echoState: () => readEchoState(ptsName) }
      : {}),
    onData: (l) => events.onData(l),
    onExit: (l) => events.onExit(l),
    onLinkState: (l) => events.onLinkState(l),
    write: (data) => {
      if (!events.hasExited) pty.write(data);
    },
    resize: ({ cols, rows }) => {
      if (!events.hasExited) pty.resize(cols, rows);
    },
    pause: () => pty.pause(),
    resume: () => pty.resume(),
    close: () =>
      new Promise<void>((resolve) => {
        if (events.hasExited) return resolve();
        events.onExit(() => resolve());
        pty.kill('SIGHUP');
        setTimeout(() => {
          if (!events.hasExited) pty.kill('SIGKILL');
        }, 2000).unref();
      }),
  };
}

/** Reads the line discipline's flags with stty (node has no tcgetattr). */
function readEchoState(tty: string): Promise<{ echo: boolean; canonical: boolean } | undefined> {
  const flag = process.platform === 'linux' ? '-F' : '-f';
  return new Promise((resolve) => {
    execFile('stty', [flag, tty, '-a'], { timeout: 2000 }, (error, stdout) => {
      if (error !== null) return resolve(undefined);
      const words = new Set(stdout.split(/[\s;]+/));
      resolve({ echo: words.has('echo'), canonical: words.has('icanon') });
    });
  });
}
