import { Worker } from 'node:worker_threads';
import type { OutputChunk } from './output-buffer.js';
import type { Keyframe, KeyframeMaker } from '../recording/index.js';
import type { WorkerReply, WorkerRequest } from './snapshot-messages.js';

export interface Snapshot {
  /** Terminal data that redraws screen + scrollback. */
  data: string;
  /** The last output seq the snapshot covers. */
  seq: number;
  cols: number;
  rows: number;
}

/** Lines of scrollback a snapshot carries (matches the panel's terminal). */
export const SNAPSHOT_SCROLLBACK = 10_000;
/** Characters sent to the worker but not yet parsed, per session. */
const IN_FLIGHT_CHARS = 1024 * 1024;
/**
 * Characters waiting for the worker, per session. Past this the oldest are dropped unparsed:
 * a snapshot's screen and 10,000 lines of scrollback come from the newest output, and memory
 * must stay bounded in a flood. (A mode switch inside dropped output, e.g. entering the
 * alternate screen, is lost with it; the next full redraw puts the screen right.)
 */
const QUEUE_CHARS = 8 * 1024 * 1024;
/**
 * Evicted output is handed to the worker on a tick, unless more than FLOOD_CHARS arrived since
 * the last tick: during a flood parsing would only steal CPU from the flood itself.
 */
const TICK_MS = 250;
const FLOOD_CHARS = 1024 * 1024;

type Pending =
  { kind: 'chunk'; chunk: OutputChunk } | { kind: 'resize'; cols: number; rows: number };

/** One worker thread serves every session of the agent. */
export class SnapshotWorker {
  private readonly worker: Worker;
  private readonly screens = new Map<string, Snapshotter>();
  private readonly waiting = new Map<number, (snapshot: Snapshot) => void>();
  private readonly keyframeListeners = new Map<string, (keyframe: Keyframe) => void>();
  private readonly finishing = new Map<number, () => void>();
  private nextRequest = 1;

  constructor() {
    // Built: dist/snapshot-worker.js beside this chunk. From source (unit tests): the .ts file,
    // loaded through tsx inside the worker.
    const source = import.meta.url.endsWith('.ts');
    const url = new URL(source ? './snapshot-worker.ts' : './snapshot-worker.js', import.meta.url);
    this.worker = source
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
          { eval: true },
        )
      : new Worker(url);
    this.worker.unref();
    this.worker.on('message', (message: WorkerReply) => this.onReply(message));
  }

  create(sessionId: string, cols: number, rows: number): Snapshotter {
    const screen = new Snapshotter(this, sessionId);
    this.screens.set(sessionId, screen);
    this.post({ type: 'create', sessionId, cols, rows, scrollback: SNAPSHOT_SCROLLBACK });
    return screen;
  }

  post(message: WorkerRequest): void {
    this.worker.postMessage(message);
  }

  request(sessionId: string): Promise<Snapshot> {
    const request = this.nextRequest++;
    return new Promise((resolve) => {
      this.waiting.set(request, resolve);
      this.post({ type: 'snapshot', sessionId, request });
    });
  }

  /** Keyframes for a recording, made in the worker from the recording's file. */
  keyframes(
    file: string,
    fromOffset: number,
    cols: number,
    rows: number,
    onKeyframe: (keyframe: Keyframe) => void,
  ): KeyframeMaker {
    const recordingId = `${this.nextRequest++}`;
    this.keyframeListeners.set(recordingId, onKeyframe);
    this.post({ type: 'keyframes.open', recordingId, file, fromOffset, cols, rows });
    return {
      advance: (upTo) => this.post({ type: 'keyframes.advance', recordingId, upTo }),
      finish: (upTo) =>
        new Promise<void>((resolve) => {
          const request = this.nextRequest++;
          this.finishing.set(request, () => {
            this.keyframeListeners.delete(recordingId);
            resolve();
          });
          this.post({ type: 'keyframes.finish', recordingId, upTo, request });
        }),
    };
  }

  dispose(sessionId: string): void {
    this.screens.delete(sessionId);
    this.post({ type: 'dispose', sessionId });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private onReply(message: WorkerReply): void {
    if (message.type === 'written') {
      this.screens.get(message.sessionId)?.written(message.chars);
      return;
    }
    if (message.type === 'keyframe') {
      this.keyframeListeners.get(message.recordingId)?.(message.keyframe);
      return;
    }
    if (message.type === 'keyframes.finished') {
      this.finishing.get(message.request)?.();
      this.finishing.delete(message.request);
      return;
    }
    const resolve = this.waiting.get(message.request);
    this.waiting.delete(message.request);
    resolve?.({ data: message.data, seq: message.seq, cols: message.cols, rows: message.rows });
  }
}

