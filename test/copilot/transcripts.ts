/**
 * Recorded sessions for the Copilot tests, in the agent's event format (one JSON array per
 * line). bash*.jsonl were recorded from a real bash through node-pty (keys typed one by one,
 * attributed to two participants); zsh, IOS, Junos and U-Boot were written from those
 * programs' real output (PROMPT_SP, title OSC, pagers and their erasure included).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionEvent } from '../../native-host/copilot/segment.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'transcripts');

export function loadTranscript(name: string): SessionEvent[] {
  const text = fs.readFileSync(path.join(DIR, `${name}.jsonl`), 'utf8');
  const events: SessionEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const value: unknown = JSON.parse(line);
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      events.push(value as SessionEvent);
    }
  }
  return events;
}
