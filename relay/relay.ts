import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer, type WebSocket } from 'ws';
import { verifyRegistration } from './peer-ids.js';
import { isLoopbackHost } from '../protocol/hosts.js';
import { GuestPage } from './guest-page.js';
import { ConnectionGuard, DEFAULT_RELAY_LIMITS, type RelayLimits } from './limits.js';
import { PRESENCE_PATH, type IceServer } from '../protocol/team.js';
import type { Cluster } from './team/cluster.js';
import type { Directory } from './team/directory.js';
import { silentLog, type Log } from './team/log.js';
import { PresenceHub } from './team/presence-hub.js';
import { RateLimiter } from './team/rate.js';
import { teamRouter } from './team/team-api.js';
import { iceServersFor, type TurnConfig } from './team/turn.js';

export interface RelayOptions {
  /** 127.0.0.1 by default; a LAN address is an explicit opt-in by the user. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Folder with the guest join page (guest.html and its assets), served at `/`. */
  staticDir?: string;
  /** Serve HTTPS and WSS with this certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  limits?: Partial<RelayLimits>;
  /** Where a warning about how the relay is exposed goes (stderr by default). */
  warn?: (message: string) => void;
  /** A team relay: directory, presence and the member API (`tandem-relay serve`). */
  team?: TeamOptions;
}

export interface TeamOptions {
  directory: Directory;
  storeKind: string;
  /** The address members reach the relay at, if not the one it listens on (a proxy). */
  publicUrl?: string;
  iceServers?: IceServer[];
  log?: Log;
  /** Presence: no beat for this long is offline (30 s). */
  presenceTimeoutMs?: number;
  /** Replicas: presence and signalling shared through Redis (docs/relay.md, "Scale-out"). */
  cluster?: Cluster;
  /** Whether the store answers now, for /health. */
  storeHealthy?: () => Promise<boolean>;
  /** TURN with credentials by the REST API scheme (turn.ts), handed out fresh. */
  turn?: TurnConfig;
  /** "relay": members and guests are told to send everything through TURN. */
  icePolicy?: 'all' | 'relay';
}

export interface Relay {
  host: string;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:9443 — PeerJS signalling lives at `${url}/peer`. */
  url: string;
  /** The team relay's presence hub, when it is one. */
  presence?: PresenceHub;
  close(): Promise<void>;
}

export const PEER_PATH = '/peer';

/**
 * What a relay without TLS on a network address exposes, said once at start: signalling in
 * clear text (who connects to whom, SDP with addresses), and a guest page anyone on the path
 * can swap for one that reads the invite secret.
 */
export function insecureRelayWarning(host: string): string {
  return (
    `The relay listens on ${host} without TLS: anyone on the network path can read signalling ` +
    'and change the guest page it serves. Give it a certificate (--tls-cert, --tls-key) or put ' +
    'it behind an HTTPS reverse proxy.'
  );
}

