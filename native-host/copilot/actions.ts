/**
 * The Copilot's four one-click actions, offline and deterministic: catch-up of the last N
 * lines, the state-changing commands, the handoff note and the procedure draft. Each reads
 * a segmented session and answers in Markdown plus the structured parts a pane needs
 * (replay links, the editable hypothesis).
 */
import type { CopilotAction, CopilotChange, CopilotProcedure } from '../../protocol/index.js';
import { classify } from './classify.js';
import type { PromptContext } from './prompts.js';
import { promptIn, type Segmentation, type SegmentedCommand } from './segment.js';

export type { CopilotAction };

export const DEFAULT_CATCHUP_LINES = 200;

export interface SessionFacts {
  /** The device as the session describes it (`admin@db1:22`, `/dev/ttyUSB0`…). */
  device: string;
  /** When the events' time 0 was. */
  startedAt: Date;
  /** Display names by participant id. */
  names: ReadonlyMap<string, string>;
  /** The session's recording, for replay links. */
  recordingId?: string;
  /** What the owner remembers about the device (their memories, as they wrote them). */
  memories?: readonly string[];
}

export type ChangeItem = CopilotChange;

export interface CopilotAnswer {
  action: CopilotAction;
  title: string;
  markdown: string;
  /** `changes`: the commands that changed state or may have. */
  changes?: ChangeItem[];
  /** `handoff`: the hypothesis is for a person to fill in. */
  hypothesis?: string;
  /** `procedure`: the steps as data. */
  procedure?: CopilotProcedure;
}

export function runAction(
  action: CopilotAction,
  segmentation: Segmentation,
  facts: SessionFacts,
  lines = DEFAULT_CATCHUP_LINES,
): CopilotAnswer {
  switch (action) {
    case 'catchup':
      return catchUp(segmentation, facts, lines);
    case 'changes':
      return stateChanges(segmentation, facts);
    case 'handoff':
      return handoffNote(segmentation, facts);
    case 'procedure':
      return procedureDraft(segmentation, facts);
  }
}

// ── Catch-up ────────────────────────────────────────────────────────────────────────────

export function catchUp(
  segmentation: Segmentation,
  facts: SessionFacts,
  count: number,
): CopilotAnswer {
  const window = segmentation.lines.slice(-count);
  const since = window[0]?.startT ?? Number.POSITIVE_INFINITY;
  const commands = segmentation.commands.filter((c) => c.t >= since);
  const out: string[] = [];
  out.push(`**Where you are:** ${whereText(segmentation, facts)}`);
  out.push('');
  out.push(`**Commands run** (last ${window.length} lines):`);
  if (commands.length === 0) out.push('- none in these lines');
  for (const c of commands) {
    const verdict = classify(c.command, c.context);
    const mark =
      verdict.changesState === true
        ? ' — changes state'
        : verdict.changesState === null
          ? ' — may change state'
          : '';
    const exit = c.exitCode !== undefined && c.exitCode !== 0 ? ` (exit ${c.exitCode})` : '';
    out.push(`- ${time(facts, c.t)} ${who(facts, c)}: \`${c.command}\`${exit}${mark}`);
  }
  // Output only: a command line that mentions a warning was typed, not printed.
  const folded = foldProblems(
    window.filter((l) => promptIn(l.text) === undefined).map((l) => l.text),
  );
  out.push('');
  out.push('**Errors and warnings:**');
  if (folded.length === 0) out.push('- none seen');
  for (const f of folded) out.push(`- ${f.count}× ${f.kind}: ${f.example}`);
  out.push('');
  out.push(`**Current state:** ${currentState(segmentation)}`);
  return {
    action: 'catchup',
    title: `Catch-up: last ${window.length} lines`,
    markdown: out.join('\n'),
  };
}

export function whereText(segmentation: Segmentation, facts: SessionFacts): string {
  const context = segmentation.currentPrompt?.context ?? segmentation.commands.at(-1)?.context;
  const parts = [`device ${facts.device}`];
  if (context) parts.push(...describeContext(context));
  if (segmentation.currentPrompt)
    parts.push(`at the prompt \`${segmentation.currentPrompt.prompt}\``);
  return parts.join(', ');
}

