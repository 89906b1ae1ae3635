import { browser } from 'wxt/browser';
import { z } from 'zod';
import { PENDING_JOIN_KEY } from './team-presence.js';
import { parseInviteLink } from '../sharing/invite-link.js';
import { loadEnrolment, memberTicket } from './team-storage.js';

const pendingJoin = z.object({ url: z.string().max(2048), role: z.enum(['viewer', 'coworker']) });

/**
 * The side panel's half of "Join" from the team popup or an invite notification: the invite
 * waits in session storage; the panel takes it (once) and joins under your member name.
 */
export function takePendingJoins(
  join: (url: string, name: string, memberTicket?: string) => Promise<unknown>,
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
    // A ticket proves to the owner's agent (through its relay) who you are: only for sessions
    // shared through your own team relay.
    const invite = parseInviteLink(parsed.data.url);
    const ticket =
      enrolment !== undefined &&
      invite !== undefined &&
      parsed.data.url.startsWith(`${enrolment.relayUrl}/`)
        ? await memberTicket(enrolment, invite.peerId).catch(() => undefined)
        : undefined;
    await join(parsed.data.url, enrolment?.member.name ?? 'Teammate', ticket).catch(
      (error: unknown) => failed(error instanceof Error ? error.message : String(error)),
    );
  };
  void take();
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'session' && PENDING_JOIN_KEY in changes) void take();
  });
}
