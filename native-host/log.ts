import fs from 'node:fs';
import path from 'node:path';

/**
 * Structured logs: one JSON line per event, to a file (never stdout, which carries frames).
 * Callers pass names and numbers only: never secrets, never terminal content.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function fileLogger(file: string, component: string): Logger {
  let stream: fs.WriteStream | undefined;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    stream = fs.createWriteStream(file, { flags: 'a', mode: 0o600 });
    stream.on('error', () => {
      stream = undefined;
    });
  } catch {
    stream = undefined;
  }
  const write = (level: string, event: string, fields?: LogFields): void => {
    const line = JSON.stringify({
      t: new Date().toISOString(),
      level,
      component,
      pid: process.pid,
      event,
      ...fields,
    });
    stream?.write(line + '\n');
  };
  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
