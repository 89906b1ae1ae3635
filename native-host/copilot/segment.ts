/**
 * Splits a recorded session into the commands people ran and what each printed, with when
 * and by whom. OSC 133 marks decide when the shell prints them (from the first B mark on);
 * otherwise prompt heuristics (prompts.ts) do. In a recording with input, a prompt line
 * counts as a command only when someone pressed Enter since the last one, so a log that
 * merely contains prompts (`cat session.log`) is not taken for commands.
 */
import { LineReader, type TextLine } from './lines.js';
import { looksLikeSecretPrompt } from '../recording/secret-prompt.js';
import { junosEditLevel, matchPrompt, type PromptContext, type PromptMatch } from './prompts.js';

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

/** Most lines and commands a live Segmenter keeps (the oldest go first). */
export const MAX_LINES = 20_000;
export const MAX_COMMANDS = 5_000;

/**
 * Reads a session's events as they happen, so asking the Copilot costs only the answer.
 * `cols`: the terminal width the session started with.
 */
export class Segmenter {
  private readonly reader: LineReader;
  private readonly lines: TextLine[] = [];
  private readonly commands: SegmentedCommand[] = [];
  private count = 0;
  private hasInput = false;
  private enterPending = false;
  private typists: string[] = [];
  private osc = false;
  private editLevel: string | undefined;
  private open: SegmentedCommand | undefined;
  private lastT = 0;
  /** A line was withheld as secret and no line has ended since. */
  private secretAnswered = false;
  /** The terminal was resized since the last line ended (readline may have redrawn this one). */
  private resized = false;

  constructor(cols = 80) {
    this.reader = new LineReader(cols);
  }

  feed(event: SessionEvent): void {
    const t = event[0];
    this.lastT = Math.max(this.lastT, t);
    if (event[1] === 'o' && typeof event[2] === 'string') {
      this.reader.write(t, event[2]);
      for (const line of this.reader.take()) this.onLine(line);
      if (this.open) this.open.endT = t;
      if (
        this.reader.atMarkedPrompt() ||
        (!this.osc && this.promptIn(this.reader.current())?.match.command === '')
      ) {
        // A fresh prompt: keys typed from here on make the next command.
        this.typists = [];
        this.enterPending = false;
      }
    } else if (event[1] === 'r' && typeof event[2] === 'number') {
      this.reader.resize(event[2]);
      this.resized = true;
    } else if ((event[1] === 'i' || event[1] === 's') && typeof event[2] === 'string') {
      this.hasInput = true;
      if (event[1] === 's') this.secretAnswered = true;
      const who = event[2];
      if (!this.typists.includes(who)) this.typists.push(who);
      if (event[1] === 's' || (typeof event[3] === 'string' && ENTER.test(event[3]))) {
        this.enterPending = true;
      }
    }
  }

  /** What has been read so far; the unfinished last line counts as output unless a prompt. */
  snapshot(): Segmentation {
    const lines = [...this.lines];
    const commands = this.commands.map((c) => ({ ...c, output: [...c.output] }));
    const waiting = this.reader.current();
    const prompt = this.promptIn(waiting)?.match;
    const last = commands.at(-1);
    if (waiting !== '' && !(prompt && prompt.command === '') && !this.reader.atMarkedPrompt()) {
      const line = { text: waiting, t: this.lastT, startT: this.lastT, marks: [] };
      lines.push(line);
      if (this.open && last) last.output.push(waiting);
    }
    if (this.open && last) last.endT = this.lastT;
    for (const command of commands) command.output = trimBlank(command.output);
    const result: Segmentation = { commands, lines, shellIntegration: this.osc };
    if (prompt && prompt.command === '') {
      const context = { ...prompt.context };
      if (context.family === 'junos' && context.mode === 'edit' && this.editLevel) {
        context.mode = this.editLevel;
      }
      result.currentPrompt = { prompt: prompt.prompt, context };
    }
    return result;
  }

  /**
   * The prompt in a line; after a withheld (no-echo) answer also one that follows the secret
   * question on the same line. Only then: looking behind every colon of every line cost the
   * segmenter four times its speed.
   */
  private promptIn(text: string): { match: PromptMatch; before: string } | undefined {
    if (this.secretAnswered) return promptIn(text);
    const match = matchPrompt(text);
    return match ? { match, before: '' } : undefined;
  }

  private close(t: number): void {
    if (this.open) this.open.endT = Math.max(this.open.t, t);
    this.open = undefined;
  }

