import { describe, expect, it } from 'vitest';
import { iceRoute } from './ice-route.js';

function report(...entries: Record<string, unknown>[]): RTCStatsReport {
  return new Map(entries.map((e) => [String(e.id), e])) as unknown as RTCStatsReport;
}

const candidates = [
  { id: 'L1', type: 'local-candidate', candidateType: 'host' },
  { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
  { id: 'R1', type: 'remote-candidate', candidateType: 'relay' },
];

describe('iceRoute', () => {
  it('takes the pair the transport selected, even before that pair says it is nominated', () => {
    const stats = report(
      ...candidates,
      { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', state: 'failed' },
      {
        id: 'P2',
        type: 'candidate-pair',
        localCandidateId: 'L2',
        state: 'succeeded',
        nominated: false,
      },
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
    );
    expect(iceRoute(stats)).toEqual({ route: 'relay', remoteCandidates: ['relay'] });
  });

  it('falls back to the nominated, succeeded pair, and says nothing while none is chosen', () => {
    const pair = { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', state: 'succeeded' };
    expect(iceRoute(report(...candidates, { ...pair, nominated: true })).route).toBe('host');
    expect(iceRoute(report(...candidates, { ...pair, state: 'in-progress' })).route).toBe('');
  });
});
