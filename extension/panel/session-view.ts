import type { AgentEvent, Role, SessionInfo, SessionState } from '../../protocol/index.js';
import { OutputSequencer, type Step } from '../lib/output-sequencer.js';
import type { ViewClient } from '../lib/view-client.js';
import { LinkError } from '../lib/view-protocol.js';
import { TerminalController } from './terminal.js';

/** How much output may wait in xterm's parse queue before acks wait for parsing. */
const PARSE_QUEUE_CHARS = 512 * 1024;

export type TabState = SessionState | 'ended';

/** One session shown in the panel: its terminal, its place in the output, its status. */
export class SessionView {
  readonly terminal: TerminalController;
  readonly sequencer = new OutputSequencer();
  info: SessionInfo;
  state: TabState;
  role: Role = 'owner';
  message: string | undefined;
  /** Characters written into the terminal (parsed), for tests and the bench. */
  writtenChars = 0;
  private attaching = false;
  /** Characters handed to xterm and not yet parsed. */
  private parseQueue = 0;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly writeListeners = new Set<() => void>();

  constructor(
    private readonly client: ViewClient,
    info: SessionInfo,
    fontSize: number,
    private readonly changed: () => void,
  ) {
    this.info = info;
    this.state = info.state;
    this.terminal = new TerminalController(fontSize);
    this.terminal.term.onData((data) => {
      if (this.state === 'running' || this.state === 'connecting') {
        this.client.notify('session.input', { sessionId: this.id, data });
      }
    });
    this.terminal.term.onResize(({ cols, rows }) => this.scheduleResize(cols, rows));
  }

  get id(): string {
    return this.info.sessionId;
  }

  /** Attaches (or re-attaches after a drop) from the first output this view has not shown. */
  async attach(): Promise<void> {
    if (this.attaching) return;
    this.attaching = true;
    try {
      const fresh = this.sequencer.lastSeq === 0;
      const reply = await this.client.request('session.attach', {
        sessionId: this.id,
        fromSeq: this.sequencer.resumeFrom,
      });
      this.info = reply.session;
      this.role = reply.role;
      this.state = reply.session.state;
      this.message = undefined;
      if (fresh && this.info.device.kind !== 'serial') {
        // Replay and snapshots are laid out for the device's size; fit once they are in.
        this.terminal.term.resize(this.info.cols, this.info.rows);
      }
      setTimeout(() => this.terminal.term.write('', () => this.fit()), 150);
    } catch (error) {
      if (error instanceof LinkError && error.code === 'not_found') {
        this.state = 'ended';
        this.message = 'This session ended while the agent was away — open a new terminal.';
      } else {
        this.message = error instanceof Error ? error.message : String(error);
      }
    } finally {
      this.attaching = false;
      this.changed();
    }
  }

  fit(): void {
    this.terminal.fitToHost();
  }

  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'session.output':
        this.apply(this.sequencer.output(event));
        return;
      case 'session.snapshot': {
        const step = this.sequencer.snapshotChunk(event);
        if (step.reset) {
          this.terminal.term.reset();
          if (this.info.device.kind !== 'serial') this.terminal.term.resize(event.cols, event.rows);
        }
        this.apply(step);
        return;
      }
      case 'session.state':
        this.state = event.state;
        this.message = event.message;
        this.changed();
        return;
      case 'session.exit':
        this.state = 'exited';
        this.message = event.reason;
        this.changed();
        return;
    }
  }

  /** Resolves after the next write into the terminal has been parsed (bench and tests). */
  nextWrite(): Promise<void> {
    return new Promise((resolve) => {
      const listener = (): void => {
        this.writeListeners.delete(listener);
        resolve();
      };
      this.writeListeners.add(listener);
    });
  }

  markAgentGone(): void {
    if (this.state === 'exited' || this.state === 'ended') return;
    this.state = 'disconnected';
    this.message = 'The Tandem agent is unreachable — reconnecting…';
  }

  dispose(): void {
    clearTimeout(this.resizeTimer);
    this.terminal.dispose();
  }

  private apply(step: Step): void {
    if (step.write === '') {
      if (step.ack > 0) this.ack(step.ack);
      return;
    }
    const { write, ack } = step;
    // Ack at once while xterm's parse queue is short, so the agent keeps the pipe full; past
    // PARSE_QUEUE_CHARS, ack only once parsed, so a slow terminal still slows the device.
    const early = this.parseQueue < PARSE_QUEUE_CHARS;
    this.parseQueue += write.length;
    if (early) this.ack(ack);
    this.terminal.term.write(write, () => {
      this.parseQueue -= write.length;
      this.writtenChars += write.length;
      if (!early) this.ack(ack);
      for (const listener of [...this.writeListeners]) listener();
    });
  }

  private ack(chars: number): void {
    this.client.notify('session.ack', { sessionId: this.id, chars });
  }

  private scheduleResize(cols: number, rows: number): void {
    this.changed();
    if (this.info.device.kind === 'serial' || this.role === 'viewer') return;
    if (cols === this.info.cols && rows === this.info.rows) return;
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      if (this.state !== 'running') return;
      this.info = { ...this.info, cols, rows };
      this.changed();
      this.client
        .request('session.resize', { sessionId: this.id, cols, rows })
        .catch(() => undefined);
    }, 80);
  }
}
