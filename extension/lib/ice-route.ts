/**
 * How a WebRTC connection travels, from its stats: the type of the local candidate in the
 * selected pair ("host", "srflx" or "relay": through TURN), and the types of every candidate
 * the other side sent (a relayed-only caller sends only "relay": no address of theirs).
 */
export interface IceRoute {
  route: string;
  remoteCandidates: string[];
}

export function iceRoute(stats: RTCStatsReport): IceRoute {
  const remoteCandidates = new Set<string>();
  const localTypes = new Map<string, string>();
  const pairs = new Map<string, RTCStats & Record<string, unknown>>();
  let selectedPair = '';
  stats.forEach((report: RTCStats & Record<string, unknown>) => {
    if (report.type === 'remote-candidate') remoteCandidates.add(String(report.candidateType));
    if (report.type === 'local-candidate') localTypes.set(report.id, String(report.candidateType));
    if (report.type === 'candidate-pair') pairs.set(report.id, report);
    // The transport names the pair it sends on; a pair's own "nominated" flag can lag behind it.
    if (report.type === 'transport' && typeof report.selectedCandidatePairId === 'string') {
      selectedPair = report.selectedCandidatePairId;
    }
  });
  let inUse = pairs.get(selectedPair);
  if (inUse === undefined) {
    inUse = [...pairs.values()].find((p) => p.nominated === true && p.state === 'succeeded');
  }
  return {
    route: localTypes.get(String(inUse?.localCandidateId)) ?? '',
    remoteCandidates: [...remoteCandidates].sort(),
  };
}
