/**
 * Token buckets keyed by who asks (an address, a member): `burst` at once, then one more every
 * `everyMs`. Full buckets are forgotten, so strangers cannot grow the map for good.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`: 0 if allowed, else how many ms until the next one. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    const refill = Math.floor((now - bucket.at) / this.everyMs);
    if (refill > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
      bucket.at = bucket.tokens === this.burst ? now : bucket.at + refill * this.everyMs;
    }
    if (bucket.tokens <= 0) {
      this.buckets.set(key, bucket);
      return bucket.at + this.everyMs - now;
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(now);
    return 0;
  }

  /** How long `key` must wait for a token, without taking one. */
  wait(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    const now = this.now();
    if (bucket.tokens > 0 || now - bucket.at >= this.everyMs) return 0;
    return bucket.at + this.everyMs - now;
  }

  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) / this.everyMs >= this.burst) this.buckets.delete(key);
    }
  }
}
