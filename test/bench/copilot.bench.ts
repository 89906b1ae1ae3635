/**
 * Copilot benchmarks, offline and in-process: the classifier's precision and recall on the
 * labelled corpus (unknown counted as a change); the time the catch-up takes on a 200-line
 * session (segmentation included); a catch-up from a live reader that has read a 20,000-line
 * session (typed key by key), how long reading that session took, and reading a flood per MiB.
 */
import { performance } from 'node:perf_hooks';
import { catchUp, DEFAULT_CATCHUP_LINES } from '../../native-host/copilot/actions.js';
import { Segmenter, segment, type SessionEvent } from '../../native-host/copilot/segment.js';
import { scoreCorpus } from '../copilot/corpus.js';
import { loadTranscript } from '../copilot/transcripts.js';
import { percentile, type BenchResult } from './results.js';

const RUNS = 50;
const facts = { device: 'bench', startedAt: new Date(0), names: new Map<string, string>() };

/** The recorded transcripts one after another, again and again, until `lines` lines. */
function session(lines: number): SessionEvent[] {
  const names = ['bash', 'zsh', 'ios', 'junos', 'uboot'];
  const events: SessionEvent[] = [];
  let offset = 0;
  let count = 0;
  for (let round = 0; count < lines; round++) {
    const part = loadTranscript(names[round % names.length] ?? 'bash');
    for (const e of part) {
      events.push([e[0] + offset, ...e.slice(1)] as SessionEvent);
      if (e[1] === 'o' && typeof e[2] === 'string') count += e[2].split('\n').length - 1;
    }
    offset = (events.at(-1)?.[0] ?? offset) + 1000;
  }
  return events;
}

function timeCatchUp(events: SessionEvent[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    catchUp(segment(events), facts, DEFAULT_CATCHUP_LINES);
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

function timeLive(events: SessionEvent[]): { feedMs: number; askMs: number } {
  const segmenter = new Segmenter();
  const start = performance.now();
  for (const event of events) segmenter.feed(event);
  const feedMs = performance.now() - start;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ask = performance.now();
    catchUp(segmenter.snapshot(), facts, DEFAULT_CATCHUP_LINES);
    times.push(performance.now() - ask);
  }
  return { feedMs, askMs: percentile(times, 50) };
}

/** Reading a flood (16 MiB of coloured `ls -l` lines in 64 KiB chunks), per MiB. */
function timeFlood(): number {
  const line =
    'drwxr-xr-x 2 root root 4096 Dec  1 08:18 \x1b[01;34mreleases-2026-12-01\x1b[0m (42 items)\r\n';
  const chunk = line.repeat(Math.ceil((64 * 1024) / line.length));
  const segmenter = new Segmenter();
  const start = performance.now();
  let chars = 0;
  for (let i = 0; chars < 16 * 1024 * 1024; i++) {
    segmenter.feed([i, 'o', chunk]);
    chars += chunk.length;
  }
  return (performance.now() - start) / (chars / (1024 * 1024));
}

export async function runCopilotBench(): Promise<BenchResult[]> {
  const score = scoreCorpus();
  const small = session(DEFAULT_CATCHUP_LINES);
  const long = session(20_000);
  const live = timeLive(long);
  return Promise.resolve([
    { name: 'copilot.classify_precision', value: score.precision, unit: 'ratio', goal: '≥ 0.9' },
    { name: 'copilot.classify_recall', value: score.recall, unit: 'ratio', goal: '≥ 0.95' },
    { name: 'copilot.classify_corpus', value: score.total, unit: 'commands' },
    {
      name: 'copilot.catchup_ms',
      value: timeCatchUp(small),
      unit: 'ms',
      goal: '< 50 ms (200 lines)',
    },
    {
      name: 'copilot.live_catchup_ms',
      value: live.askMs,
      unit: 'ms',
      goal: '< 50 ms (20,000-line session)',
    },
    { name: 'copilot.segment_flood_ms_per_mib', value: timeFlood(), unit: 'ms/MiB' },
    { name: 'copilot.segment_20k_lines_ms', value: live.feedMs, unit: 'ms' },
  ]);
}
