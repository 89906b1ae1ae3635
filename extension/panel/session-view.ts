import type { SessionMemories } from '../memories/session-memories.js';
import type {
  AgentEvent,
  CallerInfo,
  DeviceSpec,
  Role,
  SessionInfo,
  SessionState,
} from '../../protocol/index.js';
import { CopilotThread } from '../copilot/thread.js';
import { OutputSequencer, type Step } from '../lib/output-sequencer.js';
import { LinkError } from '../lib/view-protocol.js';
import { SessionPresence } from '../sharing/presence.js';
import type { SessionTransport } from '../sharing/transport.js';
import { SecretLine } from './secret-line.js';
import { TerminalController } from './terminal.js';
import { HOLD_CHARS, TerminalFeed } from './terminal-feed.js';

/**
 * Acks go out per this many parsed characters, or when xterm has parsed everything it was
 * given: a flood costs one ack per 16 K, not one per message, and the agent's window (256 K)
 * never waits long on an ack held back.
 */
const ACK_EVERY_CHARS = 16 * 1024;
/**
 * How much may wait in a hidden page, acknowledged before it is parsed: twice what the feed
 * holds back there (HOLD_CHARS), so the agent keeps sending while a held run is skipped through.
 */
const HIDDEN_QUEUE_CHARS = 2 * HOLD_CHARS;

/** Where the panel keeps the size its terminals last fitted to, for the next new session. */
const FITTED_KEY = 'tandem.fittedSize';
/** This panel's last fitted size (another window's panel may be wider). */
let lastFitted: { cols: number; rows: number } | undefined;

/**
 * The size this panel's terminals last fitted to; in a panel that has fitted none yet, the size
 * any panel of this browser last fitted to.
 */
export function fittedSize(): { cols: number; rows: number } | undefined {
  if (lastFitted !== undefined) return lastFitted;
  try {
    const size: unknown = JSON.parse(localStorage.getItem(FITTED_KEY) ?? 'null');
    if (typeof size !== 'object' || size === null) return undefined;
    const { cols, rows } = size as Record<string, unknown>;
    if (!Number.isInteger(cols) || !Number.isInteger(rows)) return undefined;
    return {
      cols: Math.min(1000, Math.max(20, cols as number)),
      rows: Math.min(500, Math.max(5, rows as number)),
    };
  } catch {
    return undefined;
  }
}

function rememberFitted(size: { cols: number; rows: number }): void {
  lastFitted = size;
  try {
    localStorage.setItem(FITTED_KEY, JSON.stringify(size));
  } catch {
    // Storage full or off: this panel still remembers.
  }
}

function isHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}
/** How long a good-news status ("Serial port … reconnected") stays before it clears itself. */
export const TRANSIENT_NOTE_MS = 5000;

export type TabState = SessionState | 'ended';

/** The call window's own state, as the side panel's strip shows it. */
export interface CallWindowStatus {
  inCall: boolean;
  muted: boolean;
  camera: boolean;
  screen: boolean;
  /** The active speaker (a participant id), when someone speaks. */
  speakerId?: string;
}

/** One session shown in the panel: its terminal, its place in the output, its status. */
export class SessionView {
  readonly terminal: TerminalController;
  readonly sequencer = new OutputSequencer();
  info: SessionInfo;
  state: TabState;
  role: Role = 'owner';
  message: string | undefined;
  /** Characters written into the terminal (parsed or fast-forwarded), for tests and the bench. */
  writtenChars = 0;
  /** Who is here, chat, notices, the device size (sharing). */
  readonly presence = new SessionPresence();
  /** This view's participant id in a joined session; local views are the owner. */
  selfId: string | undefined;
  /** Shown in the watch grid: read-only and at the device's size, whatever the role. */
  watching = false;
  /** The lock: the next line typed here is a secret, whatever the agent's detection says. */
  readonly secretLine = new SecretLine(() => this.changed());
  /** The Copilot's answers in this session and the pane that shows them. */
  readonly copilot: CopilotThread;
  /** The owner's own sessions: the memories of the device (absent in joined sessions). */
  memories: SessionMemories | undefined;
  /** The procedure the end-session checklist made from this session. */
  savedProcedureId: number | undefined;
  /** Who is on the session's call (the agent's list). */
  callers: CallerInfo[] = [];
  /** What this panel's call window last said about itself (the side panel's call strip). */
  callWindow: CallWindowStatus | undefined;
  private readonly callListeners = new Set<(callers: CallerInfo[] | undefined) => void>();
  /**
   * How to open this device again after it ended (the host rebooted, sshd restarted): kept only
   * for what this panel opened and only when it holds no secret — a password is asked again.
   */
  reopen: DeviceSpec | undefined;
  private attaching = false;
  private pinned: { cols: number; rows: number } | undefined;
  /** Characters handed to the feed and not yet in the terminal (parsed or fast-forwarded). */
  private parseQueue = 0;
  /** Output on its way into the terminal, in order, fast-forwarded where it can be. */
  private readonly feed: TerminalFeed;
  /**
   * Writes that are acknowledged only once parsed (they came with HIDDEN_QUEUE_CHARS waiting):
   * while any waits, the feed holds nothing back, since the agent waits for their ack.
   */
  private ackedWhenParsed = 0;
  /** Characters done with and not yet acknowledged to the agent. */
  private unacked = 0;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private noteTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly writeListeners = new Set<() => void>();

