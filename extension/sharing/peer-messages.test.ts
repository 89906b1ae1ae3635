import { describe, expect, it } from 'vitest';
import { parsePeerMessage, RESULT_SCHEMAS } from './peer-messages.js';

const entry = {
  id: 3,
  action: 'changes',
  askedBy: { id: 'local:host', name: 'Host' },
  at: '2026-01-01T00:00:00.000Z',
  title: 'State-changing commands (1)',
  markdown: '- `mkdir -p /tmp/x` — changed state: creates, moves or deletes files',
  changes: [
    {
      command: 'mkdir -p /tmp/x',
      changesState: true,
      reason: 'creates, moves or deletes files',
      typedBy: ['Host'],
      at: '2026-01-01T00:00:00.000Z',
      t: 1200,
      where: 'user@host:~$',
    },
  ],
  recordingId: 'r1',
};

describe('what a remote agent sends about the Copilot', () => {
  it('takes a session.copilot event and the answers to copilot.ask and copilot.thread', () => {
    const event = { v: 1, type: 'session.copilot', sessionId: 's1', entry };
    expect(parsePeerMessage(event)).toEqual({ kind: 'event', event });
    expect(RESULT_SCHEMAS['copilot.ask'].parse({ entry })).toEqual({ entry });
    const thread = { entries: [entry], enabled: true, model: 'tiny-test-model' };
    expect(RESULT_SCHEMAS['copilot.thread'].parse(thread)).toEqual(thread);
    // A model's draft keeps its label.
    const draft = { ...entry, action: 'question', question: 'why?', draftBy: 'tiny-test-model' };
    expect(RESULT_SCHEMAS['copilot.ask'].parse({ entry: draft })).toEqual({ entry: draft });
  });

  it('ignores an entry with an unknown action or a verdict that is not true, false or null', () => {
    const bad = (patch: object): unknown => ({
      v: 1,
      type: 'session.copilot',
      sessionId: 's1',
      entry: { ...entry, ...patch },
    });
    expect(parsePeerMessage(bad({ action: 'rm -rf' }))).toBeUndefined();
    expect(
      parsePeerMessage(bad({ changes: [{ ...entry.changes[0], changesState: 'yes' }] })),
    ).toBeUndefined();
    expect(parsePeerMessage(bad({ markdown: 42 }))).toBeUndefined();
  });
});
