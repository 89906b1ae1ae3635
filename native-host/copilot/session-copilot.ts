/**
 * A session's Copilot: what the session printed and who typed what (secret lines withheld,
 * as the recording gets them), and the thread of answers every participant sees. Events
 * are queued as they happen (no parsing on the output path, which a flood must not slow)
 * and read when someone asks.
 */
import { TandemError, type CopilotAction, type CopilotEntry } from '../../protocol/index.js';
import { DEFAULT_DISPLAY_NAME } from '../agent/remote-view.js';
import { DEFAULT_CATCHUP_LINES, runAction, type SessionFacts } from './actions.js';
import type { ChatMessage } from './model.js';
import { redact } from './redact.js';
import { Segmenter, type Segmentation, type SessionEvent } from './segment.js';

/**
 * Output queued between asks beyond this is dropped, oldest first: the agent holds the queue
 * for as long as nobody asks (docs/copilot.md; at 8 MiB the agent stayed ~30 MB higher after
 * a flood).
 */
const MAX_QUEUED_CHARS = 256 * 1024;
/** Off, at most this much of the cursor's line is kept. */
const OFF_LINE_CHARS = 1000;
/** Answers kept per session; late joiners get these. */
export const MAX_THREAD_ENTRIES = 50;
/** An answer's Markdown is cut here, far below the frame limit. */
const MAX_MARKDOWN_CHARS = 64 * 1024;

export interface PreparedQuestion {
  messages: ChatMessage[];
  /** Secrets replaced, by kind. */
  redacted: Record<string, number>;
}

const QUESTION_SYSTEM_PROMPT = [
  'You help people who share a live terminal (a shell, an SSH host or a serial console).',
  'Answer the question from the digest and the output lines you are given, briefly, in Markdown.',
  'Say so when they do not tell. Never invent output. Values shown as [redacted …] were hidden on purpose.',
].join(' ');

export interface AskContext {
  askedBy: { id: string; name: string };
  device: string;
  recordingId?: string;
  lines?: number;
}

export class SessionCopilot {
  private readonly startedAt = Date.now();
  private readonly segmenter: Segmenter;
  private queue: SessionEvent[] = [];
  private queuedChars = 0;
  private readonly names = new Map<string, string>();
  private readonly entries: CopilotEntry[] = [];
  private nextId = 1;
  private on = true;
  /** What the owner remembers about the device (their panel's memories, not dismissed). */
  memories: string[] = [];
  /** Off: the cursor's line of output, unread. */
  private offLine = '';

  /**
   * `ownerName`: how answers name the owner's own views (`local:<os user>`): the display name
   * remote participants know them by, never the Unix account (answers go to everyone).
   */
  constructor(
    cols: number,
    private readonly ownerName = DEFAULT_DISPLAY_NAME,
  ) {
    this.segmenter = new Segmenter(cols);
  }

  private name(participant: { id: string; name: string }): void {
    this.names.set(
      participant.id,
      participant.id.startsWith('local:') ? this.ownerName : participant.name,
    );
  }

  private now(): number {
    return Date.now() - this.startedAt;
  }

  /** Off (the owner's choice), nothing of the session is read and nothing is answered. */
  get enabled(): boolean {
    return this.on;
  }

  setEnabled(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    if (!on) {
      // What came before is read; nothing after.
      this.drain();
      this.offLine = '';
      return;
    }
    // What happened while off is a gap: the line cut there ends, and reading starts again on
    // the line the cursor is on (usually the prompt the next command is typed at).
    this.queue.push([this.now(), 'o', `\r\n${this.offLine}`]);
    this.queuedChars += this.offLine.length;
    this.offLine = '';
  }

  output(data: string): void {
    if (!this.on) {
      // Only the cursor's line is kept, unread, to start from when turned back on.
      const newline = data.lastIndexOf('\n');
      this.offLine = (newline >= 0 ? data.slice(newline + 1) : this.offLine + data).slice(
        -OFF_LINE_CHARS,
      );
      return;
    }
    this.queue.push([this.now(), 'o', data]);
    this.queuedChars += data.length;
    while (this.queuedChars > MAX_QUEUED_CHARS && this.queue.length > 1) {
      const dropped = this.queue.shift();
      if (dropped?.[1] === 'o' && typeof dropped[2] === 'string') {
        this.queuedChars -= dropped[2].length;
      }
    }
  }

