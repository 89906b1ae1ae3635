import type http from 'node:http';
import type { Socket } from 'node:net';

/**
 * What one relay holds for strangers. Everyone reaches a relay without a secret, so each
 * thing it keeps per connection or per message is capped here.
 */
export interface RelayLimits {
  /**
   * The largest PeerJS signalling message (an OFFER with its SDP is a few KiB). Bigger
   * messages close the socket: `ws` would otherwise buffer and parse whatever arrives (a
   * 90 MiB message took the relay from 63 to 940 MiB).
   */
  maxPayloadBytes: number;
  /** Open TCP connections (HTTP and WebSocket) in all. */
  maxConnections: number;
  /**
   * Open TCP connections from one address. Behind a reverse proxy every connection comes from
   * the proxy: raise this there and let the proxy limit per client.
   */
  maxConnectionsPerAddress: number;
  /** How long a connection may take to send a request's headers (an idle one included). */
  headersTimeoutMs: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxPayloadBytes: 64 * 1024,
  maxConnections: 2048,
  maxConnectionsPerAddress: 128,
  headersTimeoutMs: 10_000,
};

/**
 * Tracks every TCP connection (upgraded WebSockets are not HTTP connections any more, so the
 * HTTP server alone cannot count or close them) and turns away those over the caps with a
 * plain 503 that says why, before a byte of their request is read.
 */
export class ConnectionGuard {
  readonly sockets = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();
  /** Connections that have not sent a whole request yet, and when they will be dropped. */
  private readonly silent = new Map<Socket, NodeJS.Timeout>();

  constructor(private readonly limits: RelayLimits) {}

  attach(server: http.Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
    // Once a request has arrived, keep-alive (HTTP) or the PeerJS heartbeat (WebSocket) decides
    // how long the connection lives.
    server.on('request', (request: http.IncomingMessage) => this.spoke(request.socket));
    server.on('upgrade', (_request: http.IncomingMessage, socket: Socket) => this.spoke(socket));
  }

  /** A request (or upgrade) arrived: keep-alive or the PeerJS heartbeat decide from here. */
  private spoke(socket: Socket): void {
    clearTimeout(this.silent.get(socket));
    this.silent.delete(socket);
  }

  closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private admit(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (this.sockets.size >= this.limits.maxConnections) {
      refuse(socket, 'This relay is full — try again in a minute');
      return;
    }
    if (fromAddress >= this.limits.maxConnectionsPerAddress) {
      refuse(socket, 'Too many connections from your address — close some tabs and try again');
      return;
    }
    this.sockets.add(socket);
    this.perAddress.set(address, fromAddress + 1);
    // Node's header timeout starts with the first byte: a connection that sends nothing at
    // all would otherwise sit on a place under the caps for good. A timer of its own, not the
    // socket's idle timeout, which anything handling the socket may reset.
    const silent = setTimeout(() => socket.destroy(), this.limits.headersTimeoutMs);
    silent.unref();
    this.silent.set(socket, silent);
    socket.once('close', () => {
      clearTimeout(silent);
      this.silent.delete(socket);
      this.sockets.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    });
  }
}

function refuse(socket: Socket, message: string): void {
  socket.on('error', () => {});
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\n' +
      'content-type: text/plain; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(message)}\r\n` +
      'connection: close\r\n\r\n' +
      message,
  );
  // A client that does not read its answer still loses the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
