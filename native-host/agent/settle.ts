/**
 * Output passes through long-lived buffers (a session's replay buffer, the snapshot queue, the
 * worker's write queue), so V8 promotes it to the old generation, where only a full collection
 * frees it. V8 runs one when the heap reaches its limit (up to four times the live heap), or,
 * when nothing happens, from its memory reducer, which waits until the allocation rate measured
 * since the last collection looks low: 20 to 50 seconds after a 50 MB flood, measured. Until
 * then the agent holds some 100 MB of dead output. So each isolate (the agent's and the snapshot
 * worker's) collects once itself, when a burst of work is over: about 20 ms, at a moment when
 * nothing else happens.
 */

/**
 * Node flags for the processes that idle between bursts of output: the daemon (host.ts) and its
 * WebRTC process (peer/bridge.ts). V8 grows the young generation to two 16 MiB semi-spaces in a
 * flood and keeps them resident for good; 1 MiB ones made floods no slower (the agent's CPU
 * time per 50 MB flood did not rise), as most output outlives a minor collection anyway,
 * waiting in a buffer. `gc` lets each isolate collect once a burst is over (Settler below).
 * `--heap-growing-percent=20`: V8 lets the old generation grow to up to four times what
 * survived the last full collection before it runs the next; in a flood that space filled with
 * dead output, and the agent peaked at ~206 MB RSS for a 50 MB `cat`. Growing by a fifth it
 * peaks at ~156 MB (50 %: 162, 5 %: 155), at no measurable cost in flood CPU time. V8 flags are
 * process-wide, so the snapshot worker gets it too, and its own young generation.
 */
export const SETTLING_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--expose-gc',
  '--heap-growing-percent=20',
];

/** A burst smaller than this leaves too little garbage to be worth a full collection. */
export const SETTLE_CHARS = 1024 * 1024;
/** Quiet time that ends a burst. */
export const SETTLE_MS = 1000;

/**
 * Collects this isolate's garbage SETTLE_MS after the last piece of a burst of work, if the
 * burst came to SETTLE_CHARS.
 */
export class Settler {
  private work = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly collect: () => void = collectGarbage) {}

  /** `chars` of output were handled: the quiet period starts again (unless `chars` is 0). */
  worked(chars: number): void {
    if (chars <= 0) return;
    this.work += chars;
    this.busy();
  }

  /** Memory was let go of (a terminal disposed): worth a collection whatever the burst was. */
  freed(): void {
    this.worked(SETTLE_CHARS);
  }

  /** Work is going on: the quiet period starts again, nothing is counted. */
  busy(): void {
    if (this.work < SETTLE_CHARS) return;
    if (this.timer !== undefined) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.work = 0;
      this.collect();
    }, SETTLE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Full collections of this isolate's heap. `gc` exists when the daemon runs with --expose-gc
 * (`tandem-agent host` starts it so); a daemon started another way lets V8 choose its moment.
 * Twice: the first frees the dead output but leaves the survivors spread over pages that stay
 * resident (a third to a half of the old generation, measured); V8 picks pages to compact by
 * their live bytes as the previous collection left them, so only the second moves them together
 * and gives the pages back.
 */
export function collectGarbage(): void {
  globalThis.gc?.();
  globalThis.gc?.();
}