/** A session's headless screen, fed with output in stream order (resizes included). */
export class Snapshotter {
  private queue: Pending[] = [];
  private queuedChars = 0;
  private inFlight = 0;
  private arrivedSinceTick = 0;
  private tick: NodeJS.Timeout | undefined;

  constructor(
    private readonly worker: SnapshotWorker,
    private readonly sessionId: string,
  ) {}

  feed(chunk: OutputChunk): void {
    this.queue.push({ kind: 'chunk', chunk });
    this.queuedChars += chunk.data.length;
    this.arrivedSinceTick += chunk.data.length;
    while (this.queuedChars > QUEUE_CHARS) {
      const dropped = this.queue.shift();
      if (dropped === undefined) break;
      if (dropped.kind === 'chunk') this.queuedChars -= dropped.chunk.data.length;
      else
        this.worker.post({
          type: 'resize',
          sessionId: this.sessionId,
          cols: dropped.cols,
          rows: dropped.rows,
        });
    }
    this.schedule();
  }

  resize(cols: number, rows: number): void {
    this.queue.push({ kind: 'resize', cols, rows });
    this.schedule();
  }

  private schedule(): void {
    this.tick ??= setTimeout(() => {
      this.tick = undefined;
      const flooding = this.arrivedSinceTick > FLOOD_CHARS;
      this.arrivedSinceTick = 0;
      if (!flooding) this.flush(IN_FLIGHT_CHARS);
      if (this.queue.length > 0) this.schedule();
    }, TICK_MS);
    this.tick.unref();
  }

  /** Everything fed so far, parsed, as terminal data. */
  snapshot(): Promise<Snapshot> {
    this.flush(Number.POSITIVE_INFINITY);
    return this.worker.request(this.sessionId);
  }

  dispose(): void {
    if (this.tick !== undefined) clearTimeout(this.tick);
    this.worker.dispose(this.sessionId);
  }

  written(chars: number): void {
    this.inFlight -= chars;
    if (this.arrivedSinceTick <= FLOOD_CHARS) this.flush(IN_FLIGHT_CHARS);
  }

  private flush(limit: number): void {
    let batch: string[] = [];
    let batchChars = 0;
    let lastSeq = 0;
    const send = (): void => {
      if (batch.length === 0) return;
      this.worker.post({ type: 'write', sessionId: this.sessionId, data: batch, seq: lastSeq });
      this.inFlight += batchChars;
      batch = [];
      batchChars = 0;
    };
    while (this.queue.length > 0 && this.inFlight + batchChars < limit) {
      const next = this.queue.shift();
      if (next === undefined) break;
      if (next.kind === 'resize') {
        send();
        this.worker.post({
          type: 'resize',
          sessionId: this.sessionId,
          cols: next.cols,
          rows: next.rows,
        });
        continue;
      }
      batch.push(next.chunk.data);
      batchChars += next.chunk.data.length;
      this.queuedChars -= next.chunk.data.length;
      lastSeq = next.chunk.seq;
      if (batchChars >= 256 * 1024) send();
    }
    send();
  }
}
