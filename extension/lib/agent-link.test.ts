import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentLink, type NativePort } from './agent-link.js';
import { Backoff } from './backoff.js';
import { LinkError } from './view-protocol.js';

/** A native port whose far end the test plays. */
class FakePort implements NativePort {
  sent: Record<string, unknown>[] = [];
  private messageListeners: ((m: unknown) => void)[] = [];
  private disconnectListeners: (() => void)[] = [];
  onMessage = { addListener: (l: (m: unknown) => void) => void this.messageListeners.push(l) };
  onDisconnect = { addListener: (l: () => void) => void this.disconnectListeners.push(l) };
  postMessage(message: unknown): void {
    if (typeof message === 'object' && message !== null) this.sent.push({ ...message });
  }
  disconnect(): void {}
  receive(message: unknown): void {
    for (const l of this.messageListeners) l(message);
  }
  drop(): void {
    for (const l of this.disconnectListeners) l();
  }
  /** Answers hello and lets the link's promise callbacks run. */
  async answerHello(): Promise<void> {
    const hello = this.sent.find((m) => m.type === 'hello');
    this.receive({
      v: 1,
      type: 'reply',
      id: hello?.id,
      ok: true,
      result: { agent: { version: '9' } },
    });
    for (let i = 0; i < 3; i++) await Promise.resolve();
  }
}

function setup(reason: () => string | undefined = () => 'Native host has exited.') {
  const ports: FakePort[] = [];
  const link = new AgentLink({
    connect: () => {
      const port = new FakePort();
      ports.push(port);
      return port;
    },
    disconnectReason: reason,
    backoff: new Backoff(100, 1000),
  });
  link.start();
  return { link, ports };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('AgentLink', () => {
  it('says hello, then sends requests with ids and resolves their replies', async () => {
    const { link, ports } = setup();
    const port = ports[0];
    if (port === undefined) throw new Error('no port');
    await port.answerHello();
    expect(link.status).toEqual({ state: 'connected', agentVersion: '9' });
    const listed = link.request('session.list', {});
    const request = port.sent.at(-1);
    expect(request).toMatchObject({ v: 1, type: 'session.list' });
    port.receive({ v: 1, type: 'reply', id: request?.id, ok: true, result: { sessions: [] } });
    await expect(listed).resolves.toEqual({ sessions: [] });
  });

  it('rejects every pending request when the port drops, then reconnects with backoff', async () => {
    vi.useFakeTimers();
    const { link, ports } = setup();
    await ports[0]?.answerHello();
    const a = link.request('session.list', {});
    const b = link.request('serial.list', {});
    ports[0]?.drop();
    await expect(a).rejects.toBeInstanceOf(LinkError);
    await expect(b).rejects.toMatchObject({ code: 'agent_unreachable' });
    expect(link.status.state).toBe('disconnected');
    vi.advanceTimersByTime(100);
    expect(ports).toHaveLength(2);
    await ports[1]?.answerHello();
    expect(link.status.state).toBe('connected');
  });

  it('times out a request the agent never answers', async () => {
    vi.useFakeTimers();
    const { link, ports } = setup();
    await ports[0]?.answerHello();
    const pending = link.request('session.list', {}, 500);
    vi.advanceTimersByTime(501);
    await expect(pending).rejects.toMatchObject({ code: 'timeout' });
  });

  it('reports a missing host as "not installed"', () => {
    const { link, ports } = setup(() => 'Specified native messaging host not found.');
    ports[0]?.drop();
    expect(link.status.state).toBe('not_installed');
  });
});
