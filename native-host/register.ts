import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXTENSION_ID } from './extension-id.js';

export const HOST_NAME = 'dev.tandem.agent';

export type Browser = 'chrome' | 'chromium' | 'edge';

/** Each browser's own folder under ~/.config (Linux) and ~/Library/Application Support (macOS). */
const FOLDERS: Record<Browser, { linux: string; mac: string }> = {
  chrome: { linux: 'google-chrome', mac: 'Google/Chrome' },
  chromium: { linux: 'chromium', mac: 'Chromium' },
  edge: { linux: 'microsoft-edge', mac: 'Microsoft Edge' },
};

/** Where Chrome, Chromium and Microsoft Edge look for per-user native messaging host manifests. */
export function manifestDirs(browsers: Browser[], userDataDir?: string): string[] {
  if (userDataDir !== undefined)
    return [path.join(path.resolve(userDataDir), 'NativeMessagingHosts')];
  const home = process.env.HOME ?? os.homedir();
  const mac = process.platform === 'darwin';
  const config = process.env.XDG_CONFIG_HOME ?? path.join(home, '.config');
  return browsers.map((browser) =>
    mac
      ? path.join(home, 'Library/Application Support', FOLDERS[browser].mac, 'NativeMessagingHosts')
      : path.join(config, FOLDERS[browser].linux, 'NativeMessagingHosts'),
  );
}

export interface Registration {
  manifestPath: string;
  wrapperPath: string;
}

/**
 * Writes the host manifest and, beside it, an executable wrapper that runs this very node on
 * this package's CLI (Chrome starts hosts with a bare environment, so absolute paths only).
 */
export function register(dir: string, cliPath: string): Registration {
  fs.mkdirSync(dir, { recursive: true });
  const wrapperPath = path.join(dir, `${HOST_NAME}.sh`);
  const manifestPath = path.join(dir, `${HOST_NAME}.json`);
  const wrapper = [
    '#!/bin/sh',
    '# Written by `tandem-agent register`; removed by `tandem-agent unregister`.',
    `exec ${shellQuote(process.execPath)} ${shellQuote(path.resolve(cliPath))} host "$@"`,
    '',
  ].join('\n');
  fs.writeFileSync(wrapperPath, wrapper, { mode: 0o755 });
  fs.chmodSync(wrapperPath, 0o755);
  const manifest = {
    name: HOST_NAME,
    description: 'Tandem agent: shares live terminals with the Tandem extension',
    path: wrapperPath,
    type: 'stdio',
    allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
  };
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o644 });
  return { manifestPath, wrapperPath };
}

/** Removes what register wrote in `dir`; returns the files removed. */
export function unregister(dir: string): string[] {
  const removed: string[] = [];
  for (const name of [`${HOST_NAME}.json`, `${HOST_NAME}.sh`]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) {
      fs.rmSync(file);
      removed.push(file);
    }
  }
  return removed;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
