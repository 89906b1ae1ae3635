/**
 * Procedures: repeatable work as Markdown steps, each a command (with `{{parameters}}`) and the
 * output to expect. The Markdown is the procedure: it is what people edit, export and import,
 * and every save keeps the version before it. This file parses and writes that format.
 *
 *     # Reset a switch port
 *
 *     When a port is stuck in err-disabled.
 *
 *     ## Steps
 *
 *     ### 1. Shut the port
 *
 *     ```
 *     interface {{interface}}
 *     shutdown
 *     ```
 *
 *     Expected:
 *
 *     ```
 *     %LINK-5-CHANGED: Interface {{interface}}, changed state to administratively down
 *     ```
 */
import type { CopilotProcedure } from '../../protocol/index.js';
import type { Artifact } from '../artifacts/artifact.js';

export interface ProcedureStep {
  title: string;
  /** One or more lines, typed one after another; `{{name}}` marks a parameter. */
  command: string;
  /** What the output should show (may be empty). */
  expected: string;
}

export interface ParsedProcedure {
  name: string;
  description: string;
  steps: ProcedureStep[];
}

/** A saved procedure: its Markdown and which version that is. */
export interface Procedure {
  id?: number;
  name: string;
  markdown: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** An earlier version, kept when a newer one was saved. */
export interface ProcedureVersion {
  id?: number;
  procedureId: number;
  version: number;
  markdown: string;
  savedAt: string;
}

export const MAX_PROCEDURE_CHARS = 200_000;
const PARAMETER = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;
const FENCE = /^(`{3,}|~{3,})/;

/** Reads a procedure's Markdown; a clear error says what is wrong and where. */
export function parseProcedure(markdown: string): ParsedProcedure {
  if (markdown.length > MAX_PROCEDURE_CHARS)
    throw new Error(`A procedure is at most ${MAX_PROCEDURE_CHARS} characters`);
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let name = '';
  const description: string[] = [];
  const steps: ProcedureStep[] = [];
  let step: { title: string; blocks: string[]; expectNext: boolean; expected?: string } | undefined;
  let inSteps = false;
  const finish = (): void => {
    if (step === undefined) return;
    const command = step.blocks[0];
    if (command === undefined || command.trim() === '')
      throw new Error(`Step “${step.title}” has no command: put it in a \`\`\` code block`);
    steps.push({ title: step.title, command, expected: step.expected ?? '' });
    step = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = FENCE.exec(line.trim());
    if (fence?.[1] !== undefined && step !== undefined) {
      // A code block: the step's command first, then (after "Expected:") its output.
      const open = fence[1];
      const body: string[] = [];
      i += 1;
      while (i < lines.length) {
        const inner = lines[i] ?? '';
        const close = inner.trim();
        if (close.startsWith(open[0]?.repeat(open.length) ?? open) && /^(`+|~+)$/.test(close))
          break;
        body.push(inner);
        i += 1;
      }
      if (i >= lines.length) throw new Error(`Step “${step.title}”: a code block is not closed`);
      const text = body.join('\n');
      if (step.expectNext) {
        step.expected = text;
        step.expectNext = false;
      } else step.blocks.push(text);
      continue;
    }
    if (name === '' && /^# /.test(line)) {
      name = line.slice(2).trim();
    } else if (/^## /.test(line)) {
      finish();
      inSteps = /^## +steps\b/i.test(line);
    } else if (/^### /.test(line)) {
      finish();
      inSteps = true;
      step = {
        title: line.replace(/^###\s+(\d+[.)]\s*)?/, '').trim() || `Step ${steps.length + 1}`,
        blocks: [],
        expectNext: false,
      };
    } else if (step !== undefined && /^\s*expected( output)?\s*(\(.*\))?:?\s*$/i.test(line)) {
      step.expectNext = true;
    } else if (!inSteps && name !== '' && step === undefined) {
      description.push(line);
    }
  }
  finish();
  if (name === '') throw new Error('A procedure starts with its name as a “# ” heading');
  if (steps.length === 0)
    throw new Error('A procedure needs at least one step: a “### ” heading and its command');
  return { name, description: description.join('\n').trim(), steps };
}

function fenced(text: string, info = ''): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${info}`, text, fence];
}

/** Writes a procedure as Markdown; parseProcedure reads it back the same. */
export function procedureMarkdown(procedure: ParsedProcedure): string {
  const out: string[] = [`# ${procedure.name}`, ''];
  if (procedure.description !== '') out.push(procedure.description, '');
  out.push('## Steps', '');
  procedure.steps.forEach((step, i) => {
    out.push(`### ${i + 1}. ${step.title}`, '', ...fenced(step.command), '');
    if (step.expected !== '') out.push('Expected:', '', ...fenced(step.expected), '');
  });
  return out.join('\n');
}

/** The parameters the steps use, in order of first use. */
export function parametersOf(procedure: ParsedProcedure): string[] {
  const names: string[] = [];
  for (const step of procedure.steps) {
    for (const m of `${step.command}\n${step.expected}`.matchAll(PARAMETER)) {
      const name = m[1];
      if (name !== undefined && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** `text` with every `{{name}}` filled in; a parameter without a value is an error. */
export function fillParameters(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PARAMETER, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined || value === '') throw new Error(`Fill in “${name}” first`);
    return value;
  });
}

/** A title for a step made from its command: its first line, shortened. */
function titleOf(command: string): string {
  const first = command.split('\n')[0]?.trim() ?? '';
  return first.length > 60 ? `${first.slice(0, 59)}…` : first;
}

/** The Copilot's draft as a procedure: its `<NAME>` placeholders become `{{name}}`. */
export function procedureFromCopilot(draft: CopilotProcedure, device: string): ParsedProcedure {
  const placeholder = (text: string): string =>
    text.replace(/<([A-Z][A-Z0-9_]*)>/g, (_w, name: string) => `{{${name.toLowerCase()}}}`);
  const examples = draft.parameters.map(
    (p) => `\`{{${p.name.toLowerCase()}}}\` (here: ${p.example})`,
  );
  return {
    name: `Procedure from ${device}`,
    description: [
      `Drafted by the Copilot from a session on ${device}. Check every step before running it.`,
      ...(examples.length > 0 ? ['', `Parameters: ${examples.join(', ')}.`] : []),
    ].join('\n'),
    steps: draft.steps.map((s) => {
      const command = placeholder(s.command);
      return { title: titleOf(command), command, expected: placeholder(s.expected.join('\n')) };
    }),
  };
}

const TRIVIAL = /^(clear|exit|logout|history|ls|pwd)$/;

/** An artifact's commands as a procedure's steps (the ones that did not fail). */
export function procedureFromArtifact(artifact: Artifact): ParsedProcedure {
  const steps = artifact.commands
    .filter((c) => (c.exitCode ?? 0) === 0 && !TRIVIAL.test(c.command.trim()))
    .map((c) => ({ title: titleOf(c.command), command: c.command, expected: '' }));
  if (steps.length === 0) throw new Error('This artifact lists no command to make a step of');
  return {
    name: artifact.title,
    description: `From the artifact “${artifact.title}” (${artifact.device.label}).`,
    steps,
  };
}