  /** Input the InputGuard judged ordinary. */
  input(participant: { id: string; name: string }, data: string): void {
    if (!this.on) return;
    this.name(participant);
    this.queue.push([this.now(), 'i', participant.id, data]);
  }

  /** A line withheld as secret: only that it was typed, and by whom. */
  withheld(participant: { id: string; name: string }): void {
    if (!this.on) return;
    this.name(participant);
    this.queue.push([this.now(), 's', participant.id]);
  }

  resize(cols: number): void {
    this.queue.push([this.now(), 'r', cols]);
  }

  private drain(): void {
    for (const event of this.queue) this.segmenter.feed(event);
    this.queue = [];
    this.queuedChars = 0;
  }

  thread(): CopilotEntry[] {
    return [...this.entries];
  }

  ask(action: CopilotAction, context: AskContext): CopilotEntry {
    const answer = runAction(
      action,
      this.read(context),
      this.facts(context),
      context.lines ?? DEFAULT_CATCHUP_LINES,
    );
    return this.add({
      action,
      askedBy: context.askedBy,
      title: answer.title,
      markdown: answer.markdown,
      ...(answer.changes === undefined ? {} : { changes: answer.changes.slice(-500) }),
      ...(answer.hypothesis === undefined ? {} : { hypothesis: answer.hypothesis }),
      ...(answer.procedure === undefined ? {} : { procedure: answer.procedure }),
      ...(context.recordingId === undefined ? {} : { recordingId: context.recordingId }),
    });
  }

  /**
   * Exactly what a question would send to a language model now: the deterministic catch-up as
   * a digest, the last lines of output, and the question, all redacted (redact.ts).
   */
  prepareQuestion(question: string, context: AskContext): PreparedQuestion {
    const segmentation = this.read(context);
    const lines = context.lines ?? DEFAULT_CATCHUP_LINES;
    const digest = runAction('catchup', segmentation, this.facts(context), lines).markdown;
    const recent = segmentation.lines.slice(-lines).map((line) => line.text);
    const { text, counts } = redact(
      [
        `Session on ${context.device}.`,
        '',
        ...(this.memories.length === 0
          ? []
          : [
              'What the owner remembers about this device:',
              ...this.memories.map((m) => `- ${m}`),
              '',
            ]),
        'Digest (from rules, exact):',
        digest,
        '',
        `Last ${recent.length} lines of output:`,
        '```',
        ...recent,
        '```',
        '',
        `Question: ${question}`,
      ].join('\n'),
    );
    return {
      messages: [
        { role: 'system', content: QUESTION_SYSTEM_PROMPT },
        { role: 'user', content: text },
      ],
      redacted: counts,
    };
  }

  /** A model's answer joins the thread, labelled as a draft by that model. */
  addAnswer(question: string, markdown: string, model: string, context: AskContext): CopilotEntry {
    return this.add({
      action: 'question',
      askedBy: context.askedBy,
      title: `Question: ${question.length > 80 ? `${question.slice(0, 79)}…` : question}`,
      markdown,
      question,
      draftBy: model,
      ...(context.recordingId === undefined ? {} : { recordingId: context.recordingId }),
    });
  }

  /** Reads everything queued; refused while the owner has the Copilot off. */
  private read(context: AskContext): Segmentation {
    if (!this.on) {
      throw new TandemError('forbidden', 'The owner has turned the Copilot off for this session');
    }
    this.drain();
    this.name(context.askedBy);
    return this.segmenter.snapshot();
  }

  private facts(context: AskContext): SessionFacts {
    return {
      device: context.device,
      startedAt: new Date(this.startedAt),
      names: this.names,
      memories: this.memories,
      ...(context.recordingId === undefined ? {} : { recordingId: context.recordingId }),
    };
  }

  private add(fields: Omit<CopilotEntry, 'id' | 'at'>): CopilotEntry {
    const entry: CopilotEntry = {
      ...fields,
      id: this.nextId++,
      at: new Date().toISOString(),
      markdown: fields.markdown.slice(0, MAX_MARKDOWN_CHARS),
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_THREAD_ENTRIES) this.entries.shift();
    return entry;
  }
}
