/** The labelled classifier corpus (test/copilot/corpus.tsv) and its precision and recall. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify, type ClassifyContext } from '../../native-host/copilot/classify.js';

export interface CorpusEntry {
  changes: boolean;
  context: ClassifyContext | undefined;
  command: string;
}

const FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus.tsv');

const CONTEXTS: Record<string, ClassifyContext | undefined> = {
  '-': undefined,
  'ios-config': { family: 'ios', mode: 'config-if' },
  'junos-edit': { family: 'junos', mode: 'edit interfaces ge-0/0/1' },
  sql: { family: 'sql' },
  uboot: { family: 'uboot' },
};

export function loadCorpus(): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  for (const line of fs.readFileSync(FILE, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [label, context, ...rest] = line.split('\t');
    if (
      (label !== 'change' && label !== 'read') ||
      context === undefined ||
      !(context in CONTEXTS)
    ) {
      throw new Error(`corpus.tsv: bad line ${JSON.stringify(line)}`);
    }
    entries.push({
      changes: label === 'change',
      context: CONTEXTS[context],
      command: rest.join('\t'),
    });
  }
  return entries;
}

export interface CorpusScore {
  precision: number;
  recall: number;
  total: number;
  unknown: number;
  /** Wrong answers: a change called read-only, or a read called a change (or unknown). */
  misses: { command: string; expected: string; got: boolean | null; reason: string }[];
}

/** Unknown (`null`) counts as a change, as the issue asks. */
export function scoreCorpus(entries: CorpusEntry[] = loadCorpus()): CorpusScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let unknown = 0;
  const misses: CorpusScore['misses'] = [];
  for (const entry of entries) {
    const result = classify(entry.command, entry.context);
    if (result.changesState === null) unknown += 1;
    const predicted = result.changesState !== false;
    if (predicted && entry.changes) tp += 1;
    else if (predicted && !entry.changes) fp += 1;
    else if (!predicted && entry.changes) fn += 1;
    if (predicted !== entry.changes) {
      misses.push({
        command: entry.command,
        expected: entry.changes ? 'change' : 'read',
        got: result.changesState,
        reason: result.reason,
      });
    }
  }
  return {
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    total: entries.length,
    unknown,
    misses,
  };
}