/**
 * The relay: PeerJS signalling (the `peer` package) plus the guest join page. A team runs one
 * on a server; the agent runs one on 127.0.0.1 when no team relay is configured.
 *
 * Anyone can reach it without a secret, so it caps what it holds (connections, message size;
 * see limits.ts), serves only the guest page's own files, and never answers with a stack trace.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const limits: RelayLimits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
  const app = express();
  app.disable('x-powered-by');
  // Express's default error page shows the stack (with absolute paths) outside "production".
  app.set('env', 'production');
  // A connection that is slow to send its headers (or a body) is dropped (checked every
  // second), so slow sockets cannot sit on the connection caps for minutes; see also limits.ts.
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs * 3,
    connectionsCheckingInterval: 1000,
  };
  const server =
    options.tls === undefined
      ? http.createServer(serverOptions, app)
      : https.createServer({ ...serverOptions, ...options.tls }, app);
  const guard = new ConnectionGuard(limits);
  guard.attach(server);
  let peerSockets: WebSocketServer | undefined;
  const cluster = options.team?.cluster;
  // PeerJS ids connected to this process (for replicas: the others learn them through Redis).
  const localPeers = new Map<string, WebSocket>();
  const peerServer = ExpressPeerServer(server, {
    path: '/',
    allow_discovery: false,
    concurrent_limit: limits.maxConnections,
    createWebSocketServer: (wsOptions) => {
      // An agent's peer id is bound to its token: see peer-ids.ts. Upgrades are routed below
      // (a server-bound ws answers every other path with a 400).
      const { server: _server, ...rest } = wsOptions;
      const wss = new WebSocketServer({
        ...rest,
        noServer: true,
        maxPayload: limits.maxPayloadBytes,
        verifyClient: verifyRegistration,
      });
      wss.on('connection', (socket, request: http.IncomingMessage) => {
        trackPeer(socket, request);
        // On an error (an oversize message) ws sends its close frame and then keeps reading,
        // and discarding, whatever the sender still pushes until the close handshake ends: a
        // 90 MiB message still went through the relay's buffers (+35 MiB resident). Once the
        // close frame is on its way, drop the socket.
        socket.on('error', () => setImmediate(() => socket.terminate()));
      });
      peerSockets = wss;
      return wss;
    },
  });
  /**
   * Which PeerJS ids are connected here (a guest's ICE is only for a live session). With
   * replicas, the others learn them through Redis, and a signalling message for a peer on
   * another replica goes there instead of into this process's PeerJS server (which would
   * queue it and answer EXPIRE): this runs before the PeerJS server's own listeners.
   */
  const trackPeer = (socket: WebSocket, request: http.IncomingMessage): void => {
    const id = new URL(request.url ?? '/', 'http://relay').searchParams.get('id') ?? '';
    // The PeerJS server has refused a taken id by the time this runs (same tick, after us).
    setImmediate(() => {
      if (socket.readyState !== socket.OPEN || localPeers.has(id)) return;
      localPeers.set(id, socket);
      cluster?.announcePeers([id], []);
      socket.once('close', () => {
        if (localPeers.get(id) !== socket) return;
        localPeers.delete(id);
        cluster?.announcePeers([], [id]);
      });
    });
    if (cluster === undefined) return;
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string, ...args: unknown[]): boolean => {
      if (event === 'message' && localPeers.get(id) === socket) {
        const forwarded = forward(id, args[0]);
        if (forwarded) return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
  };
  const forward = (src: string, data: unknown): boolean => {
    if (cluster === undefined) return false;
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      return false;
    }
    if (typeof message !== 'object' || message === null || !('dst' in message)) return false;
    const { dst } = message;
    if (typeof dst !== 'string' || localPeers.has(dst)) return false;
    const replica = cluster.peerReplica(dst);
    if (replica === undefined) return false;
    cluster.signal(replica, dst, JSON.stringify({ ...message, src }));
    return true;
  };
  // The `peer` package re-emits every socket error and every message it cannot parse as an
  // 'error' event; without a listener one bad WebSocket message from anyone killed the relay.
  // They concern that one socket (ws has closed it if it was too big), not the relay.
  peerServer.on('error', () => {});
  const team = options.team;
  const log = team?.log ?? silentLog;
  // Bad member tokens per address, on the API and the presence socket alike.
  const authFailures = new RateLimiter(20, 3000);
  const presence =
    team === undefined
      ? undefined
      : new PresenceHub(team.directory, log, {
          authFailures,
          ...(team.presenceTimeoutMs === undefined ? {} : { timeoutMs: team.presenceTimeoutMs }),
          ...(cluster === undefined ? {} : { cluster }),
        });
  if (cluster !== undefined && presence !== undefined) {
    await cluster.start(
      { members: () => presence.localPresence(), peers: () => [...localPeers.keys()] },
      {
        presence: (memberId, orgId) => presence.remoteChanged(memberId, orgId),
        deliver: (to, orgId, message) => presence.deliverLocal(to, orgId, message),
        directory: (orgId) => void presence.directoryChanged(orgId, true),
        signal: (dst, text) => {
          const socket = localPeers.get(dst);
          if (socket !== undefined && socket.readyState === socket.OPEN) socket.send(text);
        },
      },
    );
  }
  // Signalling connections per address on a team relay: each is a join attempt.
  const joins = team === undefined ? undefined : new RateLimiter(60, 1000);
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (request.url ?? '').split('?')[0];
    const ip = request.socket.remoteAddress ?? 'unknown';
    if (presence !== undefined && pathname === PRESENCE_PATH) {
      presence.handleUpgrade(request, socket, head, ip);
    } else if (joins !== undefined && joins.take(ip) > 0) {
      log('peer.rate_limited', { ip });
      socket.end('HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\n\r\n');
    } else if (peerSockets !== undefined) {
      const wss = peerSockets;
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    } else {
      socket.destroy();
    }
  });
  app.use(PEER_PATH, peerServer);
  const url = (port: number) =>
    `${options.tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (team !== undefined && presence !== undefined) {
    app.use(
      teamRouter({
        directory: team.directory,
        hub: presence,
        log,
        publicUrl: () => team.publicUrl ?? url((server.address() as AddressInfo).port),
        iceServers: (user) => iceServersFor(team.iceServers ?? [], team.turn, user),
        icePolicy: team.icePolicy ?? 'all',
        peerConnected: (peer) => localPeers.has(peer) || cluster?.peerReplica(peer) !== undefined,
        authFailures,
        storeKind: team.storeKind,
        ...(team.storeHealthy === undefined ? {} : { storeHealthy: team.storeHealthy }),
        ...(cluster === undefined ? {} : { cluster }),
      }),
    );
  }
  const guestPage = new GuestPage(options.staticDir);
  app.use((request, response) => guestPage.handle(request, response));
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const status =
      typeof error === 'object' &&
      error !== null &&
      'status' in error &&
      typeof error.status === 'number' &&
      error.status >= 400 &&
      error.status < 500
        ? error.status
        : 500;
    response
      .status(status)
      .type('text/plain')
      .send(status === 500 ? 'The relay failed on this request' : 'Bad request');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  if (options.tls === undefined && !isLoopbackHost(host)) {
    (options.warn ?? ((message) => process.stderr.write(message + '\n')))(
      insecureRelayWarning(host),
    );
  }
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    url: url(port),
    ...(presence === undefined ? {} : { presence }),
    close: async () => {
      // Members are told to reconnect (to another replica, behind a balancer) before the
      // others hear goodbye, so they keep showing them online through the handover.
      presence?.handOver();
      await cluster?.close();
      await new Promise<void>((resolve) => {
        presence?.close();
        server.close(() => resolve());
        guard.closeAll();
      });
    },
  };
}
