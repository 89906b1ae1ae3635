/**
 * What a session leaves behind: its artifact. The summary, the evidence a person picked out of
 * the output (each with the moment to replay), and the commands run with who typed them and
 * when. Plain data and pure functions here; storage is the extension's one Dexie database.
 */
import type {
  ArtifactCommand,
  ArtifactDraft,
  DeviceDescription,
  Role,
} from '../../protocol/index.js';
import type { Scope } from '../../protocol/team.js';
import { formatDuration } from '../recordings/timeline.js';

/** The artifact format's version: exported JSON carries it, and the database rows too. */
export const ARTIFACT_SCHEMA = 1;

/** Most characters of one piece of evidence (a selection can be a whole screen of output). */
export const MAX_EVIDENCE_CHARS = 20_000;

/** An excerpt of output someone selected in the terminal or the replay. */
export interface Evidence {
  text: string;
  /** Milliseconds into the session's recording: where the replay opens. */
  t?: number;
  /** When it was picked (ISO 8601). */
  at: string;
}

export interface Artifact {
  id?: number;
  schema: typeof ARTIFACT_SCHEMA;
  title: string;
  sessionId: string;
  recordingId?: string;
  sessionName: string;
  device: DeviceDescription;
  startedAt: string;
  durationMs: number;
  participants: { name: string; role?: Role }[];
  /** Markdown, the person's to edit. */
  summary: string;
  evidence: Evidence[];
  commands: ArtifactCommand[];
  /** Older commands the draft left out (a very long session). */
  omittedCommands?: number;
  /** Markdown: anything else worth keeping. */
  notes: string;
  createdAt: string;
  updatedAt: string;
  /** Where it is shared on the team relay, if it is: this browser's note, never exported. */
  team?: ArtifactShare;
}

/** An artifact's copy on the team relay. */
export interface ArtifactShare {
  resourceId: string;
  scope: Scope;
  /** The team's (or organization's) name when it was shared. */
  scopeName: string;
  sharedAt: string;
  /** The artifact's `updatedAt` when the copy was last sent: later edits are not in it. */
  sentVersion: string;
}

export function artifactFromDraft(draft: ArtifactDraft, evidence: Evidence[], now: Date): Artifact {
  const created = now.toISOString();
  return {
    schema: ARTIFACT_SCHEMA,
    title: `${draft.name} — ${draft.startedAt.slice(0, 10)}`,
    sessionId: draft.sessionId,
    recordingId: draft.recordingId,
    sessionName: draft.name,
    device: draft.device,
    startedAt: draft.startedAt,
    durationMs: draft.durationMs,
    participants: draft.participants,
    summary: draft.summary,
    evidence: [...evidence].sort((a, b) => (a.t ?? 0) - (b.t ?? 0)),
    commands: draft.commands,
    ...(draft.omittedCommands === undefined ? {} : { omittedCommands: draft.omittedCommands }),
    notes: '',
    createdAt: created,
    updatedAt: created,
  };
}

/** The replay page at `t`, relative to the extension's origin. */
export function replayPath(recordingId: string, t: number): string {
  return `/replay.html?recording=${encodeURIComponent(recordingId)}&t=${Math.max(0, Math.round(t))}`;
}

/** A code span that holds any text: a fence longer than any run of backticks inside. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function codeBlock(text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [fence, text, fence];
}

function changeMark(c: ArtifactCommand): string {
  return c.changesState === true ? 'changed state' : c.changesState === null ? 'may have' : '';
}

/**
 * The artifact as Markdown. `origin` (the extension's, `chrome-extension://…`) makes replay
 * links absolute, so they open from wherever the text is pasted in this browser.
 */
export function artifactMarkdown(artifact: Artifact, origin = ''): string {
  const replay = (t: number | undefined): string =>
    artifact.recordingId === undefined || t === undefined
      ? ''
      : ` — [replay at ${formatDuration(t)}](${origin}${replayPath(artifact.recordingId, t)})`;
  const out: string[] = [];
  out.push(`# ${artifact.title}`);
  out.push('');
  out.push(`- **Session:** ${artifact.sessionName} (${artifact.device.label})`);
  out.push(`- **Started:** ${artifact.startedAt}, ${formatDuration(artifact.durationMs)} long`);
  if (artifact.participants.length > 0) {
    const people = artifact.participants.map((p) =>
      p.role === undefined ? p.name : `${p.name} (${p.role})`,
    );
    out.push(`- **People:** ${people.join(', ')}`);
  }
  if (artifact.recordingId !== undefined)
    out.push(`- **Recording:** ${artifact.recordingId}${replay(0)}`);
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push(artifact.summary.trim() === '' ? '_none_' : artifact.summary.trim());
  out.push('');
  out.push('## Evidence');
  out.push('');
  if (artifact.evidence.length === 0) out.push('_none selected_');
  for (const e of artifact.evidence) {
    out.push(`- ${e.t === undefined ? e.at : formatDuration(e.t)}${replay(e.t)}`);
    out.push('');
    out.push(...codeBlock(e.text).map((line) => `  ${line}`.replace(/\n/g, '\n  ')));
    out.push('');
  }
  out.push('## Commands run');
  out.push('');
  if (artifact.omittedCommands !== undefined)
    out.push(`_${artifact.omittedCommands} earlier commands are not listed._`, '');
  if (artifact.commands.length === 0) out.push('_none_');
  for (const c of artifact.commands) {
    const who = c.typedBy.length > 0 ? c.typedBy.join(', ') : 'someone';
    const mark = changeMark(c);
    const exit = c.exitCode !== undefined && c.exitCode !== 0 ? ` (exit ${c.exitCode})` : '';
    out.push(
      `- ${c.at.slice(11, 19)} ${who}: ${code(c.command)}${exit}${mark === '' ? '' : ` — ${mark}`}${replay(c.t)}`,
    );
  }
  if (artifact.notes.trim() !== '') {
    out.push('');
    out.push('## Notes');
    out.push('');
    out.push(artifact.notes.trim());
  }
  return out.join('\n') + '\n';
}

/** The artifact as JSON: the stored fields, with the format named and versioned. */
export function artifactJson(artifact: Artifact): string {
  const { id: _id, team: _team, ...fields } = artifact;
  return JSON.stringify({ tandem: 'artifact', ...fields }, null, 2) + '\n';
}

/** Does the artifact mention every word of `query` (case-insensitive)? */
export function artifactMatches(artifact: Artifact, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [
    artifact.title,
    artifact.sessionName,
    artifact.device.label,
    artifact.summary,
    artifact.notes,
    ...artifact.participants.map((p) => p.name),
    ...artifact.evidence.map((e) => e.text),
    ...artifact.commands.map((c) => `${c.command} ${c.typedBy.join(' ')}`),
  ]
    .join('\n')
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** A file name for an export: the title, made safe. */
export function artifactFileName(artifact: Artifact, extension: 'md' | 'json'): string {
  const name = artifact.title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'artifact';
  return `${name}.artifact.${extension}`;
}
