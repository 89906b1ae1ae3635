import {
  CALL_MAX_CALLERS,
  TandemError,
  type CallMedia,
  type CallerInfo,
  type ParticipantInfo,
} from '../../protocol/index.js';
import type { ClientLink } from './link.js';

interface Caller {
  info: CallerInfo;
  /** The view that joined: its leaving (panel closed, link dropped) leaves the call. */
  link: ClientLink;
}

/**
 * Who is on a session's call. The agent carries no media: it only says who may call whom, so
 * each caller's page accepts a MediaConnection only from a peer id listed here. One entry per
 * participant (a second window of the same person takes the place of the first).
 */
export class SessionCall {
  private readonly callers = new Map<string, Caller>();

  constructor(private readonly changed: () => void) {}

  list(): CallerInfo[] {
    return [...this.callers.values()].map((c) => ({
      ...c.info,
      participant: { ...c.info.participant },
    }));
  }

  get size(): number {
    return this.callers.size;
  }

  join(link: ClientLink, who: ParticipantInfo, peerId: string, media: CallMedia): CallerInfo[] {
    for (const [id, caller] of this.callers) {
      if (caller.info.peerId === peerId && id !== who.id) {
        throw new TandemError('bad_request', 'That call id belongs to someone else on the call');
      }
    }
    if (!this.callers.has(who.id) && this.callers.size >= CALL_MAX_CALLERS) {
      throw new TandemError(
        'rate_limited',
        `The call is full: at most ${CALL_MAX_CALLERS} people can be on it`,
      );
    }
    this.callers.set(who.id, {
      link,
      info: {
        participant: { id: who.id, name: who.name, color: who.color },
        peerId,
        ...media,
        since: this.callers.get(who.id)?.info.since ?? new Date().toISOString(),
      },
    });
    this.changed();
    return this.list();
  }

  update(link: ClientLink, media: Partial<CallMedia>): void {
    const caller = this.callers.get(link.participant.id);
    if (caller === undefined) throw new TandemError('not_found', 'You are not on this call');
    const next = { ...caller.info, ...media };
    if (
      next.muted === caller.info.muted &&
      next.camera === caller.info.camera &&
      next.screen === caller.info.screen
    ) {
      return;
    }
    caller.info = next;
    this.changed();
  }

  /** The participant leaves (any of its views may say so). */
  leave(participantId: string): void {
    if (this.callers.delete(participantId)) this.changed();
  }

  /** A view went away: if it was the one on the call, its person leaves the call. */
  detached(link: ClientLink): void {
    const caller = this.callers.get(link.participant.id);
    if (caller?.link.id === link.id) this.leave(link.participant.id);
  }

  /** The session ended: the call ends for everyone. */
  end(): void {
    if (this.callers.size === 0) return;
    this.callers.clear();
    this.changed();
  }
}