  constructor(
    private readonly client: SessionTransport,
    info: SessionInfo,
    fontSize: number,
    private readonly changed: () => void,
    /** Joined over a share link (a PeerJS transport), not one of the agent's own sessions. */
    readonly remote = false,
  ) {
    this.info = info;
    this.state = info.state;
    this.terminal = new TerminalController(fontSize);
    this.feed = new TerminalFeed(
      this.terminal.term,
      undefined,
      () => isHidden() && this.ackedWhenParsed === 0,
    );
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this.onVisibility);
    }
    this.copilot = new CopilotThread(
      client,
      () => this.id,
      () => this.changed(),
    );
    this.terminal.term.onData((data) => {
      if (this.role === 'viewer' || this.watching) return;
      if (this.state === 'running' || this.state === 'connecting') {
        for (const part of this.secretLine.take(data)) {
          this.client.notify('session.input', {
            sessionId: this.id,
            data: part.data,
            ...(part.secret ? { secret: true } : {}),
          });
        }
      }
    });
    this.terminal.term.onResize(({ cols, rows }) => this.scheduleResize(cols, rows));
  }

  /** Output characters fast-forwarded through rather than parsed (tests and the bench). */
  get fastForwarded(): number {
    return this.feed.skipped;
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
      // A new attachment starts a new account at the agent.
      this.unacked = 0;
      const reply = await this.client.request('session.attach', {
        sessionId: this.id,
        fromSeq: this.sequencer.resumeFrom,
      });
      this.info = reply.session;
      this.setRole(reply.role);
      this.state = reply.session.state;
      this.message = undefined;
      if (fresh && this.info.device.kind !== 'serial') {
        // Replay and snapshots are laid out for the device's size; fit once they are in.
        this.terminal.term.resize(this.info.cols, this.info.rows);
      }
      setTimeout(() => this.terminal.term.write('', () => this.fit()), 150);
      // Answers given before this view attached (or while its link was down).
      void this.copilot.load();
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

  /** Viewers keep the device's size, scaled to the panel, and never send keystrokes. */
  setRole(role: Role): void {
    this.role = role;
    const readOnly = role === 'viewer' || this.watching;
    this.terminal.term.options.disableStdin = readOnly;
    const size = this.presence.deviceSize ?? { cols: this.info.cols, rows: this.info.rows };
    const keep = readOnly && this.info.device.kind !== 'serial';
    this.terminal.setFixedSize(keep ? size : this.pinned, this.watching && keep);
  }

  /** The watch grid shows a session read-only at its device size, whatever this view's role. */
  setWatching(on: boolean): void {
    this.watching = on;
    this.setRole(this.role);
  }

  /** Holds the terminal at a size (scaled to fit) instead of fitting the panel; undefined fits. */
  pin(size: { cols: number; rows: number } | undefined): void {
    this.pinned = size;
    this.setRole(this.role);
  }

  /** The transport this view talks through (share dialogs and role menus use it). */
  get transport(): SessionTransport {
    return this.client;
  }

  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'session.output':
        this.apply(this.sequencer.output(event));
        return;
      case 'session.snapshot': {
        const step = this.sequencer.snapshotChunk(event);
        if (step.reset) {
          // After what was written before it: the snapshot replaces all of that.
          this.feed.reset(() => {
            if (this.info.device.kind !== 'serial')
              this.terminal.term.resize(event.cols, event.rows);
          });
        }
        this.apply(step);
        return;
      }
      case 'session.state':
        this.state = event.state;
        this.message = event.message;
        clearTimeout(this.noteTimer);
        if (event.state === 'running') {
          // "Reconnected" is news for a moment; the gap line in the terminal keeps the record.
          const note = event.message;
          this.noteTimer = setTimeout(() => {
            if (this.message !== note) return;
            this.message = undefined;
            this.changed();
          }, TRANSIENT_NOTE_MS);
        }
        this.changed();
        return;
      case 'session.copilot':
      case 'session.copilotDraft':
      case 'session.copilotState':
        if (this.copilot.handle(event)) this.changed();
        return;
      case 'session.call':
        this.callers = event.callers;
        for (const listener of [...this.callListeners]) listener(event.callers);
        this.changed();
        return;
      case 'session.exit':
        this.state = 'exited';
        this.message = event.reason;
        // Ending the session ends its call for everyone.
        this.callers = [];
        for (const listener of [...this.callListeners]) listener(undefined);
        this.changed();
        return;
      default:
        if (!this.presence.handle(event)) return;
        this.onPresence();
        this.changed();
    }
  }

  /** Every change of who is on the call; `undefined` once the session ended. */
  onCall(listener: (callers: CallerInfo[] | undefined) => void): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  /** The call window reported (or went quiet: undefined). */
  setCallWindow(status: CallWindowStatus | undefined): void {
    this.callWindow = status;
    this.changed();
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
    this.memories?.dispose();
    clearTimeout(this.resizeTimer);
    clearTimeout(this.noteTimer);
    if (typeof document !== 'undefined') {
      document.removeEventListener('visibilitychange', this.onVisibility);
    }
    this.feed.dispose();
    this.terminal.dispose();
  }

  /** Shown again: output held while the page was hidden goes into the terminal now. */
  private readonly onVisibility = (): void => {
    if (!isHidden()) this.feed.release();
  };

  private onPresence(): void {
    const me = this.presence.participants.find((p) =>
      this.selfId === undefined ? p.local : p.id === this.selfId,
    );
    if (me !== undefined && me.role !== this.role) this.setRole(me.role);
    else if (this.role === 'viewer') this.setRole('viewer');
  }

  private apply(step: Step): void {
    if (step.write === '') {
      this.owed(step.ack);
      return;
    }
    const { write, ack } = step;
    // Acknowledged once parsed: the agent's window is then what is in flight plus what waits
    // in xterm's queue, so a slow terminal slows the device and the prompt after a Ctrl-C is
    // never more than a window behind. While the page is hidden nobody sees that prompt, and
    // the feed holds output back to skip through a flood in long runs: output is acknowledged
    // as it arrives, up to HIDDEN_QUEUE_CHARS waiting, so a flood keeps moving.
    const early = isHidden() && this.parseQueue < HIDDEN_QUEUE_CHARS;
    this.parseQueue += write.length;
    if (early) this.owed(ack);
    else this.ackedWhenParsed += 1;
    this.feed.write(write, () => {
      this.parseQueue -= write.length;
      if (!early) this.ackedWhenParsed -= 1;
      this.writtenChars += write.length;
      this.owed(early ? 0 : ack);
      for (const listener of [...this.writeListeners]) listener();
    });
  }

  /** Output received and done with: acknowledged in batches (see ACK_EVERY_CHARS). */
  private owed(chars: number): void {
    this.unacked += chars;
    if (this.unacked >= ACK_EVERY_CHARS || this.parseQueue === 0) {
      const unacked = this.unacked;
      this.unacked = 0;
      if (unacked > 0) this.client.notify('session.ack', { sessionId: this.id, chars: unacked });
    }
  }

  private scheduleResize(cols: number, rows: number): void {
    this.changed();
    // The newest size wins, also when it is the one the PTY already has: a size undone
    // within the debounce must never reach the PTY.
    clearTimeout(this.resizeTimer);
    if (this.info.device.kind === 'serial' || this.role === 'viewer' || this.watching) return;
    // Only a pane with nothing above its terminal: an ended session, or one with a message,
    // shows a note there, and a new session's pane would not.
    if (this.pinned === undefined && this.state === 'running' && this.message === undefined)
      rememberFitted({ cols, rows });
    if (cols === this.info.cols && rows === this.info.rows) return;
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
