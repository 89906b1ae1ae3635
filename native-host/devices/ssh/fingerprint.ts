import { createHash } from 'node:crypto';

/** OpenSSH's fingerprint format: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH wire-format public key ("ssh-ed25519"). */
export function keyTypeOf(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return undefined;
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** People paste fingerprints with or without padding and surrounding spaces. */
export function sameFingerprint(a: string, b: string): boolean {
  const normalize = (value: string): string => value.trim().replace(/=+$/, '');
  return normalize(a) === normalize(b);
}
