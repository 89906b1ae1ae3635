import type { RecordingKeyframe } from '../../protocol/index.js';

/** The last keyframe that shows the screen at or before `t` (keyframes sorted by `t`). */
export function keyframeBefore(
  keyframes: readonly RecordingKeyframe[],
  t: number,
): RecordingKeyframe | undefined {
  let lo = 0;
  let hi = keyframes.length - 1;
  let found: RecordingKeyframe | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = keyframes[mid];
    if (k === undefined) break;
    if (k.t <= t) {
      found = k;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export function clampTime(t: number, durationMs: number): number {
  if (!Number.isFinite(t)) return 0;
  return Math.min(Math.max(0, t), Math.max(0, durationMs));
}

/** The time under pointer `x` on a timeline `width` pixels wide starting at `left`. */
export function timeAtX(x: number, left: number, width: number, durationMs: number): number {
  if (width <= 0) return 0;
  return Math.round(clampTime(((x - left) / width) * durationMs, durationMs));
}

/** Where `t` sits on the timeline, in percent. */
export function percentAt(t: number, durationMs: number): number {
  if (durationMs <= 0) return 0;
  return (clampTime(t, durationMs) / durationMs) * 100;
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export const SPEEDS = [0.5, 1, 2, 4, 8] as const;

/** Idle stretches longer than this play as this long (timeline time still jumps the gap). */
export const IDLE_LIMIT_MS = 2000;

/**
 * Advances the playback clock by `elapsedMs` of wall time at `speed`, shortening idle gaps:
 * when the next event is more than IDLE_LIMIT_MS away it jumps to just before it.
 */
export function advanceClock(
  time: number,
  elapsedMs: number,
  speed: number,
  nextEventT: number | undefined,
): number {
  let next = time + elapsedMs * speed;
  if (nextEventT !== undefined && nextEventT - next > IDLE_LIMIT_MS) {
    next = nextEventT - IDLE_LIMIT_MS;
  }
  return next;
}
