import { describe, expect, it } from 'vitest';
import type { NativePort } from './agent-link.js';
import { FastPort } from './fast-port.js';

class FakeNative implements NativePort {
  sent: Record<string, unknown>[] = [];
  disconnected = false;
  private messageListeners: ((m: unknown) => void)[] = [];
  private disconnectListeners: (() => void)[] = [];
  onMessage = { addListener: (l: (m: unknown) => void) => void this.messageListeners.push(l) };
  onDisconnect = { addListener: (l: () => void) => void this.disconnectListeners.push(l) };
  postMessage(message: unknown): void {
    this.sent.push(message as Record<string, unknown>);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  receive(message: unknown): void {
    for (const l of this.messageListeners) l(message);
  }
}

/** The slice of a browser WebSocket FastPort uses. */
class FakeSocket {
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.onclose?.({ code: 1000 });
  }
}

function setup() {
  const native = new FakeNative();
  const sockets: FakeSocket[] = [];
  const port = new FastPort(
    () => native,
    (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  );
  const received: unknown[] = [];
  port.onMessage.addListener((m) => received.push(m));
  return { native, sockets, port, received };
}

const TICKET = { url: 'ws://127.0.0.1:4242/agent', token: 't'.repeat(43), expiresInMs: 30_000 };

describe('FastPort', () => {
  it('moves to the socket with the ticket, in order, and lets the native port go', () => {
    const { native, sockets, port, received } = setup();
    expect(native.sent[0]).toMatchObject({ type: 'agent.link', id: 0 });
    port.postMessage({ type: 'hello', id: 1 });
    native.receive({ type: 'reply', id: 0, ok: true, result: TICKET });
    const [socket] = sockets;
    if (socket === undefined) throw new Error('no socket');
    socket.onopen?.();
    expect(socket.sent).toEqual([TICKET.token]);
    port.postMessage({ type: 'session.list', id: 2 });
    socket.onmessage?.({ data: '{"type":"ready"}' });
    expect(port.state).toBe('socket');
    expect(socket.sent.slice(1).map((s) => JSON.parse(s).id)).toEqual([1, 2]);
    expect(native.disconnected).toBe(true);
    socket.onmessage?.({ data: '{"type":"reply","id":1,"ok":true}' });
    expect(received).toEqual([{ type: 'reply', id: 1, ok: true }]);
  });

  it('stays on native messaging when the agent has no ticket, and sends what waited there', () => {
    const { native, sockets, port } = setup();
    port.postMessage({ type: 'hello', id: 1 });
    native.receive({
      type: 'reply',
      id: 0,
      ok: false,
      error: { code: 'bad_request', message: 'x' },
    });
    expect(port.state).toBe('native');
    expect(sockets).toEqual([]);
    expect(native.sent.map((m) => m.type)).toEqual(['agent.link', 'hello']);
  });

  it('never sends a token anywhere but loopback', () => {
    const { native, sockets, port } = setup();
    native.receive({
      type: 'reply',
      id: 0,
      ok: true,
      result: { ...TICKET, url: 'ws://evil.example:4242/agent' },
    });
    expect(sockets).toEqual([]);
    expect(port.state).toBe('native');
  });

  it('stays native when the socket closes before it is ready', () => {
    const { native, sockets, port } = setup();
    port.postMessage({ type: 'hello', id: 1 });
    native.receive({ type: 'reply', id: 0, ok: true, result: TICKET });
    sockets[0]?.onclose?.({ code: 4401 });
    expect(port.state).toBe('native');
    expect(native.sent.map((m) => m.type)).toEqual(['agent.link', 'hello']);
    expect(native.disconnected).toBe(false);
  });
});
