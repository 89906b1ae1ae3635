import { describe, expect, it } from 'vitest';
import { TandemError } from '../../protocol/index.js';
import { MAX_SNAPSHOTS_IN_FLIGHT, RATE_RULES, RateLimits } from './rate-limits.js';

function refusal(run: () => void): TandemError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
}

describe('RateLimits', () => {
  it('allows a burst, then one request per interval, per participant and kind', () => {
    let now = 0;
    const limits = new RateLimits(() => now);
    const { burst, everyMs } = RATE_RULES.mark;
    for (let i = 0; i < burst; i++) limits.take('mark', 'p1');
    const refused = refusal(() => limits.take('mark', 'p1'));
    expect(refused?.code).toBe('rate_limited');
    expect(refused?.message).toBe('You are adding markers too fast — wait 2 s and try again');
    expect(refused?.details).toEqual({ retryAfterMs: everyMs });
    // Others, and other kinds, have budgets of their own.
    expect(refusal(() => limits.take('mark', 'p2'))).toBeUndefined();
    expect(refusal(() => limits.take('chat', 'p1'))).toBeUndefined();
    now += everyMs - 1;
    expect(refusal(() => limits.take('mark', 'p1'))?.code).toBe('rate_limited');
    now += 1;
    expect(refusal(() => limits.take('mark', 'p1'))).toBeUndefined();
    expect(refusal(() => limits.take('mark', 'p1'))?.code).toBe('rate_limited');
    // A long pause refills the bucket to its burst, never beyond.
    now += 3600_000;
    for (let i = 0; i < burst; i++) limits.take('mark', 'p1');
    expect(refusal(() => limits.take('mark', 'p1'))?.code).toBe('rate_limited');
  });

  it('bounds the snapshots in the making per participant, and frees a slot once', () => {
    const limits = new RateLimits();
    const releases = Array.from({ length: MAX_SNAPSHOTS_IN_FLIGHT }, () =>
      limits.reserveSnapshot('p1'),
    );
    expect(refusal(() => limits.reserveSnapshot('p1'))?.message).toMatch(/still being prepared/);
    expect(refusal(() => limits.reserveSnapshot('p2'))).toBeUndefined();
    releases[0]?.();
    releases[0]?.();
    const again = limits.reserveSnapshot('p1');
    expect(refusal(() => limits.reserveSnapshot('p1'))?.code).toBe('rate_limited');
    again();
  });
});
