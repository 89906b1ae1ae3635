import { createHmac, timingSafeEqual } from 'node:crypto';
import { fingerprintOf, keyTypeOf } from './fingerprint.js';
import { matchPatternList } from './host-pattern.js';

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  file: string;
  /** 1-based, so people can find it in an editor. */
  line: number;
  /** `@revoked` keys are refused; `@cert-authority` lines are skipped (no certificate support). */
  revoked: boolean;
  hosts: { kind: 'hashed'; salt: Buffer; hash: Buffer } | { kind: 'patterns'; patterns: string[] };
  keyType: string;
  key: Buffer;
}

export type HostKeyCheck =
  | { status: 'known' }
  | { status: 'unknown' }
  /** The host is known with other keys: maybe an attack, maybe a reinstalled server. */
  | { status: 'mismatch'; expected: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/** The name known_hosts files use for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const entry = parseLine(raw.trim(), file, index + 1);
    if (entry !== undefined) entries.push(entry);
  });
  return entries;
}

function parseLine(text: string, file: string, line: number): KnownHostEntry | undefined {
  if (text === '' || text.startsWith('#')) return undefined;
  const fields = text.split(/\s+/);
  let revoked = false;
  if (fields[0]?.startsWith('@') === true) {
    const marker = fields.shift();
    if (marker !== '@revoked') return undefined;
    revoked = true;
  }
  const [hostField, keyType, keyBase64] = fields;
  if (hostField === undefined || keyType === undefined || keyBase64 === undefined) return undefined;
  const key = Buffer.from(keyBase64, 'base64');
  // Old RSA1 lines ("host 2048 35 ...") and damaged keys are skipped, as OpenSSH does.
  if (keyTypeOf(key) !== keyType) return undefined;
  const hosts = parseHostField(hostField);
  if (hosts === undefined) return undefined;
  return { file, line, revoked, hosts, keyType, key };
}

function parseHostField(field: string): KnownHostEntry['hosts'] | undefined {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.split(',') };
  // Hashed: |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const [, magic, salt, hash] = field.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) return undefined;
  return { kind: 'hashed', salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.kind === 'patterns') return matchPatternList(name, entry.hosts.patterns);
  const digest = createHmac('sha1', entry.hosts.salt).update(name).digest();
  return digest.length === entry.hosts.hash.length && timingSafeEqual(digest, entry.hosts.hash);
}

/** Every entry that names this host and port. */
export function entriesForHost(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): KnownHostEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((entry) => entryMatchesHost(entry, name));
}

export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyCheck {
  const forHost = entriesForHost(entries, host, port);
  const revoked = forHost.find((entry) => entry.revoked && entry.key.equals(key));
  if (revoked !== undefined) return { status: 'revoked', entry: revoked };
  const trusted = forHost.filter((entry) => !entry.revoked);
  if (trusted.some((entry) => entry.key.equals(key))) return { status: 'known' };
  // Prefer reporting a key of the same type: that is the one the server replaced.
  const keyType = keyTypeOf(key);
  const expected = trusted.find((entry) => entry.keyType === keyType) ?? trusted[0];
  return expected === undefined ? { status: 'unknown' } : { status: 'mismatch', expected };
}

/** The key types already trusted for a host, so the client can ask the server for those first. */
export function knownKeyTypes(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): string[] {
  const types = entriesForHost(entries, host, port)
    .filter((entry) => !entry.revoked)
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

/** A plain (unhashed) known_hosts line for a key the user accepted. */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  const keyType = keyTypeOf(key) ?? 'unknown';
  return `${knownHostsName(host, port)} ${keyType} ${key.toString('base64')}`;
}

export function entryFingerprint(entry: KnownHostEntry): string {
  return fingerprintOf(entry.key);
}
