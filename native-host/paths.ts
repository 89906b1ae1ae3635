import os from 'node:os';
import path from 'node:path';

/**
 * Where the agent keeps things, per the XDG base directory spec. Tests point HOME and the
 * XDG_* variables at temporary folders, so nothing here touches a real profile.
 */
function home(): string {
  return process.env.HOME ?? os.homedir();
}

function xdg(variable: string, fallback: string): string {
  const value = process.env[variable];
  return value !== undefined && path.isAbsolute(value) ? value : path.join(home(), fallback);
}

export function stateDir(): string {
  return path.join(xdg('XDG_STATE_HOME', '.local/state'), 'tandem');
}

/** The folder that holds the agent socket: 0700, owned by the user. */
export function runtimeDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && path.isAbsolute(runtime)) return path.join(runtime, 'tandem');
  return stateDir();
}

export function socketPath(): string {
  return path.join(runtimeDir(), 'agent.sock');
}

export function configDir(): string {
  return path.join(xdg('XDG_CONFIG_HOME', '.config'), 'tandem');
}

export function dataDir(): string {
  return path.join(xdg('XDG_DATA_HOME', '.local/share'), 'tandem');
}

export function logFile(name: 'agent' | 'host'): string {
  return path.join(stateDir(), `${name}.log`);
}

export function sshDir(): string {
  return path.join(home(), '.ssh');
}
