/**
 * An artifact's first draft, read from a recording by the Copilot's offline rules: a summary of
 * where the session ended up and every command run, with who typed it, when, and whether it
 * changed state. It works on any recording, live or ended, with or without a language model.
 */
import type { ArtifactCommand, ArtifactDraft, RecordingIndex, Role } from '../../protocol/index.js';
import type { RecordingEvent } from '../recording/format.js';
import { clip, currentState, foldProblems, whereText, type SessionFacts } from './actions.js';
import { classify } from './classify.js';
import { promptIn, Segmenter, type Segmentation } from './segment.js';

/** Commands one draft lists (the newest): a reply stays well under the 1 MiB frame limit. */
export const MAX_ARTIFACT_COMMANDS = 500;
const MAX_COMMAND_CHARS = 500;
/** Output lines the summary's errors and warnings are folded from (the newest). */
const SUMMARY_LINES = 5000;

export async function draftArtifact(
  index: RecordingIndex,
  events: AsyncIterable<RecordingEvent>,
  /** How the owner's own views (`local:<os user>`) are named: their display name. */
  ownerName: string,
): Promise<ArtifactDraft> {
  const segmenter = new Segmenter(index.cols);
  const names = new Map<string, string>();
  const roles = new Map<string, Role>();
  const named = (id: string, name: string): string => (id.startsWith('local:') ? ownerName : name);
  for await (const event of events) {
    switch (event[1]) {
      case 'o':
      case 'i':
      case 's':
        segmenter.feed(event);
        break;
      case 'r':
        segmenter.feed([event[0], 'r', event[2]]);
        break;
      case 'j':
        names.set(event[2], named(event[2], event[3]));
        roles.set(event[2], event[4]);
        break;
      case 'role':
        roles.set(event[2], event[3]);
        break;
      default:
        break;
    }
  }
  const segmentation = segmenter.snapshot();
  const facts: SessionFacts = {
    device: index.device.label,
    startedAt: new Date(index.startedAt),
    names,
    recordingId: index.recordingId,
  };
  const all = segmentation.commands.map((c): ArtifactCommand => {
    const verdict = classify(c.command, c.context);
    return {
      command: clip(c.command, MAX_COMMAND_CHARS),
      typedBy: c.typedBy.map((id) => names.get(id) ?? id),
      at: new Date(facts.startedAt.getTime() + c.t).toISOString(),
      t: c.t,
      changesState: verdict.changesState,
      reason: verdict.reason,
      ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
    };
  });
  const commands = all.slice(-MAX_ARTIFACT_COMMANDS);
  const people = [...names].map(([id, name]) => {
    const role = roles.get(id);
    return role === undefined ? { name } : { name, role };
  });
  return {
    recordingId: index.recordingId,
    sessionId: index.sessionId,
    name: index.name,
    device: index.device,
    startedAt: index.startedAt,
    durationMs: index.durationMs,
    // One entry per person: the owner's views and a re-joined guest appear once.
    participants: people.filter((p, i) => people.findIndex((q) => q.name === p.name) === i),
    summary: summary(segmentation, facts, all),
    commands,
    ...(all.length > commands.length ? { omittedCommands: all.length - commands.length } : {}),
  };
}

function summary(segmentation: Segmentation, facts: SessionFacts, all: ArtifactCommand[]): string {
  const changed = all.filter((c) => c.changesState === true).length;
  const maybe = all.filter((c) => c.changesState === null).length;
  const typists = [...new Set(all.flatMap((c) => c.typedBy))];
  const out: string[] = [];
  out.push(`**Where:** ${whereText(segmentation, facts)}`);
  out.push('');
  out.push(
    `**Commands:** ${all.length} run${typists.length > 0 ? ` by ${typists.join(', ')}` : ''}; ` +
      `${changed} changed state, ${maybe} may have.`,
  );
  // Output only: a command line that mentions an error was typed, not printed.
  const folded = foldProblems(
    segmentation.lines
      .slice(-SUMMARY_LINES)
      .filter((l) => promptIn(l.text) === undefined)
      .map((l) => l.text),
  );
  out.push('');
  out.push('**Errors and warnings:**');
  if (folded.length === 0) out.push('- none seen');
  for (const f of folded.slice(0, 10)) out.push(`- ${f.count}× ${f.kind}: ${f.example}`);
  out.push('');
  out.push(`**Final state:** ${currentState(segmentation)}`);
  return out.join('\n');
}
