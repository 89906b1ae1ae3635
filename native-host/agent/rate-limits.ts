import { TandemError, type RequestType } from '../../protocol/index.js';

/**
 * Requests that cost the agent (or everyone in the session) something each time, and that a
 * script could send in a loop: each has a token bucket per participant.
 */
export type LimitedKind = 'attach' | 'call' | 'chat' | 'copilot' | 'keyboard' | 'lobby' | 'mark';

interface Rule {
  /** Requests allowed at once, from a full bucket. */
  burst: number;
  /** Sustained pace: one more request allowed every this many ms. */
  everyMs: number;
  /** What the person was doing, for the error message. */
  what: string;
}

/**
 * Generous for a person, tight for a script. A panel attaches once per view and again after a
 * drop; people chat in sentences; nobody asks for the keyboard twice a second; a lobby link
 * (keyed by the invite: a knocker has no identity yet) serves a team arriving together.
 */
export const RATE_RULES: Record<LimitedKind, Rule> = {
  attach: { burst: 10, everyMs: 2000, what: 'attaching to the session' },
  // Mute, camera and share clicks, each sent to everyone in the session.
  call: { burst: 20, everyMs: 500, what: 'changing your call state' },
  chat: { burst: 10, everyMs: 1000, what: 'sending chat messages' },
  copilot: { burst: 5, everyMs: 2000, what: 'asking the Copilot' },
  keyboard: { burst: 3, everyMs: 10_000, what: 'asking for the keyboard' },
  lobby: { burst: 10, everyMs: 6000, what: 'knocking on this lobby' },
  mark: { burst: 20, everyMs: 2000, what: 'adding markers' },
};

/** The limited requests, by type; the dispatcher looks requests up here. */
export const LIMITED_REQUESTS: Partial<Record<RequestType, LimitedKind>> = {
  'session.attach': 'attach',
  'chat.send': 'chat',
  'call.join': 'call',
  'call.update': 'call',
  'copilot.ask': 'copilot',
  'copilot.preview': 'copilot',
  'copilot.question': 'copilot',
  'keyboard.request': 'keyboard',
  'recording.mark': 'mark',
};

/** Snapshots built at once for one participant (an attach that needs one waits for none). */
export const MAX_SNAPSHOTS_IN_FLIGHT = 2;

/** Past this many buckets, full ones (people who have been quiet) are forgotten. */
const SWEEP_AT = 1000;

class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rule: Rule,
    now: number,
  ) {
    this.tokens = rule.burst;
    this.at = now;
  }

  /** Refills for the time passed; true when it is full (as good as a new one). */
  refill(now: number): boolean {
    this.tokens = Math.min(this.rule.burst, this.tokens + (now - this.at) / this.rule.everyMs);
    this.at = now;
    return this.tokens >= this.rule.burst;
  }

  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  waitMs(): number {
    return Math.ceil((1 - this.tokens) * this.rule.everyMs);
  }
}

/**
 * One token bucket per (participant, kind). Keyed by the person, not the connection: several
 * links of the same participant share a budget, and opening another link buys nothing. Memory
 * stays bounded: quiet participants' buckets are dropped once there are many.
 */
export class RateLimits {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly snapshots = new Map<string, number>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Takes one token, or throws `rate_limited` saying when to try again; nothing else changes. */
  take(kind: LimitedKind, key: string): void {
    const now = this.clock();
    const id = `${kind}\u0000${key}`;
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      bucket = new TokenBucket(RATE_RULES[kind], now);
      this.buckets.set(id, bucket);
    }
    if (bucket.take(now)) return;
    const seconds = Math.max(1, Math.ceil(bucket.waitMs() / 1000));
    throw new TandemError(
      'rate_limited',
      `You are ${RATE_RULES[kind].what} too fast — wait ${seconds} s and try again`,
      { retryAfterMs: bucket.waitMs() },
    );
  }

  /**
   * Reserves one of the participant's concurrent snapshot builds; call the returned function
   * when the snapshot has been sent (or given up). Throws `rate_limited` when all are in use.
   */
  reserveSnapshot(key: string): () => void {
    const count = this.snapshots.get(key) ?? 0;
    if (count >= MAX_SNAPSHOTS_IN_FLIGHT) {
      throw new TandemError(
        'rate_limited',
        'Your earlier views of this session are still being prepared — wait a moment and attach again',
      );
    }
    this.snapshots.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.snapshots.get(key) ?? 1) - 1;
      if (left > 0) this.snapshots.set(key, left);
      else this.snapshots.delete(key);
    };
  }

  private sweep(now: number): void {
    for (const [id, bucket] of this.buckets) if (bucket.refill(now)) this.buckets.delete(id);
  }
}
