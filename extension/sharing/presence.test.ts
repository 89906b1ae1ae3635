import { describe, expect, it } from 'vitest';
import type { AgentEvent, ParticipantInfo } from '../../protocol/index.js';
import { initials, SessionPresence, TOAST_MS, typingText } from './presence.js';

const p = (id: string, over: Partial<ParticipantInfo> = {}): ParticipantInfo => ({
  id,
  name: id,
  role: 'viewer',
  color: '#123456',
  typing: false,
  local: false,
  waiting: false,
  ...over,
});

const participants = (list: ParticipantInfo[]): AgentEvent => ({
  v: 1,
  type: 'session.participants',
  sessionId: 's',
  participants: list,
});

describe('SessionPresence', () => {
  it('names who is typing, except me', () => {
    const presence = new SessionPresence();
    presence.handle(
      participants([p('kim', { typing: true }), p('me', { typing: true }), p('wes')]),
    );
    expect(presence.typingNames('me')).toEqual(['kim']);
    expect(typingText(presence.typingNames('nobody'))).toBe('kim and me are typing…');
  });

  it('never shows the owner their own name as typing in their own panel', () => {
    const presence = new SessionPresence();
    presence.handle(
      participants([p('local:ann', { typing: true, local: true, role: 'owner' }), p('kim')]),
    );
    expect(presence.typingNames()).toEqual([]);
    presence.handle(
      participants([
        p('local:ann', { typing: true, local: true, role: 'owner' }),
        p('kim', { typing: true }),
      ]),
    );
    expect(typingText(presence.typingNames())).toBe('kim is typing…');
  });

  it('keeps keyboard requests until the viewer is promoted, lobby asks until admitted', () => {
    const presence = new SessionPresence();
    presence.handle({
      v: 1,
      type: 'session.notice',
      sessionId: 's',
      kind: 'keyboard-request',
      participant: p('wes'),
      text: 'Wes asks for the keyboard',
    });
    presence.handle({
      v: 1,
      type: 'session.notice',
      sessionId: 's',
      kind: 'lobby',
      participant: p('ann', { waiting: true }),
      text: 'ann is waiting',
    });
    presence.handle(participants([p('wes'), p('ann', { waiting: true })]));
    expect(presence.asks.map((a) => a.participant.id)).toEqual(['wes', 'ann']);
    presence.handle(participants([p('wes', { role: 'coworker' }), p('ann')]));
    expect(presence.asks).toEqual([]);
  });

  it('shows notices as toasts that expire', () => {
    const presence = new SessionPresence();
    const notice: AgentEvent = {
      v: 1,
      type: 'session.notice',
      sessionId: 's',
      kind: 'joined',
      participant: p('kim'),
      text: 'kim joined',
    };
    presence.handle(notice, 1000);
    expect(presence.expire(1000 + TOAST_MS - 1).map((t) => t.text)).toEqual(['kim joined']);
    expect(presence.expire(1000 + TOAST_MS)).toEqual([]);
  });

  it('tracks the device size and chat', () => {
    const presence = new SessionPresence();
    presence.handle({ v: 1, type: 'session.size', sessionId: 's', cols: 120, rows: 40 });
    presence.handle({
      v: 1,
      type: 'session.chat',
      sessionId: 's',
      from: p('kim'),
      text: 'hi',
      at: '',
    });
    expect(presence.deviceSize).toEqual({ cols: 120, rows: 40 });
    expect(presence.chat.map((c) => c.text)).toEqual(['hi']);
    expect(presence.handle({ v: 1, type: 'session.exit', sessionId: 's', reason: 'x' })).toBe(
      false,
    );
  });
});

describe('initials', () => {
  it('takes first and last word', () => {
    expect(initials('Kim Lee')).toBe('KL');
    expect(initials('wes')).toBe('W');
    expect(initials('  ')).toBe('?');
  });
});
