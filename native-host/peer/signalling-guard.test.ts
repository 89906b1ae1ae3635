import { describe, expect, it } from 'vitest';
import { refuseSignalling } from './signalling-guard.js';

const held = (peer: string, connectionId: string) => peer === 'p1' && connectionId === 'dc_1';

describe('refuseSignalling', () => {
  it('drops an ERROR from the relay that PeerJS could not read (it throws on a missing payload)', () => {
    expect(refuseSignalling({ type: 'ERROR' }, held)).toBe('unexpected ERROR message');
    expect(refuseSignalling({ type: 'ERROR', payload: {} }, held)).toBeDefined();
    expect(refuseSignalling({ type: 'ERROR', payload: { msg: 'Invalid key' } }, held)).toBe(
      undefined,
    );
  });

  it('drops every ANSWER: the agent never offers a connection', () => {
    const sdp = { type: 'answer', sdp: 'v=0\r\n' };
    const answer = {
      type: 'ANSWER',
      src: 'p1',
      payload: { type: 'data', connectionId: 'dc_1', sdp },
    };
    expect(refuseSignalling(answer, held)).toBe('unexpected ANSWER message');
  });

  it('passes a candidate only for a connection PeerJS holds', () => {
    const candidate = (src: string, connectionId: string) => ({
      type: 'CANDIDATE',
      src,
      payload: { type: 'data', connectionId, candidate: { candidate: 'candidate:1' } },
    });
    expect(refuseSignalling(candidate('p1', 'dc_1'), held)).toBeUndefined();
    expect(refuseSignalling(candidate('p1', 'dc_2'), held)).toBe('CANDIDATE for no connection');
    expect(refuseSignalling(candidate('p2', 'dc_1'), held)).toBe('CANDIDATE for no connection');
  });
});