function describeContext(context: PromptContext): string[] {
  const parts: string[] = [];
  const family: Record<PromptContext['family'], string> = {
    posix: 'Unix shell',
    ios: 'Cisco-style CLI',
    junos: 'Junos CLI',
    uboot: 'U-Boot',
    routeros: 'RouterOS',
    sql: 'SQL shell',
  };
  parts.push(family[context.family]);
  if (context.host) parts.push(`host ${context.user ? `${context.user}@` : ''}${context.host}`);
  if (context.cwd) parts.push(`in ${context.cwd}`);
  if (context.privilege === 'root') parts.push('as root');
  if (context.privilege === 'privileged')
    parts.push(context.family === 'junos' ? 'configuration mode' : 'privileged (enable) mode');
  if (context.mode) parts.push(`mode ${context.mode}`);
  return parts;
}

export function currentState(segmentation: Segmentation): string {
  const last = segmentation.commands.at(-1);
  if (!last) return 'no command seen yet';
  const tail = last.output.filter((l) => l.trim() !== '').slice(-2);
  const status =
    last.exitCode === undefined
      ? ''
      : last.exitCode === 0
        ? ' (succeeded)'
        : ` (failed, exit ${last.exitCode})`;
  const waiting = segmentation.currentPrompt
    ? 'back at the prompt'
    : 'still running or waiting for input';
  const printed =
    tail.length > 0 ? `; it printed: ${tail.map((l) => `\`${l.trim()}\``).join(' / ')}` : '';
  return `last command \`${last.command}\`${status}, ${waiting}${printed}`;
}

const ERROR =
  /\b(error|errors|fatal|failed|failure|fail|denied|refused|unreachable|panic|exception|traceback|segfault|timed out|timeout|no such file|not found|cannot|can't|unable to|critical|crit|emerg|alert)\b|%[A-Z0-9_]+-[0-3]-[A-Z0-9_]+/i;
const WARNING =
  /\b(warn|warning|warnings|deprecated|degraded|retrying|retry)\b|%[A-Z0-9_]+-4-[A-Z0-9_]+/i;

export interface FoldedProblem {
  kind: 'error' | 'warning';
  count: number;
  example: string;
}

/** Same message, different timestamps, pids, addresses or counters: one line with a count. */
export function foldProblems(lines: string[]): FoldedProblem[] {
  const folded = new Map<string, FoldedProblem>();
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const kind = ERROR.test(line) ? 'error' : WARNING.test(line) ? 'warning' : undefined;
    if (!kind) continue;
    const key = `${kind}:${normalize(line)}`;
    const entry = folded.get(key);
    if (entry) entry.count += 1;
    else folded.set(key, { kind, count: 1, example: clip(line, 200) });
  }
  return [...folded.values()].sort((a, b) =>
    a.kind === b.kind ? b.count - a.count : a.kind === 'error' ? -1 : 1,
  );
}

function normalize(line: string): string {
  return line
    .replace(/^\*?[A-Z][a-z]{2}\s+\d+\s+[\d:.]+:?\s*/, '') // syslog / IOS timestamps
    .replace(/^\d{4}-\d\d-\d\d[T ][\d:.]+\S*\s*/, '')
    .replace(/\[\d+\]/g, '[#]')
    .replace(/0x[0-9a-f]+/gi, '#')
    .replace(/\d+/g, '#');
}

// ── State-changing commands ─────────────────────────────────────────────────────────────

export function changeItems(segmentation: Segmentation, facts: SessionFacts): ChangeItem[] {
  const items: ChangeItem[] = [];
  for (const c of segmentation.commands) {
    const verdict = classify(c.command, c.context);
    if (verdict.changesState === false) continue;
    items.push({
      command: c.command,
      changesState: verdict.changesState,
      reason: verdict.reason,
      typedBy: c.typedBy.map((id) => facts.names.get(id) ?? id),
      at: new Date(facts.startedAt.getTime() + c.t).toISOString(),
      t: c.t,
      where: c.prompt,
    });
  }
  return items;
}

