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
  let localInUse = '';
  stats.forEach((report: RTCStats & Record<string, unknown>) => {
    if (report.type === 'remote-candidate') remoteCandidates.add(String(report.candidateType));
    if (report.type === 'local-candidate') localTypes.set(report.id, String(report.candidateType));
    if (
      report.type === 'candidate-pair' &&
      report.nominated === true &&
      report.state === 'succeeded'
    )
      localInUse = String(report.localCandidateId);
  });
  return {
    route: localTypes.get(localInUse) ?? '',
    remoteCandidates: [...remoteCandidates].sort(),
  };
}
