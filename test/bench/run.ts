/**
 * `npm run bench`: runs every benchmark suite (but the opt-in ones) and writes
 * test/bench/results.json. `npm run bench -- abuse` runs the named suites only.
 */
import { runAbuseBench } from './abuse.bench.js';
import { runAgentBench } from './agent.bench.js';
import { runCallBench } from './call.bench.js';
import { runCopilotBench } from './copilot.bench.js';
import { runRecordingBench } from './recording.bench.js';
import { runReplayBench } from './replay.bench.js';
import { runPanelBench } from './panel.bench.js';
import { runPeerBench } from './peer.bench.js';
import { runPresenceBench, runReplicasBench } from './presence.bench.js';
import { runShareBench } from './share.bench.js';
import { runSoakBench } from './soak.bench.js';
import { runStressBench } from './stress.bench.js';
import { writeResults, type BenchResult } from './results.js';

const suites: Record<string, () => Promise<BenchResult[]>> = {
  agent: runAgentBench,
  recording: runRecordingBench,
  replay: runReplayBench,
  panel: runPanelBench,
  share: runShareBench,
  stress: runStressBench,
  soak: runSoakBench,
  abuse: runAbuseBench,
  copilot: runCopilotBench,
  call: runCallBench,
  peer: runPeerBench,
  presence: runPresenceBench,
  replicas: runReplicasBench,
};
/** Suites that run only when named: they take minutes. */
const OPT_IN = new Set(['abuse', 'replicas']);

const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 ? !only.includes(name) : OPT_IN.has(name)) continue;
  process.stdout.write(`bench: ${name}\n`);
  results.push(...(await run()));
}
writeResults(results);
