import type { Terminal } from '@xterm/xterm';
import type { RecordingIndex } from '../../protocol/index.js';
import { parseEventLine, type ReplayEvent } from './events.js';
import { LineCursor, type RecordingApi } from './source.js';
import { advanceClock, clampTime, keyframeBefore } from './timeline.js';

/** Output gathered before one `term.write` while seeking. */
const WRITE_BATCH = 256 * 1024;
const TICK_MS = 16;

export interface PlayerState {
  time: number;
  playing: boolean;
  speed: number;
  /** A seek is reading the file (the page shows progress once it takes a while). */
  loading: boolean;
  loadedBytes: number;
}

/**
 * Plays a recording into an xterm.js terminal. Seeking to T resets the terminal to the last
 * keyframe at or before T and applies the events after it up to T, read through the agent in
 * chunks; playing continues from there. Seeks run one at a time, the newest request wins.
 */
export class Player {
  state: PlayerState = { time: 0, playing: false, speed: 1, loading: false, loadedBytes: 0 };
  private cursor: LineCursor | undefined;
  /** The first event after `state.time`, read but not yet applied. */
  private pending: ReplayEvent | undefined;
  private target: number | undefined;
  private seeking: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastTick = 0;
  private ticking = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: RecordingApi,
    private readonly index: RecordingIndex,
    readonly term: Terminal,
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Shows the screen at `t`; resolves once it is on screen (or a newer seek took over). */
  seek(t: number): Promise<void> {
    this.target = clampTime(t, this.index.durationMs);
    this.seeking ??= this.runSeeks().finally(() => {
      this.seeking = undefined;
    });
    return this.seeking;
  }

  /**
   * When the recording first shows something (its first output with a visible character, not
   * only a line feed or escape codes, which a device's first chunk may be): the screen to show
   * before Play, rather than the empty one at 0.
   */
  async firstFrameTime(): Promise<number> {
    const cursor = new LineCursor(this.api, this.index.recordingId, this.index.eventsOffset);
    for (
      let event = await nextEvent(cursor);
      event !== undefined;
      event = await nextEvent(cursor)
    ) {
      if (event.code === 'o' && visible(event.data)) return event.t;
    }
    return 0;
  }

  play(): void {
    if (this.state.playing) return;
    if (this.state.time >= this.index.durationMs) void this.seek(0);
    this.set({ playing: true });
    this.lastTick = performance.now();
    this.schedule();
  }

  pause(): void {
    clearTimeout(this.timer);
    this.set({ playing: false });
  }

  setSpeed(speed: number): void {
    this.set({ speed });
  }

  dispose(): void {
    this.pause();
    this.listeners.clear();
  }

  private async runSeeks(): Promise<void> {
    while (this.target !== undefined) {
      const t = this.target;
      this.target = undefined;
      await this.seekOnce(t);
    }
  }

  private async seekOnce(t: number): Promise<void> {
    await this.flush();
    this.set({ loading: true, loadedBytes: 0 });
    const keyframe = keyframeBefore(this.index.keyframes, t);
    let cols = this.index.cols;
    let rows = this.index.rows;
    let screen = '';
    let from = this.index.eventsOffset;
    if (keyframe !== undefined) {
      const line = await new LineCursor(this.api, this.index.recordingId, keyframe.offset).next();
      const event = line === undefined ? undefined : parseEventLine(line);
      if (event?.code === 'k') {
        cols = event.cols;
        rows = event.rows;
        screen = event.data;
        from = keyframe.eventsOffset;
      }
    }
    const cursor = new LineCursor(this.api, this.index.recordingId, from);
    this.term.reset();
    this.term.clear();
    this.term.resize(cols, rows);
    let batch = screen;
    let pending: ReplayEvent | undefined;
    for (;;) {
      if (this.target !== undefined) break; // a newer seek: skip the rest of this one
      const line = await cursor.next();
      if (line === undefined) break;
      const event = parseEventLine(line);
      if (event === undefined || event.code === 'k') continue;
      if (event.t > t) {
        pending = event;
        break;
      }
      if (event.code === 'o') {
        batch += event.data;
        if (batch.length >= WRITE_BATCH) {
          await this.write(batch);
          batch = '';
          this.set({ loadedBytes: cursor.bytesRead });
        }
      } else if (event.code === 'r') {
        await this.write(batch);
        batch = '';
        this.term.resize(event.cols, event.rows);
      }
    }
    await this.write(batch);
    this.cursor = cursor;
    this.pending = pending;
    this.lastTick = performance.now();
    this.set({ time: t, loading: false, loadedBytes: cursor.bytesRead });
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), TICK_MS);
  }

  private async tick(): Promise<void> {
    if (!this.state.playing) return;
    const cursor = this.cursor;
    if (this.ticking || this.seeking !== undefined || cursor === undefined) {
      this.lastTick = performance.now();
      this.schedule();
      return;
    }
    this.ticking = true;
    try {
      const now = performance.now();
      const time = Math.min(
        this.index.durationMs,
        advanceClock(this.state.time, now - this.lastTick, this.state.speed, this.pending?.t),
      );
      this.lastTick = now;
      let out = '';
      while (this.pending !== undefined && this.pending.t <= time) {
        const event = this.pending;
        if (event.code === 'o') {
          out += event.data;
        } else if (event.code === 'r') {
          this.term.write(out);
          out = '';
          this.term.resize(event.cols, event.rows);
        }
        const next = await nextEvent(cursor);
        // A seek started meanwhile: it owns the terminal and the cursor now.
        if (this.cursor !== cursor || this.seeking !== undefined) return;
        this.pending = next;
      }
      if (out !== '') this.term.write(out);
      const end = this.pending === undefined;
      this.set({ time: end ? this.index.durationMs : time, playing: !end });
    } finally {
      this.ticking = false;
      if (this.state.playing) this.schedule();
    }
  }

  private write(data: string): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }

  /** Waits until xterm has parsed everything written so far (before a reset). */
  private flush(): Promise<void> {
    return this.write('');
  }

  private set(patch: Partial<PlayerState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

/** The next replayable event from `cursor` (keyframes and torn lines skipped). */
async function nextEvent(cursor: LineCursor): Promise<ReplayEvent | undefined> {
  for (;;) {
    const line = await cursor.next();
    if (line === undefined) return undefined;
    const event = parseEventLine(line);
    if (event !== undefined && event.code !== 'k') return event;
  }
}

/** Escape sequences (CSI, OSC, and two-character ones): they move and colour, never show. */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/** Whether output prints anything a person would see. */
function visible(data: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[^\s\x00-\x1f\x7f]/.test(data.replace(ESCAPES, ''));
}
