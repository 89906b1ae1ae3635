import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of test/bench/results.json; names are stable so goals can be tracked. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  goal?: string;
}

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

/** Merges new results into results.json (other suites' entries are kept) and prints a table. */
export function writeResults(results: BenchResult[]): void {
  let existing: BenchResult[] = [];
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
    if (Array.isArray(parsed)) existing = parsed.filter(isResult);
  } catch {
    existing = [];
  }
  const names = new Set(results.map((r) => r.name));
  const merged = [...existing.filter((r) => !names.has(r.name)), ...results].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  fs.writeFileSync(RESULTS, JSON.stringify(merged, null, 2) + '\n');
  console.table(
    results.map((r) => ({
      name: r.name,
      value: round(r.value),
      unit: r.unit,
      baseline: r.baseline === undefined ? '' : round(r.baseline),
      ratio: r.ratio === undefined ? '' : round(r.ratio),
      goal: r.goal ?? '',
    })),
  );
}

function isResult(value: unknown): value is BenchResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    typeof value.name === 'string' &&
    'value' in value &&
    typeof value.value === 'number'
  );
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
