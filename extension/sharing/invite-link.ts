import { KEY_FINGERPRINT } from '../../protocol/agent-proof.js';

/** Where an invite link points: the agent's peer on a relay, and which invite lets you in. */
export interface InviteLink {
  peerId: string;
  inviteId: string;
  secret: string;
  /** SHA-256 of the agent's public key: the agent must prove it holds that key. */
  keyFingerprint: string;
  relay: { host: string; port: number; secure: boolean };
  /** The link as given, for showing and re-joining. */
  url: string;
}

const PART = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Reads `http(s)://relay[:port]/join#<agentPeerId>.<inviteId>.<secret>.<keyFingerprint>`.
 * Returns undefined for anything else — a link without the agent's key fingerprint (made by an
 * older agent) included, since nothing could check whom it leads to — so a pasted link is
 * checked before any connection is tried.
 */
export function parseInviteLink(text: string): InviteLink | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.pathname !== '/join' && url.pathname !== '/') return undefined;
  const parts = url.hash.replace(/^#/, '').split('.');
  if (parts.length !== 4 || !parts.every((p) => PART.test(p))) return undefined;
  const [peerId, inviteId, secret, keyFingerprint] = parts;
  if (peerId === undefined || inviteId === undefined || secret === undefined) return undefined;
  if (keyFingerprint === undefined || !KEY_FINGERPRINT.test(keyFingerprint)) return undefined;
  const secure = url.protocol === 'https:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  return {
    peerId,
    inviteId,
    secret,
    keyFingerprint,
    relay: { host: url.hostname, port, secure },
    url: url.href,
  };
}

/** True when a tab's URL is a relay join link (the panel may offer to join it). */
export function isInviteUrl(text: string): boolean {
  return parseInviteLink(text) !== undefined;
}