  private onLine(line: TextLine): void {
    const resized = this.resized;
    this.resized = false;
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    const open = this.open;
    const b = line.marks.find((m) => m.kind === 'B');
    const d = line.marks.find((m) => m.kind === 'D');
    if (d && open) {
      if (d.exitCode !== undefined) open.exitCode = d.exitCode;
      this.close(line.startT);
    }
    if (b) this.osc = true;
    if (this.osc) {
      if (!b) {
        if (this.open && !line.marks.some((m) => m.kind === 'A')) this.addOutput(line.text);
        return;
      }
      // The last prompt of the line: readline may have drawn it again below a stale copy.
      const marks = [...line.marks].reverse();
      const last = marks.find((m) => m.kind === 'B') ?? b;
      const a = marks.find((m) => m.kind === 'A' && m.column <= last.column);
      const prompt = line.text.slice(a?.column ?? 0, last.column).trim();
      const command = line.text.slice(last.column).trim();
      this.close(line.startT);
      if (command === '') return;
      const context = matchPrompt(prompt)?.context ?? { family: 'posix' as const };
      this.start(prompt, command, context, line.t, 'osc133');
      return;
    }
    const level = junosEditLevel(line.text);
    if (level !== undefined) {
      this.editLevel = level;
      return;
    }
    const found = this.promptIn(line.text);
    this.secretAnswered = false;
    const match = found?.match;
    if (match && (!this.hasInput || this.enterPending || match.command === '')) {
      if (found.before !== '' && this.open) this.addOutput(found.before);
      this.close(line.startT);
      const context = { ...match.context };
      if (context.family === 'junos') {
        if (context.mode === 'edit' && this.editLevel) context.mode = this.editLevel;
        if (context.mode === undefined) this.editLevel = undefined;
      }
      const command = resized ? redrawn(match.prompt, match.command) : match.command;
      if (command !== '') this.start(match.prompt, command, context, line.t, 'prompt');
      return;
    }
    if (this.open) this.addOutput(line.text);
  }

  private addOutput(text: string): void {
    // A command that floods keeps its first and most recent lines, bounded.
    const output = this.open?.output;
    if (!output) return;
    output.push(text);
    if (output.length > MAX_LINES) output.splice(100, output.length - MAX_LINES);
  }

  private start(
    prompt: string,
    command: string,
    context: PromptContext,
    t: number,
    source: SegmentedCommand['source'],
  ): void {
    this.open = {
      index: this.count,
      prompt,
      command,
      context,
      t,
      endT: t,
      typedBy: this.typists,
      output: [],
      source,
    };
    this.count += 1;
    this.commands.push(this.open);
    if (this.commands.length > MAX_COMMANDS) this.commands.shift();
    this.typists = [];
    this.enterPending = false;
  }
}

/**
 * The command of a prompt line that readline drew twice. A resize that reflows a wrapped line
 * moves the cursor down a row behind readline's back, so its redraw lands after the stale copy
 * (`$ mkdir -p /tmp/a && echo own$ mkdir -p /tmp/a && echo owner-made`), on screen as in the
 * recording. The stale copy is a prefix of what was typed by the end; the last copy is what ran.
 * Only read so after a resize: `echo $ echo done` at a `$` prompt is what it says.
 */
export function redrawn(prompt: string, command: string): string {
  const marker = prompt.endsWith(' ') ? prompt : `${prompt} `;
  const [first = '', ...copies] = command.split(marker);
  let text = first;
  for (const copy of copies) {
    const stale = text.trim();
    text = stale !== '' && copy.trimStart().startsWith(stale) ? copy : `${text}${marker}${copy}`;
  }
  return text.trim();
}

/**
 * The prompt a line holds: at its start, or right after a no-echo prompt's question. The
 * answer to `Password: ` prints no line break, so the next prompt lands on the same line
 * (`Password: user@host:~$ ls`); `before` is what came ahead of the prompt.
 */
export function promptIn(text: string): { match: PromptMatch; before: string } | undefined {
  const match = matchPrompt(text);
  if (match) return { match, before: '' };
  for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', colon + 1)) {
    const before = text.slice(0, colon + 1);
    if (!looksLikeSecretPrompt(before)) continue;
    const rest = matchPrompt(text.slice(colon + 1).trimStart());
    if (rest) return { match: rest, before };
  }
  return undefined;
}

/** One-shot segmentation of a whole recording. */
export function segment(events: Iterable<SessionEvent>, cols = 80): Segmentation {
  const segmenter = new Segmenter(cols);
  for (const event of events) segmenter.feed(event);
  return segmenter.snapshot();
}

function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && (lines[start] ?? '').trim() === '') start += 1;
  while (end > start && (lines[end - 1] ?? '').trim() === '') end -= 1;
  return lines.slice(start, end);
}
