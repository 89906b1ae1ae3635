/**
 * A session's Copilot: what the session printed and who typed what (secret lines withheld,
 * as the recording gets them), and the thread of answers every participant sees. Events
 * are queued as they happen (no parsing on the output path, which a flood must not slow)
 * and read when someone asks.
 */
import { TandemError, type CopilotAction, type CopilotEntry } from '../../protocol/index.js';
import { DEFAULT_CATCHUP_LINES, runAction } from './actions.js';
import { Segmenter, type SessionEvent } from './segment.js';

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
  /** Off: the cursor's line of output, unread. */
  private offLine = '';

  constructor(cols: number) {
    this.segmenter = new Segmenter(cols);
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
    this.names.set(participant.id, participant.name);
    this.queue.push([this.now(), 'i', participant.id, data]);
  }

  /** A line withheld as secret: only that it was typed, and by whom. */
  withheld(participant: { id: string; name: string }): void {
    if (!this.on) return;
    this.names.set(participant.id, participant.name);
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
    if (!this.on) {
      throw new TandemError('forbidden', 'The owner has turned the Copilot off for this session');
    }
    this.drain();
    this.names.set(context.askedBy.id, context.askedBy.name);
    const answer = runAction(
      action,
      this.segmenter.snapshot(),
      {
        device: context.device,
        startedAt: new Date(this.startedAt),
        names: this.names,
        ...(context.recordingId === undefined ? {} : { recordingId: context.recordingId }),
      },
      context.lines ?? DEFAULT_CATCHUP_LINES,
    );
    const entry: CopilotEntry = {
      id: this.nextId++,
      action,
      askedBy: context.askedBy,
      at: new Date().toISOString(),
      title: answer.title,
      markdown: answer.markdown.slice(0, MAX_MARKDOWN_CHARS),
      ...(answer.changes === undefined ? {} : { changes: answer.changes.slice(-500) }),
      ...(answer.hypothesis === undefined ? {} : { hypothesis: answer.hypothesis }),
      ...(context.recordingId === undefined ? {} : { recordingId: context.recordingId }),
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_THREAD_ENTRIES) this.entries.shift();
    return entry;
  }
}
