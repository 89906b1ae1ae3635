/**
 * The agent's loopback WebSocket for the extension's pages (native-host/agent/local-websocket.ts):
 * a real agent, real sockets. Only a ticket from the local user's own connection opens it, once,
 * and only from an extension's origin; everything else is turned away before a message is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeAgentEnv, spawnHost, type AgentEnv, type HostProcess } from '../fixtures/agent.js';

const EXTENSION_ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

interface Opened {
  socket: WebSocket;
  messages: unknown[];
  closed: Promise<{ code: number }>;
  next(test: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Opens a socket as a page would; resolves once the handshake is answered either way. */
function open(url: string, origin?: string): Promise<Opened | { refused: string }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, origin === undefined ? {} : { origin });
    const messages: unknown[] = [];
    const waiters: {
      test: (m: Record<string, unknown>) => boolean;
      resolve: (m: never) => void;
    }[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      messages.push(message);
      for (const waiter of [...waiters]) {
        if (waiter.test(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message as never);
        }
      }
    });
    const closed = new Promise<{ code: number }>((done) =>
      socket.on('close', (code) => done({ code })),
    );
    socket.on('error', (error) => resolve({ refused: error.message }));
    socket.on('open', () =>
      resolve({
        socket,
        messages,
        closed,
        next: (test) =>
          new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error('no such message')), 10_000);
            waiters.push({
              test,
              resolve: (m: never) => {
                clearTimeout(timer);
                done(m);
              },
            });
          }),
      }),
    );
  });
}

function opened(result: Opened | { refused: string }): Opened {
  if ('refused' in result) throw new Error(`refused: ${result.refused}`);
  return result;
}

describe("the agent's local socket", () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;

  beforeAll(() => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
  });
  afterAll(async () => {
    await host.close();
    await agentEnv.cleanup();
  });

  const ticket = () => host.client.request('agent.link', {});

  it('carries the protocol for a page holding a ticket, on loopback only', async () => {
    const { url, token, expiresInMs } = await ticket();
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/agent$/);
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(expiresInMs).toBeLessThanOrEqual(30_000);
    const page = opened(await open(url, EXTENSION_ORIGIN));
    page.socket.send(token);
    await page.next((m) => m.type === 'ready');
    page.socket.send(
      JSON.stringify({ v: 1, type: 'hello', id: 1, client: { name: 't' }, protocol: 1 }),
    );
    expect(await page.next((m) => m.id === 1)).toMatchObject({ ok: true });
    page.socket.send(
      JSON.stringify({
        v: 1,
        type: 'session.open',
        id: 2,
        device: { kind: 'echo' },
        cols: 80,
        rows: 24,
      }),
    );
    const reply = await page.next((m) => m.id === 2);
    const sessionId = (reply.result as { sessionId: string }).sessionId;
    page.socket.send(JSON.stringify({ v: 1, type: 'session.attach', id: 3, sessionId }));
    await page.next((m) => m.id === 3);
    page.socket.send(
      JSON.stringify({ v: 1, type: 'session.input', sessionId, data: 'over the socket' }),
    );
    await page.next(
      (m) => m.type === 'session.output' && String(m.data).includes('over the socket'),
    );
    // A bad message gets an error reply, not a hang-up.
    page.socket.send('{not json');
    expect(await page.next((m) => m.ok === false)).toMatchObject({
      error: { code: 'bad_request' },
    });
    page.socket.send(JSON.stringify({ v: 1, type: 'session.close', id: 4, sessionId }));
    await page.next((m) => m.id === 4);
    page.socket.close();
  });

  it('turns away web pages and clients without an extension origin', async () => {
    const { url, token } = await ticket();
    for (const origin of [undefined, 'https://evil.example', 'http://127.0.0.1:8080', 'null']) {
      const result = await open(url, origin);
      expect(result, `origin ${String(origin)}`).toHaveProperty('refused');
    }
    // The ticket was never used: the real page still gets in with it.
    const page = opened(await open(url, EXTENSION_ORIGIN));
    page.socket.send(token);
    await page.next((m) => m.type === 'ready');
    page.socket.close();
  });

  it('opens once per ticket, and never for a wrong, binary or missing token', async () => {
    const { url, token } = await ticket();
    const first = opened(await open(url, EXTENSION_ORIGIN));
    first.socket.send(token);
    await first.next((m) => m.type === 'ready');

    const again = opened(await open(url, EXTENSION_ORIGIN));
    again.socket.send(token);
    expect((await again.closed).code).toBe(4401);

    const guessed = opened(await open(url, EXTENSION_ORIGIN));
    guessed.socket.send(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'));
    expect((await guessed.closed).code).toBe(4401);

    // A request instead of a token is not read as one.
    const { token: fresh } = await ticket();
    const asked = opened(await open(url, EXTENSION_ORIGIN));
    asked.socket.send(JSON.stringify({ v: 1, type: 'session.list', id: 1, token: fresh }));
    expect((await asked.closed).code).toBe(4401);
    expect(asked.messages).toEqual([]);

    const binary = opened(await open(url, EXTENSION_ORIGIN));
    binary.socket.send(Buffer.from(fresh));
    expect((await binary.closed).code).toBe(4401);

    const silent = opened(await open(url, EXTENSION_ORIGIN));
    const started = Date.now();
    expect((await silent.closed).code).toBe(4401);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(silent.messages).toEqual([]);
    first.socket.close();
  });
});
