import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TandemError } from '../../../protocol/index.js';
import { fingerprintOf, keyTypeOf, sameFingerprint } from './fingerprint.js';
import {
  checkHostKey,
  entryFingerprint,
  knownHostsLine,
  knownHostsName,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';

export interface HostKeyPolicy {
  host: string;
  port: number;
  /** "db1:22" or "db1 (10.0.0.5:22)", for messages. */
  target: string;
  entries: readonly KnownHostEntry[];
  /** The fingerprint the user confirmed for a first-time host, if any. */
  acceptHostKey: string | undefined;
  knownHostsWritePath: string;
}

/** Reads every known_hosts file that exists; missing files are simply empty. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all = await Promise.all(
    files.map(async (file) => {
      try {
        return parseKnownHosts(await readFile(file, 'utf8'), file);
      } catch (error) {
        if (isMissing(error)) return [];
        throw new TandemError(
          'device_error',
          `Could not read the known hosts file ${file} — check that you may read it`,
        );
      }
    }),
  );
  return all.flat();
}

/**
 * Trust on first use, as OpenSSH: a known key passes, a changed key is a hard error, and an
 * unknown host passes only with the fingerprint the user confirmed (then it is remembered).
 * Throws the TandemError to report; the caller refuses the key before any auth is sent.
 */
export async function verifyHostKey(key: Buffer, policy: HostKeyPolicy): Promise<void> {
  const { host, port, target } = policy;
  const fingerprint = fingerprintOf(key);
  const keyType = keyTypeOf(key) ?? 'unknown';
  const check = checkHostKey(policy.entries, host, port, key);
  switch (check.status) {
    case 'known':
      return;
    case 'revoked':
      throw new TandemError(
        'host_key_mismatch',
        `${target} presented the ${keyType} key ${fingerprint}, which ${check.entry.file}:${check.entry.line} marks as revoked — do not connect; ask the server's administrator`,
        {
          host,
          port,
          fingerprint,
          keyType,
          knownFile: check.entry.file,
          knownLine: check.entry.line,
        },
      );
    case 'mismatch': {
      const knownFingerprint = entryFingerprint(check.expected);
      const name = knownHostsName(host, port);
      throw new TandemError(
        'host_key_mismatch',
        `The host key of ${target} has changed: it presented ${keyType} ${fingerprint} but ${check.expected.file}:${check.expected.line} expects ${check.expected.keyType} ${knownFingerprint}. ` +
          `Someone may be intercepting the connection. If the server was reinstalled, confirm the new fingerprint with its administrator, remove the old entry (ssh-keygen -R "${name}" -f ${check.expected.file}) and connect again.`,
        {
          host,
          port,
          fingerprint,
          keyType,
          knownFingerprint,
          knownKeyType: check.expected.keyType,
          knownFile: check.expected.file,
          knownLine: check.expected.line,
        },
      );
    }
    case 'unknown':
      break;
  }
  if (policy.acceptHostKey === undefined) {
    throw new TandemError(
      'host_key_unknown',
      `${target} has not been seen before. Its ${keyType} host key fingerprint is ${fingerprint} — confirm it matches the server's (run "ssh-keygen -lf /etc/ssh/ssh_host_${keyType.replace(/^ssh-|-.*$/g, '')}_key.pub" there) and accept it to connect.`,
      { host, port, fingerprint, keyType },
    );
  }
  if (!sameFingerprint(policy.acceptHostKey, fingerprint)) {
    throw new TandemError(
      'host_key_mismatch',
      `${target} presented the host key ${fingerprint}, not the ${policy.acceptHostKey} you accepted — do not connect unless you can confirm the new fingerprint with the server's administrator`,
      { host, port, fingerprint, keyType, acceptedFingerprint: policy.acceptHostKey },
    );
  }
  await rememberHostKey(policy.knownHostsWritePath, knownHostsLine(host, port, key));
}

async function rememberHostKey(file: string, line: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const separator = (await endsWithoutNewline(file)) ? '\n' : '';
    await appendFile(file, `${separator}${line}\n`, { mode: 0o600 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TandemError(
      'device_error',
      `Could not save the host key to ${file} (${reason}) — check that folder is writable`,
    );
  }
}

async function endsWithoutNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    (error.code === 'ENOENT' || error.code === 'ENOTDIR')
  );
}
