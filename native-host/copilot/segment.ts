/**
 * Splits a recorded session into the commands people ran and what each printed, with when
 * and by whom. OSC 133 marks decide when the shell prints them (from the first B mark on);
 * otherwise prompt heuristics (prompts.ts) do. In a recording with input, a prompt line
 * counts as a command only when someone pressed Enter since the last one, so a log that
 * merely contains prompts (`cat session.log`) is not taken for commands.
 */
import { LineReader, type TextLine } from './lines.js';
import { junosEditLevel, matchPrompt, type PromptContext } from './prompts.js';

/** The slice of a recording the segmenter reads (the agent's native events). */
export type SessionEvent =
  | [t: number, code: 'o', data: string]
  | [t: number, code: 'i', participantId: string, data: string]
  | [t: number, code: 's', participantId: string]
  | [t: number, code: string, ...rest: unknown[]];

export interface SegmentedCommand {
  /** 0-based position in the session. */
  index: number;
  prompt: string;
  command: string;
  context: PromptContext;
  /** When Enter was pressed (ms since the recording started). */
  t: number;
  /** When the next prompt appeared (or the last output). */
  endT: number;
  /** Participant ids whose keys made this command line, first typist first. */
  typedBy: string[];
  /** Output lines, cleaned (no colour codes, no pager prompts). */
  output: string[];
  /** From an OSC 133 D mark, when the shell reports it. */
  exitCode?: number;
  /** `osc133` when the shell marked the command, `prompt` when a heuristic found it. */
  source: 'osc133' | 'prompt';
}

export interface Segmentation {
  commands: SegmentedCommand[];
  /** Every output line, in order (for catch-up of the last N lines). */
  lines: TextLine[];
  /** The prompt the session is sitting at now, if the last line is one. */
  currentPrompt?: { prompt: string; context: PromptContext };
  /** Whether OSC 133 shell integration marks were seen. */
  shellIntegration: boolean;
}

const ENTER = /[\r\n]/;

/** `cols`: the terminal width the recording started with (its header says). */
export function segment(events: Iterable<SessionEvent>, cols = 80): Segmentation {
  const reader = new LineReader(cols);
  const lines: TextLine[] = [];
  const commands: SegmentedCommand[] = [];
  let hasInput = false;
  let enterPending = false;
  let typists: string[] = [];
  let osc = false;
  let editLevel: string | undefined;
  let open: SegmentedCommand | undefined;
  let lastT = 0;

  const close = (t: number): void => {
    if (open) open.endT = Math.max(open.t, t);
    open = undefined;
  };

  const onLine = (line: TextLine): void => {
    lines.push(line);
    const b = line.marks.find((m) => m.kind === 'B');
    const d = line.marks.find((m) => m.kind === 'D');
    if (d && open) {
      if (d.exitCode !== undefined) open.exitCode = d.exitCode;
      close(line.startT);
    }
    if (b) osc = true;
    if (osc) {
      if (!b) {
        if (open && !line.marks.some((m) => m.kind === 'A')) open.output.push(line.text);
        return;
      }
      const a = line.marks.find((m) => m.kind === 'A');
      const prompt = line.text.slice(a?.column ?? 0, b.column).trim();
      const command = line.text.slice(b.column).trim();
      close(line.startT);
      if (command === '') return;
      const context = matchPrompt(prompt)?.context ?? { family: 'posix' as const };
      start(prompt, command, context, line.t, 'osc133');
      return;
    }
    const level = junosEditLevel(line.text);
    if (level !== undefined) {
      editLevel = level;
      return;
    }
    const match = matchPrompt(line.text);
    if (match && (!hasInput || enterPending || match.command === '')) {
      close(line.startT);
      const context = { ...match.context };
      if (context.family === 'junos') {
        if (context.mode === 'edit' && editLevel) context.mode = editLevel;
        if (context.mode === undefined) editLevel = undefined;
      }
      if (match.command !== '') start(match.prompt, match.command, context, line.t, 'prompt');
      return;
    }
    if (open) open.output.push(line.text);
  };

  const start = (
    prompt: string,
    command: string,
    context: PromptContext,
    t: number,
    source: SegmentedCommand['source'],
  ): void => {
    open = {
      index: commands.length,
      prompt,
      command,
      context,
      t,
      endT: t,
      typedBy: typists,
      output: [],
      source,
    };
    commands.push(open);
    typists = [];
    enterPending = false;
  };

  for (const event of events) {
    const t = event[0];
    lastT = Math.max(lastT, t);
    if (event[1] === 'o' && typeof event[2] === 'string') {
      reader.write(t, event[2]);
      for (const line of reader.take()) onLine(line);
      if (open) open.endT = t;
      if (reader.atMarkedPrompt() || (!osc && matchPrompt(reader.current())?.command === '')) {
        // A fresh prompt: keys typed from here on make the next command.
        typists = [];
        enterPending = false;
      }
    } else if (event[1] === 'r' && typeof event[2] === 'number') {
      reader.resize(event[2]);
    } else if ((event[1] === 'i' || event[1] === 's') && typeof event[2] === 'string') {
      hasInput = true;
      const who = event[2];
      if (!typists.includes(who)) typists.push(who);
      if (event[1] === 's' || (typeof event[3] === 'string' && ENTER.test(event[3]))) {
        enterPending = true;
      }
    }
  }
  const waiting = reader.current();
  for (const line of reader.flush(lastT)) {
    // The unfinished last line is the prompt the session sits at, not output.
    if (!matchPrompt(line.text) && !line.marks.some((m) => m.kind === 'B')) onLine(line);
  }
  if (open) open.endT = lastT;
  for (const command of commands) command.output = trimBlank(command.output);
  const result: Segmentation = { commands, lines, shellIntegration: osc };
  const prompt = matchPrompt(waiting);
  if (prompt && prompt.command === '') {
    const context = { ...prompt.context };
    if (context.family === 'junos' && context.mode === 'edit' && editLevel)
      context.mode = editLevel;
    result.currentPrompt = { prompt: prompt.prompt, context };
  }
  return result;
}

function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && (lines[start] ?? '').trim() === '') start += 1;
  while (end > start && (lines[end - 1] ?? '').trim() === '') end -= 1;
  return lines.slice(start, end);
}
