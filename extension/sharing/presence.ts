import type { AgentEvent, EventMap, ParticipantInfo } from '../../protocol/index.js';

export interface ChatLine {
  from: ParticipantInfo;
  text: string;
  at: string;
}

export interface Toast {
  id: number;
  text: string;
  kind: EventMap['session.notice']['kind'];
  at: number;
}

/** Something the owner must answer: a keyboard request or someone waiting in the lobby. */
export interface Ask {
  kind: 'keyboard-request' | 'lobby';
  participant: ParticipantInfo;
}

export const TOAST_MS = 6000;
const CHAT_LINES = 200;

/**
 * Who is in a session and what they said, from the agent's presence events. Plain state with
 * no DOM, so the rules (typing names, toasts, pending asks) are tested on their own.
 */
export class SessionPresence {
  participants: ParticipantInfo[] = [];
  /** The device size (session.size); undefined until told, and for serial devices. */
  deviceSize: { cols: number; rows: number } | undefined;
  chat: ChatLine[] = [];
  /** Chat lines not yet seen (the chat panel was closed). */
  unread = 0;
  toasts: Toast[] = [];
  asks: Ask[] = [];
  private nextToast = 1;

  /** Returns true when the event was a presence event (the view should re-render). */
  handle(event: AgentEvent, now = Date.now()): boolean {
    switch (event.type) {
      case 'session.participants':
        this.participants = event.participants;
        // A lobby ask ends when the person is admitted or gone; a keyboard ask when they type.
        this.asks = this.asks.filter((ask) => {
          const p = event.participants.find((x) => x.id === ask.participant.id);
          if (ask.kind === 'lobby') return p === undefined ? false : p.waiting;
          return p !== undefined && p.role === 'viewer';
        });
        return true;
      case 'session.size':
        this.deviceSize = { cols: event.cols, rows: event.rows };
        return true;
      case 'session.chat':
        this.chat = [...this.chat, { from: event.from, text: event.text, at: event.at }].slice(
          -CHAT_LINES,
        );
        this.unread += 1;
        return true;
      case 'session.notice':
        if (event.kind === 'keyboard-request' || event.kind === 'lobby') {
          this.asks = [
            ...this.asks.filter(
              (a) => !(a.kind === event.kind && a.participant.id === event.participant.id),
            ),
            { kind: event.kind, participant: event.participant },
          ];
        }
        this.toasts = [
          ...this.expire(now),
          { id: this.nextToast++, text: event.text, kind: event.kind, at: now },
        ];
        return true;
      default:
        return false;
    }
  }

  /**
   * Names of everyone who typed in the last ~1.5 s (the agent decides), except this view's own
   * person: `selfId` in a joined session, else the agent's local user (the owner's own views).
   */
  typingNames(selfId?: string): string[] {
    const self = (p: ParticipantInfo): boolean =>
      selfId === undefined ? p.local : p.id === selfId;
    return this.participants.filter((p) => p.typing && !self(p)).map((p) => p.name);
  }

  /** People in the session (not those waiting in the lobby). */
  get present(): ParticipantInfo[] {
    return this.participants.filter((p) => !p.waiting);
  }

  answered(ask: Ask): void {
    this.asks = this.asks.filter(
      (a) => !(a.kind === ask.kind && a.participant.id === ask.participant.id),
    );
  }

  /** Drops toasts older than TOAST_MS; returns the ones left. */
  expire(now = Date.now()): Toast[] {
    this.toasts = this.toasts.filter((t) => now - t.at < TOAST_MS);
    return this.toasts;
  }
}

/** Up to two initials for an avatar: "Kim Lee" → "KL", "wes" → "W". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  return (
    letters.map((w) => (w === undefined ? '' : ([...w][0]?.toUpperCase() ?? ''))).join('') || '?'
  );
}

/** "Kim is typing…", "Kim and Wes are typing…", "3 people are typing…". */
export function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0] ?? ''} is typing…`;
  if (names.length === 2) return `${names[0] ?? ''} and ${names[1] ?? ''} are typing…`;
  return `${names.length} people are typing…`;
}

export const ROLE_LABEL = { owner: 'owner', coworker: 'co-worker', viewer: 'viewer' } as const;
