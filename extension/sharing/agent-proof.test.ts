import { describe, expect, it } from 'vitest';
import { linkHello, proofStatement, toBase64Url } from '../../protocol/agent-proof.js';
import { agentProven } from './agent-proof.js';
import type { InviteLink } from './invite-link.js';

const AGENT_CERT = 'sha-256 AA:AA:AA';
const GUEST_CERT = 'sha-256 BB:BB:BB';
const RELAY_CERT = 'sha-256 CC:CC:CC';
const sdp = (cert: string) => `v=0\r\na=fingerprint:${cert}\r\n`;

/** An agent as bridge.ts is one: an Ed25519 key and the statement it signs for a connection. */
async function agent() {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const fingerprint = toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', raw)));
  /** The hello the agent sends on a connection where it sees these two certificates. */
  const hello = async (participantPeerId: string, agentCert: string, participantCert: string) => {
    const statement = proofStatement({
      agentPeerId: 'tandem-agent',
      participantPeerId,
      agentDtls: [agentCert],
      participantDtls: [participantCert],
    });
    const signature = await crypto.subtle.sign(
      { name: 'Ed25519' },
      pair.privateKey,
      new TextEncoder().encode(statement),
    );
    return linkHello(toBase64Url(raw), toBase64Url(new Uint8Array(signature)));
  };
  return { fingerprint, hello };
}

function link(keyFingerprint: string): InviteLink {
  return {
    peerId: 'tandem-agent',
    inviteId: 'inv',
    secret: 's',
    keyFingerprint,
    relay: { host: '127.0.0.1', port: 1, secure: false },
    url: 'http://127.0.0.1:1/join',
  };
}

/** What the guest sees on its own RTCPeerConnection: its offer, and the answer it was given. */
const direct = {
  localDescription: { sdp: sdp(GUEST_CERT) },
  remoteDescription: { sdp: sdp(AGENT_CERT) },
};

describe('agentProven', () => {
  it('accepts the agent the link names, on this very connection', async () => {
    const a = await agent();
    expect(
      await agentProven(
        await a.hello('guest', AGENT_CERT, GUEST_CERT),
        link(a.fingerprint),
        'guest',
        direct,
      ),
    ).toBe(true);
  });

  it('refuses a key the link does not name', async () => {
    const a = await agent();
    const other = await agent();
    const hello = await a.hello('guest', AGENT_CERT, GUEST_CERT);
    expect(await agentProven(hello, link(other.fingerprint), 'guest', direct)).toBe(false);
  });

  it('refuses a proof made for another connection: a relay in the middle, another peer', async () => {
    const a = await agent();
    // The real agent signed what it saw: the relay's certificate where the guest's should be.
    const relayed = await a.hello('guest', AGENT_CERT, RELAY_CERT);
    const throughRelay = {
      localDescription: { sdp: sdp(GUEST_CERT) },
      remoteDescription: { sdp: sdp(RELAY_CERT) },
    };
    expect(await agentProven(relayed, link(a.fingerprint), 'guest', throughRelay)).toBe(false);
    const forOther = await a.hello('someone-else', AGENT_CERT, GUEST_CERT);
    expect(await agentProven(forOther, link(a.fingerprint), 'guest', direct)).toBe(false);
  });
});
