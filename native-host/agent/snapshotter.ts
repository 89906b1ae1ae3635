import { Worker } from 'node:worker_threads';
import type { OutputChunk } from './output-buffer.js';
import type { Keyframe, KeyframeMaker } from '../recording/index.js';
import type { WorkerReply, WorkerRequest } from './snapshot-messages.js';
import { Settler } from './settle.js';

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
/** Characters sent to the worker but not yet parsed, per session, when output is calm. */
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
 * the last tick (1 MB/s): during a flood parsing would only steal CPU from the flood itself, and
 * from the panel that draws it at 3–5 MB/s (at 4 MB/s, the line before, a visible flood was
 * parsed here whole, in batches too small to fast-forward: 4 CPU-seconds per 50 MiB). What
 * gathered goes afterwards as one write, which the worker's terminal fast-forwards through
 * (`protocol/fast-forward.ts`): of 8 M characters of 70-character lines it parses the ~720 K
 * its 10,000 lines of scrollback can hold.
 */
const TICK_MS = 250;
const FLOOD_CHARS = 256 * 1024;

/**
 * The worker's young generation, which V8 counts as three semi-spaces: 1 MiB ones here. By
 * default they grow to 16 MiB in a flood and stay resident (~30 MiB) for good. The worker's
 * garbage is small and short-lived (output arrives as transferred bytes): small ones cost nothing.
 */
const WORKER_YOUNG_GENERATION_MB = 3;

/**
 * A queued chunk keeps only its text: the chunk's JSON form (for frames and replays) is as big
 * again and no longer needed once it has fallen off the replay buffer.
 */
type Pending =
  { kind: 'chunk'; seq: number; data: string } | { kind: 'resize'; cols: number; rows: number };

/** One worker thread serves every session of the agent. */
export class SnapshotWorker {
  private readonly worker: Worker;
  private readonly screens = new Map<string, Snapshotter>();
  private readonly waiting = new Map<number, (snapshot: Snapshot) => void>();
  private readonly keyframeListeners = new Map<string, (keyframe: Keyframe) => void>();
  private readonly finishing = new Map<number, () => void>();
  private nextRequest = 1;
  /** Output the worker's terminals fast-forwarded through instead of parsing (UTF-8 bytes). */
  fastForwarded = 0;
  /**
   * Collects this (the agent's) isolate once a burst of output has been parsed: the output was
   * held in the replay buffer and the queue until then. The worker has its own.
   */
  readonly settler = new Settler();

  constructor() {
    // Built: dist/snapshot-worker.js beside this chunk. From source (unit tests): the .ts file,
    // loaded through tsx inside the worker.
    const source = import.meta.url.endsWith('.ts');
    const url = new URL(source ? './snapshot-worker.ts' : './snapshot-worker.js', import.meta.url);
    const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
    this.worker = source
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
          { eval: true, resourceLimits },
        )
      : new Worker(url, { resourceLimits });
    this.worker.unref();
    this.worker.on('message', (message: WorkerReply) => this.onReply(message));
  }

  create(sessionId: string, cols: number, rows: number): Snapshotter {
    const screen = new Snapshotter(this, sessionId);
    this.screens.set(sessionId, screen);
    this.post({ type: 'create', sessionId, cols, rows, scrollback: SNAPSHOT_SCROLLBACK });
    return screen;
  }

  post(message: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
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
    this.settler.stop();
    await this.worker.terminate();
  }

  private onReply(message: WorkerReply): void {
    if (message.type === 'written') {
      this.fastForwarded += message.skipped;
      this.screens.get(message.sessionId)?.written(message.chars);
      this.settler.worked(message.chars);
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
    this.queue.push({ kind: 'chunk', seq: chunk.seq, data: chunk.data });
    this.queuedChars += chunk.data.length;
    this.arrivedSinceTick += chunk.data.length;
    this.worker.settler.busy();
    while (this.queuedChars > QUEUE_CHARS) {
      const dropped = this.queue.shift();
      if (dropped === undefined) break;
      if (dropped.kind === 'chunk') this.queuedChars -= dropped.data.length;
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
      // What gathered during a flood goes as one, to be fast-forwarded as one.
      if (!flooding) this.flush(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
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

  /** Sends queued output while less than `limit` is in flight, in writes of up to `batchChars`. */
  private flush(limit: number, batchChars = 256 * 1024): void {
    let batch: string[] = [];
    let size = 0;
    let lastSeq = 0;
    const send = (): void => {
      if (batch.length === 0) return;
      const data = utf8(batch);
      this.worker.post(
        { type: 'write', sessionId: this.sessionId, data, chars: size, seq: lastSeq },
        [data.buffer],
      );
      this.inFlight += size;
      batch = [];
      size = 0;
    };
    while (this.queue.length > 0 && this.inFlight + size < limit) {
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
      batch.push(next.data);
      size += next.data.length;
      this.queuedChars -= next.data.length;
      lastSeq = next.seq;
      if (size >= batchChars) send();
    }
    send();
  }
}

const encoder = new TextEncoder();

/**
 * The batch as UTF-8 in a buffer of its own, moved (not copied) to the worker. The worker's
 * terminal parses bytes as readily as text, and a transferred buffer is freed by the worker's
 * next minor GC, whereas strings posted as text live on in the worker's heap (they outlive a
 * scavenge while they wait to be parsed) until a full GC, which an idle agent may not run for
 * a minute. Chunks never end inside a surrogate pair, so each encodes on its own.
 */
function utf8(parts: string[]): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const part of parts) size += Buffer.byteLength(part, 'utf8');
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) offset += encoder.encodeInto(part, bytes.subarray(offset)).written;
  return bytes;
}
