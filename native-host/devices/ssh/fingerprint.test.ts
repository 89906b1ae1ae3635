import { describe, expect, it } from 'vitest';
import { fingerprintOf, keyTypeOf, sameFingerprint } from './fingerprint.js';
import { blob, ECDSA, ED25519, RSA } from './test-keys.js';

describe('fingerprintOf', () => {
  it('matches what ssh-keygen -l prints, for each key type', () => {
    for (const key of [ED25519, ECDSA, RSA]) expect(fingerprintOf(blob(key))).toBe(key.fingerprint);
  });
});

describe('keyTypeOf', () => {
  it('reads the type at the start of the key blob', () => {
    expect(keyTypeOf(blob(ED25519))).toBe('ssh-ed25519');
    expect(keyTypeOf(blob(ECDSA))).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(blob(RSA))).toBe('ssh-rsa');
  });

  it('gives undefined for blobs that are too short or damaged', () => {
    expect(keyTypeOf(Buffer.alloc(2))).toBeUndefined();
    expect(keyTypeOf(Buffer.from([0, 0, 0, 200, 1, 2]))).toBeUndefined();
  });
});

describe('sameFingerprint', () => {
  it('ignores base64 padding and surrounding spaces', () => {
    expect(sameFingerprint(` ${ED25519.fingerprint}= `, ED25519.fingerprint)).toBe(true);
    expect(sameFingerprint(ECDSA.fingerprint, ED25519.fingerprint)).toBe(false);
  });
});
