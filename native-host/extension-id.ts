import { createHash } from 'node:crypto';
import { EXTENSION_PUBLIC_KEY } from '../protocol/index.js';

/** Chrome's id for an extension with this manifest key: SHA-256 of the DER key, 32 hex → a-p. */
export function extensionIdFromKey(publicKeyBase64: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex');
  return [...digest.slice(0, 32)]
    .map((hex) => String.fromCharCode(97 + Number.parseInt(hex, 16)))
    .join('');
}

export const EXTENSION_ID = extensionIdFromKey(EXTENSION_PUBLIC_KEY);
