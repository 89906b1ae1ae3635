import { describe, expect, it } from 'vitest';
import { parseAgentMessage } from './agent-message.js';

describe('parseAgentMessage', () => {
  it('lets the events views show through, the Copilot’s answers included', () => {
    const entry = { id: 1, action: 'catchup', title: 'Catch-up', markdown: '' };
    const event = { v: 1, type: 'session.copilot', sessionId: 's1', entry };
    expect(parseAgentMessage(event)).toEqual({ type: 'event', event });
    expect(parseAgentMessage({ v: 1, type: 'session.chat', sessionId: 's1' })?.type).toBe('event');
  });

  it('drops events it does not know and events without a session', () => {
    expect(parseAgentMessage({ v: 1, type: 'session.nonsense', sessionId: 's1' })).toBeUndefined();
    expect(parseAgentMessage({ v: 1, type: 'session.copilot' })).toBeUndefined();
  });
});
