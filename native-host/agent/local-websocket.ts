import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, errorReply } from '../../protocol/index.js';
import type { Logger } from '../log.js';
import { MAX_UNREAD_BYTES, jsonLink } from './connection.js';
import type { ClientLink } from './link.js';

/** How long a token may wait for its socket; it works once. */
export const LOCAL_TOKEN_TTL_MS = 30_000;
/** A socket that has not shown a valid token by then is closed. */
const AUTH_TIMEOUT_MS = 5000;
/** Tokens not yet used, and sockets not yet through the door, at most. */
const MAX_TOKENS = 32;
const MAX_WAITING_SOCKETS = 16;
/** Close codes a refused socket gets (4000–4999 are the application's). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_BUSY = 4429;

/** Where a page may open its socket, and the token that opens it once. */
export interface LocalSocketTicket {
  url: string;
  token: string;
  expiresInMs: number;
}

export interface LocalSocketHost {
  handlerFor(link: ClientLink): (value: unknown) => void;
  disconnect(link: ClientLink): void;
}

/**
 * The extension pages' fast path to the agent: a WebSocket on 127.0.0.1 carrying the same JSON
 * messages as the native port, one per WebSocket message.
 *
 * Why: Chrome's native messaging tops out at ~5 MB/s here (each message is read from the
 * host's pipe, parsed and re-serialized in the browser), a terminal flood's ceiling; a loopback
 * WebSocket carries ~13 MB/s and needs no host process (docs/performance.md).
 *
 * Who gets in: only a page that holds a token, and a token comes only over the native port or
 * the agent's 0600 socket, i.e. to the local user (`agent.link`, refused to every remote
 * participant). A token is 256 random bits, works once and for 30 s. The Origin must be an
 * extension's, so no web page can use the socket even by guessing; anything else on the
 * machine can connect to the port but gets nowhere without a token. The first message must be
 * the token; anything else closes the socket.
 */
export class LocalWebSockets {
  private readonly tokens = new Map<string, number>();
  private server: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private listening: Promise<number> | undefined;
  private waiting = 0;

  constructor(
    private readonly host: LocalSocketHost,
    private readonly logger: Logger,
  ) {}

  /** A ticket for one socket; starts the listener the first time. */
  async issue(): Promise<LocalSocketTicket> {
    const port = await this.listen();
    const now = Date.now();
    for (const [token, expires] of this.tokens) if (expires <= now) this.tokens.delete(token);
    if (this.tokens.size >= MAX_TOKENS) {
      // The oldest goes: a page that asked and never came must not lock the door.
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, now + LOCAL_TOKEN_TTL_MS);
    return { url: `ws://127.0.0.1:${port}/agent`, token, expiresInMs: LOCAL_TOKEN_TTL_MS };
  }

  close(): void {
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    this.server?.close();
    this.tokens.clear();
  }

  private listen(): Promise<number> {
    this.listening ??= new Promise<number>((resolve, reject) => {
      const server = http.createServer((_request, response) => {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      });
      const wss = new WebSocketServer({
        server,
        path: '/agent',
        maxPayload: MAX_FRAME_BYTES,
        perMessageDeflate: false,
        verifyClient: ({ origin }: { origin: string | undefined }) => isExtensionOrigin(origin),
      });
      wss.on('connection', (socket) => this.admit(socket));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this.server = server;
        this.wss = wss;
        const port = (server.address() as AddressInfo).port;
        this.logger.info('local_socket.listening', { port });
        resolve(port);
      });
    }).catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  private admit(socket: WebSocket): void {
    if (this.waiting >= MAX_WAITING_SOCKETS) {
      socket.close(CLOSE_BUSY, 'busy');
      return;
    }
    this.waiting += 1;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      this.waiting -= 1;
      clearTimeout(timer);
    };
    const refuse = (why: string): void => {
      settle();
      this.logger.warn('local_socket.refused', { why });
      socket.close(CLOSE_UNAUTHORIZED, 'unauthorized');
    };
    const timer = setTimeout(() => refuse('no token in time'), AUTH_TIMEOUT_MS);
    socket.on('error', () => socket.terminate());
    socket.on('close', settle);
    socket.once('message', (data, isBinary) => {
      if (isBinary || !this.redeem(data.toString())) {
        refuse('bad token');
        return;
      }
      settle();
      this.serve(socket);
    });
  }

  /** The token, once: true if it was issued, unused and unexpired. */
  private redeem(presented: string): boolean {
    const given = Buffer.from(presented);
    for (const [token, expires] of this.tokens) {
      const expected = Buffer.from(token);
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        this.tokens.delete(token);
        return expires > Date.now();
      }
    }
    return false;
  }

  private serve(socket: WebSocket): void {
    const send = (json: string, type: string): void => {
      if (socket.readyState !== socket.OPEN) return;
      if (Buffer.byteLength(json) > MAX_FRAME_BYTES) {
        this.logger.error('frame.too_large', { type });
        return;
      }
      socket.send(json);
      if (socket.bufferedAmount > MAX_UNREAD_BYTES) {
        this.logger.warn('client.not_reading', { client: link.id, bytes: socket.bufferedAmount });
        socket.terminate();
      }
    };
    const link = jsonLink({ role: 'owner', local: true, close: () => socket.close() }, send);
    this.logger.info('client.connected', { client: link.id, role: link.role, via: 'websocket' });
    const handle = this.host.handlerFor(link);
    socket.send(JSON.stringify({ type: 'ready' }));
    socket.on('message', (data, isBinary) => {
      let value: unknown;
      try {
        value = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        value = undefined;
      }
      if (value === undefined) {
        link.send(errorReply(null, { code: 'bad_request', message: 'Messages are JSON text' }));
        return;
      }
      handle(value);
    });
    socket.on('close', () => {
      this.logger.info('client.disconnected', { client: link.id });
      this.host.disconnect(link);
    });
  }
}

/** chrome-extension:// (Chrome, Edge) or moz-extension:// — never a web page. */
export function isExtensionOrigin(origin: string | undefined): boolean {
  return origin !== undefined && /^(chrome|moz)-extension:\/\/[a-z0-9-]+$/i.test(origin);
}
