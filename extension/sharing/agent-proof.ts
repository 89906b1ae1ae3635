import {
  dtlsFingerprints,
  fromBase64Url,
  proofStatement,
  toBase64Url,
  type LinkHello,
} from '../../protocol/agent-proof.js';
import type { InviteLink } from './invite-link.js';

/** The parts of an RTCPeerConnection the check reads: the SDPs this end set and received. */
export interface Descriptions {
  localDescription: { sdp: string } | null;
  remoteDescription: { sdp: string } | null;
}

/**
 * Whether the agent on this data connection is the one the link names, checked before the
 * join (and its invite secret) goes out: the key in its hello hashes to the link's
 * fingerprint, and it signed both peer ids and the DTLS fingerprints THIS end sees — the
 * remote description's for the agent, the local one's for us. A relay in the middle, with its
 * own DTLS certificates, cannot make that signature. (protocol/agent-proof.ts; WebCrypto
 * Ed25519.)
 */
export async function agentProven(
  hello: LinkHello,
  link: InviteLink,
  ownPeerId: string,
  pc: Descriptions,
): Promise<boolean> {
  const key = fromBase64Url(hello.key);
  const signature = fromBase64Url(hello.signature);
  if (key === undefined || signature === undefined) return false;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', key));
  if (toBase64Url(digest) !== link.keyFingerprint) return false;
  const statement = proofStatement({
    agentPeerId: link.peerId,
    participantPeerId: ownPeerId,
    agentDtls: dtlsFingerprints(pc.remoteDescription?.sdp ?? ''),
    participantDtls: dtlsFingerprints(pc.localDescription?.sdp ?? ''),
  });
  try {
    const publicKey = await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    return await crypto.subtle.verify(
      { name: 'Ed25519' },
      publicKey,
      signature,
      new TextEncoder().encode(statement),
    );
  } catch {
    // A key WebCrypto will not take proves nothing.
    return false;
  }
}
