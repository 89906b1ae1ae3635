import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_KEY_FILE, AgentKey, keyFingerprint } from './agent-key.js';

describe('AgentKey', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-key-'));
    dirs.push(dir);
    return path.join(dir, 'state');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is made once, 0600 in a 0700 folder, and is the same key every time after', () => {
    const dir = tempDir();
    const first = AgentKey.load(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, AGENT_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = AgentKey.load(dir);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(first.fingerprint).toBe(keyFingerprint(first.publicKey));
    expect(first.fingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(AgentKey.generate().fingerprint).not.toBe(first.fingerprint);
  });

  it('refuses a key file other users can read, or one that is not an Ed25519 key', () => {
    const dir = tempDir();
    AgentKey.load(dir);
    const file = path.join(dir, AGENT_KEY_FILE);
    fs.chmodSync(file, 0o644);
    expect(() => AgentKey.load(dir)).toThrow(
      /can be read by other users \(mode 644\) — run chmod 600/,
    );
    fs.writeFileSync(file, 'not a key', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    expect(() => AgentKey.load(dir)).toThrow(/is not a private key — delete it/);
  });

  it('signs so that Node verifies with the public key it names', async () => {
    const key = AgentKey.generate();
    const { createPublicKey, verify } = await import('node:crypto');
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey },
      format: 'jwk',
    });
    const signature = Buffer.from(key.sign('statement'), 'base64url');
    expect(verify(null, Buffer.from('statement'), publicKey, signature)).toBe(true);
    expect(verify(null, Buffer.from('statemenT'), publicKey, signature)).toBe(false);
  });
});
