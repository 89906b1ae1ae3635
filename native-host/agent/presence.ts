import { freeAvatarColor, type ParticipantInfo, type Role } from '../../protocol/index.js';
import type { ClientLink } from './link.js';

/** Someone who sent input within this long is shown as typing. */
export const TYPING_MS = 1500;

interface Member {
  info: ParticipantInfo;
  links: Set<ClientLink>;
  typingTimer: NodeJS.Timeout | undefined;
  /** The size this person's view would like the terminal to be. */
  size: { cols: number; rows: number } | undefined;
}

export type PresenceChange =
  { kind: 'joined' | 'left'; participant: ParticipantInfo } | { kind: 'changed' };

/**
 * Who is in a session: one member per participant (several views of one person count once),
 * their role, colour and whether they are typing. Every change is reported to `onChange`.
 */
export class Presence {
  private readonly members = new Map<string, Member>();

  constructor(private readonly onChange: (change: PresenceChange) => void) {}

  list(): ParticipantInfo[] {
    return [...this.members.values()].map((m) => ({ ...m.info }));
  }

  get(participantId: string): ParticipantInfo | undefined {
    const member = this.members.get(participantId);
    return member === undefined ? undefined : { ...member.info };
  }

  links(participantId: string): ClientLink[] {
    return [...(this.members.get(participantId)?.links ?? [])];
  }

  add(link: ClientLink): void {
    const id = link.participant.id;
    const existing = this.members.get(id);
    if (existing !== undefined) {
      existing.links.add(link);
      return;
    }
    const info: ParticipantInfo = {
      id,
      name: link.participant.name,
      role: link.role,
      // A team member's own colour; anyone else one nobody in the session has now.
      color:
        link.color ??
        freeAvatarColor(id, new Set([...this.members.values()].map((m) => m.info.color))),
      typing: false,
      local: link.local,
      waiting: false,
    };
    this.members.set(id, { info, links: new Set([link]), typingTimer: undefined, size: undefined });
    this.onChange({ kind: 'joined', participant: { ...info } });
  }

  remove(link: ClientLink): void {
    const member = this.members.get(link.participant.id);
    if (member === undefined || !member.links.delete(link)) return;
    if (member.links.size > 0) return;
    if (member.typingTimer !== undefined) clearTimeout(member.typingTimer);
    this.members.delete(link.participant.id);
    this.onChange({ kind: 'left', participant: { ...member.info } });
  }

  /** Marks the sender as typing for TYPING_MS (a change is reported only when it starts/ends). */
  typed(link: ClientLink): void {
    const member = this.members.get(link.participant.id);
    if (member === undefined) return;
    if (member.typingTimer !== undefined) clearTimeout(member.typingTimer);
    member.typingTimer = setTimeout(() => {
      member.typingTimer = undefined;
      member.info.typing = false;
      this.onChange({ kind: 'changed' });
    }, TYPING_MS);
    member.typingTimer.unref();
    if (!member.info.typing) {
      member.info.typing = true;
      this.onChange({ kind: 'changed' });
    }
  }

  setRole(participantId: string, role: Role): ParticipantInfo | undefined {
    const member = this.members.get(participantId);
    if (member === undefined) return undefined;
    member.info.role = role;
    for (const link of member.links) link.role = role;
    this.onChange({ kind: 'changed' });
    return { ...member.info };
  }

  setSize(link: ClientLink, cols: number, rows: number): void {
    const member = this.members.get(link.participant.id);
    if (member !== undefined) member.size = { cols, rows };
  }

  sizeOf(participantId: string): { cols: number; rows: number } | undefined {
    return this.members.get(participantId)?.size;
  }

  clear(): void {
    for (const member of this.members.values()) {
      if (member.typingTimer !== undefined) clearTimeout(member.typingTimer);
    }
    this.members.clear();
  }
}
