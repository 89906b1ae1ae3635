/** How long a data connection may stay without presenting a join. */
export const UNJOINED_TIMEOUT_MS = 10_000;
/** How many data connections may be waiting to join at once. */
export const MAX_UNJOINED = 64;

export interface UnjoinedLimits {
  timeoutMs: number;
  max: number;
}

/**
 * Data connections that have not presented a join yet. Anyone who knows the agent's peer id
 * (it is in every invite link, and the relay operator sees it) can open them without a
 * secret; each holds a WebRTC connection in the peer process and a record here. Kept forever,
 * they were a way to grow the agent without limit. So each gets `timeoutMs` to present its
 * join, and at most `max` wait at once: past that a new one is turned away at once (a real
 * participant joins within a second of connecting, and its page retries).
 */
export class UnjoinedConnections {
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(readonly limits: UnjoinedLimits) {}

  /** Starts the clock for a new connection; false if too many are already waiting. */
  admit(conn: number, onTimeout: () => void): boolean {
    if (this.timers.size >= this.limits.max) return false;
    const timer = setTimeout(() => {
      this.timers.delete(conn);
      onTimeout();
    }, this.limits.timeoutMs);
    timer.unref();
    this.timers.set(conn, timer);
    return true;
  }

  /** It presented a join, or it is gone: no longer waiting. */
  done(conn: number): void {
    const timer = this.timers.get(conn);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(conn);
  }

  get count(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
