/**
 * The `peer` bench's results.json entries: the named ratios with their goals, then
 * each peer's own figures.
 */
import type { BenchResult } from '../results.js';
import type { PeerRow } from './table.js';

export interface TandemOnly {
  join10kMs: number;
  joinEmptyMs: number;
  heap: { before: number; after: number };
}

export function peerResults(
  t: PeerRow,
  w: PeerRow,
  x: PeerRow,
  tandemOnly: TandemOnly,
): BenchResult[] {
  const value = (n: number | undefined): number => n ?? Number.NaN;
  const ratio = (a: number | undefined, b: number | undefined): number => value(a) / value(b);
  const entries: BenchResult[] = [
    {
      name: 'peer.flood_ratio_vs_wetty',
      value: ratio(t.floodMbS, w.floodMbS),
      unit: 'x',
      baseline: value(w.floodMbS),
      goal: '>= 2.5',
    },
    {
      name: 'peer.flood_ratio_vs_own_limit',
      value: ratio(t.floodMbS, t.limitMbS),
      unit: 'x',
      baseline: value(t.limitMbS),
      goal: '>= 0.8',
    },
    {
      name: 'peer.flood_hidden_ratio_vs_wetty',
      value: ratio(t.hiddenMbS, w.hiddenMbS),
      unit: 'x',
      baseline: value(w.hiddenMbS),
      goal: '>= 1.5',
    },
    {
      name: 'peer.echo_p50_ratio_vs_wetty',
      value: t.echo.p50 / w.echo.p50,
      unit: 'x',
      baseline: w.echo.p50,
      goal: '<= 0.5',
    },
    {
      name: 'peer.echo_p99_ratio_vs_wetty',
      value: t.echo.p99 / w.echo.p99,
      unit: 'x',
      baseline: w.echo.p99,
      goal: '<= 1',
    },
    {
      name: 'peer.echo_p50_ratio_vs_tmux',
      value: t.echo.p50 / x.echo.p50,
      unit: 'x',
      baseline: x.echo.p50,
    },
    {
      name: 'peer.ctrlc_to_prompt_ms',
      value: value(t.ctrlC?.p90),
      unit: 'ms',
      baseline: value(w.ctrlC?.p90),
      ratio: ratio(t.ctrlC?.p90, w.ctrlC?.p90),
      goal: "p90 < 100 and never slower than wetty (max <= wetty's max)",
    },
    {
      name: 'peer.latejoin_10k_ms',
      value: tandemOnly.join10kMs,
      unit: 'ms',
      baseline: tandemOnly.joinEmptyMs,
    },
    {
      name: 'peer.flood_agent_rss_mb',
      value: value(t.serverRssMb),
      unit: 'MB',
      baseline: value(w.serverRssMb),
      goal: '< 150 (agent + host)',
    },
    {
      name: 'panel.heap_growth_10_sessions_mb',
      value: tandemOnly.heap.after - tandemOnly.heap.before,
      unit: 'MB',
      baseline: tandemOnly.heap.before,
      goal: '< 1 (flat)',
    },
  ];
  for (const row of [t, w, x]) {
    const prefix = `peer.${row.name.toLowerCase()}`;
    entries.push(
      { name: `${prefix}_echo_ms_p50`, value: row.echo.p50, unit: 'ms' },
      { name: `${prefix}_echo_ms_p90`, value: row.echo.p90, unit: 'ms' },
      { name: `${prefix}_echo_ms_p99`, value: row.echo.p99, unit: 'ms' },
    );
    if (row.floodMbS === undefined) continue;
    entries.push(
      {
        name: `${prefix}_flood_mb_s`,
        value: row.floodMbS,
        unit: 'MB/s',
        baseline: value(row.limitMbS),
        ratio: ratio(row.floodMbS, row.limitMbS),
      },
      { name: `${prefix}_flood_hidden_mb_s`, value: value(row.hiddenMbS), unit: 'MB/s' },
      { name: `${prefix}_write_limit_mb_s`, value: value(row.limitMbS), unit: 'MB/s' },
      { name: `${prefix}_ctrlc_ms_p50`, value: value(row.ctrlC?.p50), unit: 'ms' },
      { name: `${prefix}_ctrlc_ms_p90`, value: value(row.ctrlC?.p90), unit: 'ms' },
      { name: `${prefix}_ctrlc_ms_max`, value: value(row.ctrlC?.max), unit: 'ms' },
      { name: `${prefix}_flood_server_rss_mb`, value: value(row.serverRssMb), unit: 'MB' },
      { name: `${prefix}_flood_page_heap_mb`, value: value(row.pageHeapMb), unit: 'MB' },
    );
  }
  return entries;
}