export function stateChanges(segmentation: Segmentation, facts: SessionFacts): CopilotAnswer {
  const items = changeItems(segmentation, facts);
  const out: string[] = [];
  if (items.length === 0)
    out.push('No command in this session changed state, as far as the rules can tell.');
  for (const item of items) {
    const label = item.changesState === true ? 'changed state' : 'may have changed state (unknown)';
    const link =
      facts.recordingId === undefined
        ? ''
        : ` — [replay](${replayHref(facts.recordingId, item.t)})`;
    out.push(
      `- ${time(facts, item.t)} ${item.typedBy.join(', ') || 'someone'} at \`${item.where}\`: \`${item.command}\` — ${label}: ${item.reason}${link}`,
    );
  }
  return {
    action: 'changes',
    title: `State-changing commands (${items.length})`,
    markdown: out.join('\n'),
    changes: items,
  };
}

/** The replay page's address, relative to the extension's origin. */
export function replayHref(recordingId: string, t: number): string {
  return `/replay.html?recording=${encodeURIComponent(recordingId)}&t=${Math.max(0, Math.round(t))}`;
}

// ── Handoff note ────────────────────────────────────────────────────────────────────────

export function handoffNote(segmentation: Segmentation, facts: SessionFacts): CopilotAnswer {
  const out: string[] = [];
  out.push(`## Handoff — ${facts.device}`);
  out.push('');
  out.push(`**Where:** ${whereText(segmentation, facts)}`);
  out.push('');
  out.push('**Current hypothesis:** _(to be written by a person)_');
  out.push('');
  if (facts.memories !== undefined && facts.memories.length > 0) {
    out.push('**Remembered about this device:**');
    for (const memory of facts.memories) out.push(`- ${memory.replace(/\s*\n\s*/g, ' ')}`);
    out.push('');
  }
  out.push('**Evidence:**');
  const evidence = segmentation.commands.filter((c) => keyLines(c).length > 0 || c.exitCode);
  if (evidence.length === 0) out.push('- no errors or warnings seen in the output');
  for (const c of evidence.slice(-10)) {
    out.push(`- \`${c.command}\` (${time(facts, c.t)}, ${who(facts, c)})`);
    for (const line of keyLines(c)) out.push(`  - \`${clip(line, 160)}\``);
  }
  const changes = changeItems(segmentation, facts);
  out.push('');
  out.push('**Changes made:**');
  if (changes.length === 0) out.push('- none');
  for (const item of changes) {
    out.push(
      `- \`${item.command}\` by ${item.typedBy.join(', ') || 'someone'} at ${time(facts, item.t)}${item.changesState === null ? ' (may have changed state)' : ''}`,
    );
  }
  out.push('');
  out.push('**Next checks:**');
  for (const check of nextChecks(segmentation, changes)) out.push(`- [ ] ${check}`);
  return { action: 'handoff', title: 'Handoff note', markdown: out.join('\n'), hypothesis: '' };
}

function keyLines(command: SegmentedCommand): string[] {
  return foldProblems(command.output)
    .slice(0, 3)
    .map((f) => (f.count > 1 ? `${f.example} (×${f.count})` : f.example));
}

function nextChecks(segmentation: Segmentation, changes: ChangeItem[]): string[] {
  const checks: string[] = [];
  const failed = segmentation.commands.filter(
    (c) => keyLines(c).some((l) => ERROR.test(l)) || (c.exitCode ?? 0) !== 0,
  );
  for (const c of failed.slice(-3))
    checks.push(`Re-run \`${c.command}\` and confirm the error is gone`);
  for (const item of changes.slice(-3)) checks.push(`Verify the effect of \`${item.command}\``);
  const family =
    segmentation.currentPrompt?.context.family ?? segmentation.commands.at(-1)?.context.family;
  if (
    family === 'ios' &&
    changes.length > 0 &&
    !changes.some((c) => /^(wr|write|copy run)/.test(c.command))
  ) {
    checks.push('Save the configuration (`write memory`) once the change is confirmed');
  }
  if (family === 'junos' && segmentation.currentPrompt?.context.mode)
    checks.push('Uncommitted changes may remain: `show | compare`');
  if (checks.length === 0) checks.push('Nothing failed in the session: decide what to watch next');
  return checks;
}

