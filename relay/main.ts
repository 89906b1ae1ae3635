/**
 * `tandem-relay`: runs the relay in its own process. The agent starts one on 127.0.0.1 when no
 * team relay is configured and reads the first stdout line, `{"url","host","port"}`.
 * It exits on SIGTERM/SIGINT, or when stdin closes (its parent went away).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startRelay } from './relay.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    static: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
const port = Number.parseInt(values.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be 0-65535 (got "${values.port}")\n`);
  process.exit(2);
}
function readPem(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    process.stderr.write(`${flag} ${file}: cannot read it (${reason})\n`);
    process.exit(2);
  }
}

const certFile = values['tls-cert'];
const keyFile = values['tls-key'];
if ((certFile === undefined) !== (keyFile === undefined)) {
  process.stderr.write('--tls-cert and --tls-key go together: give both PEM files, or neither\n');
  process.exit(2);
}
const relay = await startRelay({
  host: values.host,
  port,
  ...(values.static === undefined ? {} : { staticDir: values.static }),
  ...(certFile === undefined || keyFile === undefined
    ? {}
    : { tls: { cert: readPem(certFile, '--tls-cert'), key: readPem(keyFile, '--tls-key') } }),
  warn: (message) => process.stderr.write(`tandem-relay: warning: ${message}\n`),
});
process.stdout.write(JSON.stringify({ url: relay.url, host: relay.host, port: relay.port }) + '\n');
const stop = (): void => {
  void relay.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (values['exit-with-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
