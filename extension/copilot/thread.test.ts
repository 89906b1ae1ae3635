import { describe, expect, it } from 'vitest';
import type { CopilotEntry, RequestMap, RequestType } from '../../protocol/index.js';
import type { SessionTransport } from '../sharing/transport.js';
import { CopilotThread, handoffText, HYPOTHESIS_PLACEHOLDER } from './thread.js';

const entry = (id: number, extra: Partial<CopilotEntry> = {}): CopilotEntry => ({
  id,
  action: 'catchup',
  askedBy: { id: 'p1', name: 'Ann' },
  at: '2026-01-01T00:00:00.000Z',
  title: `Entry ${id}`,
  markdown: `entry ${id}`,
  ...extra,
});

class FakeTransport implements SessionTransport {
  asked: { type: RequestType; fields: unknown }[] = [];
  constructor(private readonly answer: (type: RequestType) => Promise<unknown>) {}
  request<K extends RequestType>(type: K, fields: RequestMap[K]): Promise<never> {
    this.asked.push({ type, fields });
    return this.answer(type) as Promise<never>;
  }
  notify(): void {}
  onEvent(): () => void {
    return () => undefined;
  }
}

describe('CopilotThread', () => {
  it('keeps one entry per id, oldest first, whether from the thread, an event or a reply', async () => {
    const transport = new FakeTransport(async (type) =>
      type === 'copilot.thread' ? { entries: [entry(2), entry(1)] } : { entry: entry(3) },
    );
    let changes = 0;
    const thread = new CopilotThread(
      transport,
      () => 's1',
      () => changes++,
    );
    expect(thread.add(entry(3))).toBe(true);
    thread.setOpen(true);
    await thread.load();
    expect(thread.add(entry(2))).toBe(false);
    await thread.ask('changes');
    expect(thread.entries.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(transport.asked).toContainEqual({
      type: 'copilot.ask',
      fields: { sessionId: 's1', action: 'changes' },
    });
    expect(changes).toBeGreaterThan(0);
  });

  it('opening the pane reads the thread once it has loaded', async () => {
    const transport = new FakeTransport(async () => ({ entries: [entry(1)] }));
    const thread = new CopilotThread(
      transport,
      () => 's1',
      () => undefined,
    );
    await thread.load();
    thread.setOpen(true);
    thread.setOpen(false);
    thread.setOpen(true);
    expect(transport.asked.filter((a) => a.type === 'copilot.thread')).toHaveLength(1);
  });

  it('is busy while asking and says why the agent refused', async () => {
    let refuse: (error: Error) => void = () => undefined;
    const transport = new FakeTransport(() => new Promise((_resolve, reject) => (refuse = reject)));
    const thread = new CopilotThread(
      transport,
      () => 's1',
      () => undefined,
    );
    const asking = thread.ask('catchup');
    expect(thread.busy).toBe('catchup');
    // A second click while busy sends nothing.
    void thread.ask('handoff');
    expect(transport.asked).toHaveLength(1);
    refuse(
      Object.assign(new Error('You are asking the Copilot too fast — wait 2 s and try again'), {
        code: 'rate_limited',
      }),
    );
    await asking;
    expect(thread.busy).toBeUndefined();
    expect(thread.error).toBe(
      'Not answered: You are asking the Copilot too fast — wait 2 s and try again',
    );
  });

  it('writes the hypothesis into the handoff note', () => {
    const note = entry(4, {
      action: 'handoff',
      markdown:
        '## Handoff\n\n**Current hypothesis:** _(to be written by a person)_\n\n**Evidence:**',
      hypothesis: '',
    });
    expect(handoffText(note, '  the disk is full $& ')).toBe(
      '## Handoff\n\n**Current hypothesis:** the disk is full $&\n\n**Evidence:**',
    );
    expect(handoffText(note, ' ')).toBe(note.markdown);
    // Only a handoff note has a hypothesis to fill in.
    const other = entry(5, { markdown: HYPOTHESIS_PLACEHOLDER });
    expect(handoffText(other, 'text')).toBe(HYPOTHESIS_PLACEHOLDER);
  });

  it('asks a model: the first question waits on the preview, later ones go at once', async () => {
    let consented = false;
    const answer = entry(9, { action: 'question', question: 'why?', draftBy: 'm1' });
    const transport = new FakeTransport(async (type) => {
      if (type === 'copilot.thread') return { entries: [], enabled: true, model: 'm1' };
      if (type === 'copilot.preview')
        return {
          endpoint: 'http://127.0.0.1:1/v1/chat/completions',
          model: 'm1',
          messages: [{ role: 'user', content: 'digest [redacted secret]' }],
          redacted: { secret: 1 },
          consented,
        };
      consented = true;
      return { entry: answer };
    });
    const thread = new CopilotThread(
      transport,
      () => 's1',
      () => undefined,
    );
    await thread.load();
    expect(thread.model).toBe('m1');
    await thread.question('why?');
    // Nothing sent yet: the person sees what would go.
    expect(transport.asked.map((a) => a.type)).toEqual(['copilot.thread', 'copilot.preview']);
    expect(thread.preview?.messages[0]?.content).toBe('digest [redacted secret]');
    // A draft streams in, and the finished entry replaces it.
    thread.handle({
      type: 'session.copilotDraft',
      sessionId: 's1',
      draftId: 'd1',
      question: 'why?',
      askedBy: { id: 'p1', name: 'Ann' },
      model: 'm1',
      text: 'The disk',
    });
    expect(thread.draft?.text).toBe('The disk');
    await thread.send('why?', true);
    expect(transport.asked.at(-1)).toEqual({
      type: 'copilot.question',
      fields: { sessionId: 's1', question: 'why?', consent: true },
    });
    expect(thread.preview).toBeUndefined();
    expect(thread.draft).toBeUndefined();
    expect(thread.entries).toEqual([answer]);
    // Agreed once: the next question goes at once, without a second preview.
    await thread.question('and then?');
    expect(transport.asked.slice(-2).map((a) => a.type)).toEqual([
      'copilot.question',
      'copilot.question',
    ]);
    expect(transport.asked.at(-1)?.fields).toEqual({ sessionId: 's1', question: 'and then?' });
  });

  it('follows the owner’s switch', () => {
    const thread = new CopilotThread(
      new FakeTransport(async () => ({})),
      () => 's1',
      () => undefined,
    );
    const by = { id: 'o', name: 'Owner', color: '#000', role: 'owner' as const, local: true };
    thread.handle({ type: 'session.copilotState', sessionId: 's1', enabled: false, by } as never);
    expect(thread.enabled).toBe(false);
  });
});

describe('questions to the language model', () => {
  const preview = {
    endpoint: 'http://127.0.0.1:1/v1',
    model: 'm',
    messages: [],
    redacted: {},
    consented: false,
  };
  const consentError = Object.assign(new Error('agree first'), {
    code: 'bad_request',
    details: { needsConsent: true },
  });

  it('falls back to the preview when the agent forgot the consent (it restarted)', async () => {
    let restarted = false;
    const transport = new FakeTransport(async (type) => {
      if (type === 'copilot.preview') return preview;
      if (restarted) throw consentError;
      return { entry: entry(8, { action: 'question' }) };
    });
    const thread = new CopilotThread(
      transport,
      () => 's1',
      () => undefined,
    );
    await thread.send('first', true);
    restarted = true;
    await thread.question('second');
    expect(thread.preview?.question).toBe('second');
    expect(thread.error).toBeUndefined();
    expect(transport.asked.map((a) => a.type)).toEqual([
      'copilot.question',
      'copilot.question',
      'copilot.preview',
    ]);
  });

  it('drops a streaming draft when the owner turns the Copilot off', () => {
    const thread = new CopilotThread(
      new FakeTransport(async () => ({})),
      () => 's1',
      () => undefined,
    );
    thread.handle({
      type: 'session.copilotDraft',
      sessionId: 's1',
      draftId: 'd',
      question: 'q',
      askedBy: { id: 'p', name: 'P' },
      model: 'm',
      text: 'half an ans',
    });
    expect(thread.draft?.text).toBe('half an ans');
    thread.handle({
      type: 'session.copilotState',
      sessionId: 's1',
      enabled: false,
      by: {
        id: 'local:host',
        name: 'Host',
        role: 'owner',
        color: '#fff',
        typing: false,
        local: true,
        waiting: false,
      },
    });
    expect(thread.draft).toBeUndefined();
  });
});
