/**
 * The agent's identity for sharing: a long-lived Ed25519 key pair, made once. Invite links
 * carry the fingerprint of its public key; on every data connection the agent signs a
 * statement bound to that connection's DTLS certificates (protocol/agent-proof.ts), so a
 * participant knows it reached this agent and not the relay or someone in the middle.
 *
 * The private key is a PKCS#8 PEM file in the agent's state folder, mode 0600, and never
 * leaves this process (the peer process only reports fingerprints; the agent signs).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const AGENT_KEY_FILE = 'agent-key.pem';

export class AgentKey {
  /** The raw public key, base64url: what `link.hello` carries. */
  readonly publicKey: string;
  /** SHA-256 of the raw public key, base64url: what an invite link carries. */
  readonly fingerprint: string;

  private constructor(private readonly privateKey: KeyObject) {
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    if (typeof jwk.x !== 'string') throw new Error('an Ed25519 key has no public part');
    this.publicKey = jwk.x;
    this.fingerprint = keyFingerprint(jwk.x);
  }

  /** A key that lives only as long as this process (tests). */
  static generate(): AgentKey {
    return new AgentKey(generateKeyPairSync('ed25519').privateKey);
  }

  /**
   * The key in `dir`, made on first use. A key file anyone else can read is refused, as
   * OpenSSH refuses one: whoever copies it can pass for this agent.
   */
  static load(dir: string): AgentKey {
    const file = path.join(dir, AGENT_KEY_FILE);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!fs.existsSync(file)) {
      const made = generateKeyPairSync('ed25519').privateKey;
      try {
        // `wx`: of two agents starting at once, both end up with the one key that won.
        fs.writeFileSync(file, made.export({ format: 'pem', type: 'pkcs8' }), {
          flag: 'wx',
          mode: 0o600,
        });
        return new AgentKey(made);
      } catch (error) {
        if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
      }
    }
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0) {
      throw new Error(
        `${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}) — run chmod 600 on it, or delete it to make a new key (links already sent stop working)`,
      );
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(fs.readFileSync(file, 'utf8'));
    } catch {
      throw new Error(`${file} is not a private key — delete it to make a new one`);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new Error(`${file} is not an Ed25519 key — delete it to make a new one`);
    }
    return new AgentKey(key);
  }

  /** Signs a statement (UTF-8); the signature in base64url. */
  sign(statement: string): string {
    return sign(null, Buffer.from(statement, 'utf8'), this.privateKey).toString('base64url');
  }
}

/** SHA-256 of a raw public key given in base64url, in base64url. */
export function keyFingerprint(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('base64url');
}
