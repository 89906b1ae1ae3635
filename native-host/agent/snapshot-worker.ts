/**
 * Worker thread that keeps a headless terminal per session, fed with the output that fell off
 * the session's buffer, and serializes screen + scrollback on request. Parsing lives here so
 * a flood never stalls the agent's event loop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';
import { writeFastForward } from '../../protocol/fast-forward.js';
import { Keyframer } from '../recording/keyframer.js';
import type { WorkerReply, WorkerRequest } from './snapshot-messages.js';
import { Settler } from './settle.js';

const { Terminal } = headless;
const { SerializeAddon } = serialize;

type ScreenRequest = Extract<
  WorkerRequest,
  { type: 'write' } | { type: 'resize' } | { type: 'snapshot' } | { type: 'dispose' }
>;

interface Screen {
  terminal: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
  seq: number;
  /** Requests in stream order; one is worked on at a time. */
  queue: ScreenRequest[];
  working: boolean;
}

const screens = new Map<string, Screen>();

async function work(sessionId: string, screen: Screen): Promise<void> {
  const { terminal } = screen;
  for (let next = screen.queue.shift(); next !== undefined; next = screen.queue.shift()) {
    if (next.type === 'write') {
      const writes = [next];
      while (screen.queue[0]?.type === 'write') writes.push(screen.queue.shift() as typeof next);
      // Writes that arrived while the terminal was busy go as one: a plain flood is
      // fast-forwarded.
      const data = writes.length === 1 ? next.data : Buffer.concat(writes.map((w) => w.data));
      let skipped = await writeFastForward(terminal, data);
      for (const { chars, seq } of writes) {
        screen.seq = seq;
        reply({ type: 'written', sessionId, chars, skipped });
        skipped = 0;
        settler.worked(chars);
      }
    } else if (next.type === 'resize') {
      terminal.resize(next.cols, next.rows);
    } else if (next.type === 'snapshot') {
      reply({
        type: 'snapshot',
        request: next.request,
        data: screen.serializer.serialize(),
        seq: screen.seq,
        cols: terminal.cols,
        rows: terminal.rows,
      });
    } else {
      terminal.dispose();
      // Its scrollback (megabytes of buffers) is garbage now, in a worker that may stay idle.
      settler.freed();
      return;
    }
  }
}

/** Queues a request behind the screen's earlier ones, so output, resizes and snapshots keep order. */
function enqueue(request: ScreenRequest): boolean {
  const screen = screens.get(request.sessionId);
  if (screen === undefined) return false;
  if (request.type === 'dispose') {
    // Output nobody will ask for again is not worth parsing; a snapshot still gets its answer.
    screen.queue = screen.queue.filter((r) => r.type === 'snapshot');
    screens.delete(request.sessionId);
  }
  screen.queue.push(request);
  if (!screen.working) {
    screen.working = true;
    void work(request.sessionId, screen).finally(() => {
      screen.working = false;
    });
  }
  return true;
}

const WORKER_NICE = 10;

/**
 * This thread's work is never urgent: it parses what fell off the buffer and answers the odd
 * snapshot. On Linux a thread has its own nice value, so it yields the CPU to the agent's event
 * loop and to whoever shows the flood (on 2 cores it otherwise took a third of the flood's CPU
 * from them). Elsewhere, or without /proc, it keeps the process's priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, WORKER_NICE);
  } catch {
    // not Linux, or not allowed: same priority as the agent
  }
}
lowerPriority();

/** Collects this worker's heap once a burst of parsing is over (see settle.ts). */
const settler = new Settler();

/** A recording's keyframe maker; its work is chained so the file is read in order. */
interface KeyframeJob {
  keyframer: Keyframer;
  chain: Promise<void>;
  /** How far the file has been asked for. */
  upTo: number;
}
const keyframeJobs = new Map<string, KeyframeJob>();

function advanceKeyframes(recordingId: string, upTo: number): Promise<void> {
  const job = keyframeJobs.get(recordingId);
  if (job === undefined) return Promise.resolve();
  const bytes = Math.max(0, upTo - job.upTo);
  job.upTo = Math.max(job.upTo, upTo);
  job.chain = job.chain
    .then(() => job.keyframer.advance(upTo))
    .then((made) => {
      for (const keyframe of made) reply({ type: 'keyframe', recordingId, keyframe });
      settler.worked(bytes);
    })
    .catch(() => undefined);
  return job.chain;
}
const port = parentPort;
if (port === null) throw new Error('snapshot-worker must run as a worker thread');

function reply(message: WorkerReply): void {
  port?.postMessage(message);
}

port.on('message', (message: WorkerRequest) => {
  switch (message.type) {
    case 'create': {
      const terminal = new Terminal({
        cols: message.cols,
        rows: message.rows,
        scrollback: message.scrollback,
        allowProposedApi: true,
      });
      const serializer = new SerializeAddon();
      terminal.loadAddon(serializer);
      screens.set(message.sessionId, {
        terminal,
        serializer,
        seq: 0,
        queue: [],
        working: false,
      });
      break;
    }
    case 'write':
    case 'resize':
    case 'dispose':
      enqueue(message);
      break;
    case 'snapshot': {
      if (!enqueue(message)) {
        reply({ type: 'snapshot', request: message.request, data: '', seq: 0, cols: 0, rows: 0 });
      }
      break;
    }
    case 'keyframes.open': {
      try {
        const keyframer = new Keyframer(
          message.file,
          message.fromOffset,
          message.cols,
          message.rows,
        );
        keyframeJobs.set(message.recordingId, {
          keyframer,
          chain: Promise.resolve(),
          upTo: message.fromOffset,
        });
      } catch {
        // The file vanished: the recording simply has no keyframes.
      }
      break;
    }
    case 'keyframes.advance': {
      void advanceKeyframes(message.recordingId, message.upTo);
      break;
    }
    case 'keyframes.finish': {
      const { recordingId, request } = message;
      void advanceKeyframes(recordingId, message.upTo).then(() => {
        keyframeJobs.get(recordingId)?.keyframer.close();
        keyframeJobs.delete(recordingId);
        reply({ type: 'keyframes.finished', request });
      });
      break;
    }
  }
});
