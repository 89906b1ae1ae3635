import { browser } from 'wxt/browser';
import { z } from 'zod';
import { PENDING_JOIN_KEY } from './team-presence.js';
import { loadEnrolment } from './team-storage.js';

const pendingJoin = z.object({ url: z.string().max(2048), role: z.enum(['viewer', 'coworker']) });

/**
 * The side panel's half of "Join" from the team popup or an invite notification: the invite
 * waits in session storage; the panel takes it (once) and joins under your member name.
 */
export function takePendingJoins(
  join: (url: string, name: string) => Promise<unknown>,
  failed: (message: string) => void,
): void {
  // Every open panel (one per window, or a tab) hears the change: a lock across the extension's
  // pages lets exactly one of them take the invite.
  const take = (): Promise<unknown> => navigator.locks.request(PENDING_JOIN_KEY, takeOnce);
  const takeOnce = async (): Promise<void> => {
    const stored: Record<string, unknown> = await browser.storage.session.get(PENDING_JOIN_KEY);
    const parsed = pendingJoin.safeParse(stored[PENDING_JOIN_KEY]);
    if (!parsed.success) return;
    await browser.storage.session.remove(PENDING_JOIN_KEY);
    const enrolment = await loadEnrolment();
    await join(parsed.data.url, enrolment?.member.name ?? 'Teammate').catch((error: unknown) =>
      failed(error instanceof Error ? error.message : String(error)),
    );
  };
  void take();
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'session' && PENDING_JOIN_KEY in changes) void take();
  });
}
