/**
 * The `peer` bench's side-by-side table (Tandem | wetty | tmux), printed and written to
 * test/bench/peer-table.md for the docs to include. Formatted with the repository's prettier
 * settings, so `prettier --check` stays clean.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

export const TABLE_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'peer-table.md',
);

/** One peer's figures (medians over rounds); undefined = not measured for this peer. */
export interface PeerRow {
  name: string;
  floodMbS?: number;
  limitMbS?: number;
  hiddenMbS?: number;
  echo: { p50: number; p90: number; p99: number };
  ctrlC?: { p50: number; p90: number; max: number };
  serverRssMb?: number;
  pageHeapMb?: number;
}

export interface TableContext {
  rounds: number;
  floodMb: number;
  wettyVersion: string;
  /** Extra lines under the table (Tandem-only figures). */
  notes: string[];
}

const f1 = (n: number | undefined): string => (n === undefined ? '–' : n.toFixed(1));
const f2 = (n: number | undefined): string => (n === undefined ? '–' : n.toFixed(2));

export function renderTable(rows: PeerRow[], context: TableContext): string {
  const header = [
    'peer',
    'flood visible MB/s (own `term.write` limit)',
    'flood hidden MB/s',
    'echo p50 / p90 / p99 ms',
    'Ctrl-C → prompt p50 / p90 / max ms',
    'server RSS in flood MB',
    'page heap in flood MB',
  ];
  const lines = rows.map((row) => [
    row.name,
    row.floodMbS === undefined ? '–' : `${f2(row.floodMbS)} (${f2(row.limitMbS)})`,
    f2(row.hiddenMbS),
    `${f2(row.echo.p50)} / ${f2(row.echo.p90)} / ${f2(row.echo.p99)}`,
    row.ctrlC === undefined
      ? '–'
      : `${row.ctrlC.p50.toFixed(0)} / ${row.ctrlC.p90.toFixed(0)} / ${row.ctrlC.max.toFixed(0)}`,
    f1(row.serverRssMb),
    f1(row.pageHeapMb),
  ]);
  const table = [header, header.map(() => '---'), ...lines]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
  return [
    '# Tandem vs wetty vs tmux (`npm run bench -- peer`)',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, one Chromium, ` +
      `${context.rounds} interleaved round(s), medians; ${context.floodMb} MiB \`cat\` flood; ` +
      `wetty ${context.wettyVersion}; tmux echo through a second attached client.`,
    '',
    table,
    '',
    ...context.notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
}

/** Prints the table and writes it (prettier-formatted) to TABLE_FILE. */
export async function writeTable(markdown: string): Promise<void> {
  const options = (await prettier.resolveConfig(TABLE_FILE)) ?? {};
  const formatted = await prettier.format(markdown, { ...options, parser: 'markdown' });
  fs.writeFileSync(TABLE_FILE, formatted);
  process.stdout.write(`\n${formatted}\n`);
}