// ── Procedure draft ─────────────────────────────────────────────────────────────────────

/** Steps a draft carries as data (its thread entry stays well under the frame limit). */
const MAX_PROCEDURE_STEPS = 200;

export function procedureDraft(segmentation: Segmentation, facts: SessionFacts): CopilotAnswer {
  const steps = segmentation.commands.filter(
    (c) => (c.exitCode ?? 0) === 0 && !/^(clear|exit|logout|history|ls|pwd)$/.test(c.command),
  );
  const parameters = new Map<string, string>();
  const out: string[] = [];
  out.push(`# Procedure draft — ${facts.device}`);
  out.push('');
  const body: string[] = [];
  const data: CopilotProcedure['steps'] = [];
  steps.forEach((c, i) => {
    const command = parameterize(c.command, parameters);
    const where = c.context.mode ? ` (in ${c.context.mode} mode)` : '';
    body.push(`${i + 1}. Run${where}:`);
    body.push('   ```');
    body.push(`   ${command}`);
    body.push('   ```');
    const expected = c.output.filter((l) => l.trim() !== '').slice(0, 3);
    if (expected.length > 0) {
      body.push('   Expected output (start):');
      for (const line of expected) body.push(`   > ${clip(line, 160)}`);
    }
    const verdict = classify(c.command, c.context);
    data.push({
      command,
      expected: expected.map((line) => clip(line, 160)),
      changesState: verdict.changesState,
    });
    if (verdict.changesState !== false)
      body.push(
        `   ⚠ ${verdict.changesState === true ? 'Changes state' : 'May change state'}: ${verdict.reason}`,
      );
  });
  if (parameters.size > 0) {
    out.push('## Parameters');
    for (const [value, name] of parameters)
      out.push(`- \`${name}\` — in this session: \`${value}\``);
    out.push('');
  }
  out.push('## Steps');
  if (steps.length === 0) out.push('No successful commands to turn into steps yet.');
  out.push(...body);
  return {
    action: 'procedure',
    title: 'Procedure draft',
    markdown: out.join('\n'),
    procedure: {
      parameters: [...parameters].map(([example, name]) => ({ name, example })),
      steps: data.slice(-MAX_PROCEDURE_STEPS),
    },
  };
}

const PARAMETERS: [RegExp, string][] = [
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?\b/g, 'IP_ADDRESS'],
  [
    /\b(?:Gi|Te|Fa|Eth|GigabitEthernet|TenGigabitEthernet|FastEthernet|Ethernet)\d+(?:\/\d+)+\b/g,
    'INTERFACE',
  ],
  [/\b(?:ge|xe|et)-\d+\/\d+\/\d+\b/g, 'INTERFACE'],
  [/\/dev\/tty[A-Za-z]+\d+/g, 'SERIAL_PORT'],
];

function parameterize(command: string, parameters: Map<string, string>): string {
  let result = command;
  for (const [pattern, base] of PARAMETERS) {
    result = result.replace(pattern, (value) => {
      const known = parameters.get(value);
      if (known) return `<${known}>`;
      const count = [...parameters.values()].filter((n) => n.startsWith(base)).length;
      const name = count === 0 ? base : `${base}_${count + 1}`;
      parameters.set(value, name);
      return `<${name}>`;
    });
  }
  return result;
}

// ── Shared ──────────────────────────────────────────────────────────────────────────────

function who(facts: SessionFacts, c: SegmentedCommand): string {
  const names = c.typedBy.map((id) => facts.names.get(id) ?? id);
  return names.length === 0 ? 'someone' : names.join(', ');
}

function time(facts: SessionFacts, t: number): string {
  return new Date(facts.startedAt.getTime() + t).toISOString().slice(11, 19);
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
