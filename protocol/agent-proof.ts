/**
 * The agent proves who it is on every data connection, before a participant sends any secret.
 *
 * An invite link carries the SHA-256 fingerprint of the agent's Ed25519 public key in its
 * fragment, which the relay never sees. As soon as a data connection opens, the agent sends
 * `link.hello {key, signature}`: its public key and its signature over a statement naming both
 * peers and both DTLS certificate fingerprints of this very connection, as the agent sees them
 * in its local and remote SDP. The participant checks the key against the link and the
 * signature against the statement built from ITS OWN descriptions. A relay that answers in the
 * agent's place, or sits in the middle with its own DTLS certificates on both sides, cannot
 * produce a signature over the fingerprints the participant sees; the participant refuses and
 * never sends the join (which carries the invite secret).
 *
 * The agent speaks first (no client nonce): the statement is already unique to the connection
 * through the DTLS fingerprints, which only the two ends of the DTLS session can present, and
 * the agent never signs anything a stranger chose.
 *
 * Signing and hashing need crypto, which protocol/ does not import: the agent uses node:crypto,
 * browsers WebCrypto, the test participant node:crypto. What they must agree on is here.
 */

export interface LinkHello {
  v: 1;
  type: 'link.hello';
  /** The agent's Ed25519 public key: the 32 raw bytes, base64url. */
  key: string;
  /** Ed25519 signature over `proofStatement(…)` (UTF-8), base64url. */
  signature: string;
}

/** What a participant shows, and does, when the proof fails: stop, send nothing. */
export const AGENT_UNVERIFIED_MESSAGE =
  'This link does not lead to the agent that created it — do not enter anything; ask the owner for a new link';

/** How long a participant waits for `link.hello` after the data connection opens. */
export const HELLO_TIMEOUT_MS = 10_000;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** 32 bytes and 64 bytes in unpadded base64url. */
const KEY_CHARS = 43;
const SIGNATURE_CHARS = 86;

/** The key fingerprint as it appears in a link: SHA-256 of the raw key, base64url (43 chars). */
export const KEY_FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

export function isLinkHello(value: unknown): value is LinkHello {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    value.type === 'link.hello' &&
    'key' in value &&
    typeof value.key === 'string' &&
    value.key.length === KEY_CHARS &&
    BASE64URL.test(value.key) &&
    'signature' in value &&
    typeof value.signature === 'string' &&
    value.signature.length === SIGNATURE_CHARS &&
    BASE64URL.test(value.signature)
  );
}

export function linkHello(key: string, signature: string): LinkHello {
  return { v: 1, type: 'link.hello', key, signature };
}

/**
 * The DTLS certificate fingerprints an SDP announces (`a=fingerprint:sha-256 AB:CD:…`), written
 * the same way whoever produced the SDP (`sha-256 AB:CD:…`), sorted, without repeats. Empty
 * when there are none: such a connection cannot be proven and is refused.
 */
export function dtlsFingerprints(sdp: string): string[] {
  const found = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) {
    const match = /^a=fingerprint:(\S+)\s+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)\s*$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      found.add(`${match[1].toLowerCase()} ${match[2].toUpperCase()}`);
    }
  }
  return [...found].sort();
}

export interface ProofContext {
  agentPeerId: string;
  participantPeerId: string;
  /** Fingerprints in the agent's description (the agent's local SDP, the participant's remote). */
  agentDtls: string[];
  /** Fingerprints in the participant's description (its local SDP, the agent's remote). */
  participantDtls: string[];
}

/** The text the agent signs and the participant rebuilds from what it sees. */
export function proofStatement(context: ProofContext): string {
  return [
    'tandem agent proof v1',
    `agent peer: ${context.agentPeerId}`,
    `participant peer: ${context.participantPeerId}`,
    `agent dtls: ${context.agentDtls.join(', ')}`,
    `participant dtls: ${context.participantDtls.join(', ')}`,
  ].join('\n');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url, as in JWK and in links (no Buffer or btoa here: no Node, no DOM). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** The bytes of unpadded base64url; undefined for anything else. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of text) {
    value = ((value << 6) | ALPHABET.indexOf(char)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (value >> bits) & 255;
    }
  }
  return bytes;
}
