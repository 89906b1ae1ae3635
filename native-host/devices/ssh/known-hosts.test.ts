import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entriesForHost,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.js';
import { blob, ECDSA, ED25519, ED25519_NEW, HASHED_DB1_2200, RSA } from './test-keys.js';

const FILE = '/home/u/.ssh/known_hosts';

describe('knownHostsName', () => {
  it('uses the bare host on port 22 and [host]:port otherwise', () => {
    expect(knownHostsName('DB1', 22)).toBe('db1');
    expect(knownHostsName('db1', 2222)).toBe('[db1]:2222');
  });
});

describe('parseKnownHosts', () => {
  it('reads plain, bracketed, comma-list and hashed lines and skips the rest', () => {
    const text = [
      '# a comment',
      '',
      `db1,10.0.0.5 ${ED25519.type} ${ED25519.base64} admin@laptop`,
      `[db2]:2200 ${ECDSA.type} ${ECDSA.base64}`,
      HASHED_DB1_2200,
      `@cert-authority *.example.com ${RSA.type} ${RSA.base64}`,
      'old-rsa1 2048 35 1234567',
      `broken ssh-ed25519 ${ECDSA.base64}`,
      `  web ${RSA.type} ${RSA.base64}  `,
    ].join('\n');
    const entries = parseKnownHosts(text, FILE);
    expect(entries.map((entry) => [entry.line, entry.keyType, entry.hosts.kind])).toEqual([
      [3, 'ssh-ed25519', 'patterns'],
      [4, 'ecdsa-sha2-nistp256', 'patterns'],
      [5, 'ssh-ed25519', 'hashed'],
      [9, 'ssh-rsa', 'patterns'],
    ]);
    expect(entries[0]?.file).toBe(FILE);
  });

  it('handles CRLF line endings', () => {
    const entries = parseKnownHosts(
      `a ${ED25519.type} ${ED25519.base64}\r\nb ${RSA.type} ${RSA.base64}\r\n`,
      FILE,
    );
    expect(entries).toHaveLength(2);
  });
});

describe('entriesForHost', () => {
  const entries = parseKnownHosts(
    [
      `db1,10.0.0.5 ${ED25519.type} ${ED25519.base64}`,
      `[db2]:2200 ${ECDSA.type} ${ECDSA.base64}`,
      HASHED_DB1_2200,
      `*.lan,!printer.lan ${RSA.type} ${RSA.base64}`,
    ].join('\n'),
    FILE,
  );

  it('matches names from a comma list, case-insensitively', () => {
    expect(entriesForHost(entries, '10.0.0.5', 22).map((e) => e.line)).toEqual([1]);
    expect(entriesForHost(entries, 'DB1', 22).map((e) => e.line)).toEqual([1]);
  });

  it('matches non-22 ports only through [host]:port', () => {
    expect(entriesForHost(entries, 'db2', 2200).map((e) => e.line)).toEqual([2]);
    expect(entriesForHost(entries, 'db2', 22)).toEqual([]);
    expect(entriesForHost(entries, 'db1', 2222)).toEqual([]);
  });

  it('matches hashed entries by HMAC of the name', () => {
    expect(entriesForHost(entries, 'db1.example.com', 2200).map((e) => e.line)).toEqual([3]);
    expect(entriesForHost(entries, 'db1.example.com', 22)).toEqual([]);
  });

  it('honours wildcards and negation', () => {
    expect(entriesForHost(entries, 'nas.lan', 22).map((e) => e.line)).toEqual([4]);
    expect(entriesForHost(entries, 'printer.lan', 22)).toEqual([]);
  });
});

describe('checkHostKey', () => {
  const entries = parseKnownHosts(
    [
      `db1 ${ED25519.type} ${ED25519.base64}`,
      `db1 ${RSA.type} ${RSA.base64}`,
      `@revoked db3 ${ECDSA.type} ${ECDSA.base64}`,
      `db3 ${ED25519.type} ${ED25519.base64}`,
    ].join('\n'),
    FILE,
  );

  it('knows a host whose key is listed', () => {
    expect(checkHostKey(entries, 'db1', 22, blob(ED25519))).toEqual({ status: 'known' });
    expect(checkHostKey(entries, 'db1', 22, blob(RSA))).toEqual({ status: 'known' });
  });

  it('reports a host it has never seen as unknown', () => {
    expect(checkHostKey(entries, 'db9', 22, blob(ED25519))).toEqual({ status: 'unknown' });
  });

  it('reports a different key for a known host as a mismatch, naming the expected entry', () => {
    const check = checkHostKey(entries, 'db1', 22, blob(ECDSA));
    expect(check.status).toBe('mismatch');
    if (check.status === 'mismatch') expect(check.expected.line).toBe(1);
  });

  it('prefers the entry of the same key type when reporting a mismatch', () => {
    const check = checkHostKey(entries, 'db1', 22, blob(ED25519_NEW));
    expect(check.status === 'mismatch' && check.expected.line).toBe(1);
    const rsaFirst = parseKnownHosts(
      `db1 ${RSA.type} ${RSA.base64}\ndb1 ${ED25519.type} ${ED25519.base64}`,
      FILE,
    );
    const second = checkHostKey(rsaFirst, 'db1', 22, blob(ED25519_NEW));
    expect(second.status === 'mismatch' && second.expected.keyType).toBe('ssh-ed25519');
  });

  it('refuses a revoked key even when another line trusts the host', () => {
    expect(checkHostKey(entries, 'db3', 22, blob(ECDSA)).status).toBe('revoked');
    expect(checkHostKey(entries, 'db3', 22, blob(ED25519)).status).toBe('known');
  });
});

describe('knownKeyTypes', () => {
  it('lists the trusted key types for a host, once each', () => {
    const entries = parseKnownHosts(
      `db1 ${ECDSA.type} ${ECDSA.base64}\ndb1,db2 ${ECDSA.type} ${ECDSA.base64}\n@revoked db1 ${RSA.type} ${RSA.base64}`,
      FILE,
    );
    expect(knownKeyTypes(entries, 'db1', 22)).toEqual(['ecdsa-sha2-nistp256']);
  });
});

describe('knownHostsLine', () => {
  it('writes a line that parses back to a known key', () => {
    const line = knownHostsLine('127.0.0.1', 2222, blob(ED25519));
    expect(line).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${ED25519.base64}`);
    const entries = parseKnownHosts(`${line}\n`, FILE);
    expect(checkHostKey(entries, '127.0.0.1', 2222, blob(ED25519))).toEqual({ status: 'known' });
  });
});
