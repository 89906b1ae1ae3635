import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  dtlsFingerprints,
  fromBase64Url,
  isLinkHello,
  linkHello,
  proofStatement,
  toBase64Url,
} from './agent-proof.js';

describe('agent proof', () => {
  it('encodes base64url exactly as Node does, both ways', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = createHash('sha512')
        .update(String(length))
        .digest()
        .subarray(0, Math.min(64, length));
      const text = Buffer.from(bytes).toString('base64url');
      expect(toBase64Url(bytes)).toBe(text);
      expect(Buffer.from(fromBase64Url(text) ?? [])).toEqual(Buffer.from(bytes));
    }
    expect(fromBase64Url('a+b/')).toBeUndefined();
    expect(fromBase64Url('abcde')).toBeUndefined();
  });

  it('reads every DTLS fingerprint of an SDP the same way whoever wrote it', () => {
    const sdp = [
      'v=0',
      'a=fingerprint:SHA-256 ab:cd:EF',
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      'a=fingerprint:sha-256 AB:CD:EF',
      'a=fingerprint:sha-1 01:02',
      'a=fingerprint:sha-256 not-hex',
    ].join('\r\n');
    expect(dtlsFingerprints(sdp)).toEqual(['sha-1 01:02', 'sha-256 AB:CD:EF']);
    expect(dtlsFingerprints('v=0\r\n')).toEqual([]);
  });

  it('names both peers and both certificates in the statement', () => {
    const statement = proofStatement({
      agentPeerId: 'tandem-a',
      participantPeerId: 'p',
      agentDtls: ['sha-256 AA'],
      participantDtls: ['sha-256 BB', 'sha-256 CC'],
    });
    expect(statement).toBe(
      'tandem agent proof v1\nagent peer: tandem-a\nparticipant peer: p\n' +
        'agent dtls: sha-256 AA\nparticipant dtls: sha-256 BB, sha-256 CC',
    );
  });

  it('accepts only a well-formed hello', () => {
    const key = 'k'.repeat(43);
    const signature = 's'.repeat(86);
    expect(isLinkHello(linkHello(key, signature))).toBe(true);
    expect(isLinkHello(linkHello(key + 'x', signature))).toBe(false);
    expect(isLinkHello(linkHello(key, signature.slice(1) + '+'))).toBe(false);
    expect(isLinkHello({ type: 'link.hello' })).toBe(false);
    expect(isLinkHello(null)).toBe(false);
  });
});
