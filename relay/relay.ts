import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer } from 'ws';
import { verifyRegistration } from './peer-ids.js';

export interface RelayOptions {
  /** 127.0.0.1 by default; a LAN address is an explicit opt-in by the user. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Folder with the guest join page (guest.html and its assets), served at `/`. */
  staticDir?: string;
}

export interface Relay {
  host: string;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:9443 — PeerJS signalling lives at `${url}/peer`. */
  url: string;
  close(): Promise<void>;
}

export const PEER_PATH = '/peer';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Serves files under `root` only; `/` and `/join` are the guest page. */
function serveStatic(
  root: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): void {
  const url = new URL(request.url ?? '/', 'http://relay');
  const wanted = url.pathname === '/' || url.pathname === '/join' ? '/guest.html' : url.pathname;
  const file = path.resolve(root, '.' + decodeURIComponent(wanted));
  if (!file.startsWith(path.resolve(root) + path.sep)) {
    response.writeHead(403).end('forbidden');
    return;
  }
  fs.readFile(file, (error, body) => {
    if (error !== null) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response
      .writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      })
      .end(body);
  });
}

/**
 * The relay: PeerJS signalling (the `peer` package) plus the guest join page. A team runs one
 * on a server; the agent runs one on 127.0.0.1 when no team relay is configured.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);
  // Upgraded WebSockets are not HTTP connections any more: track sockets to close them all.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  app.use(
    PEER_PATH,
    ExpressPeerServer(server, {
      path: '/',
      allow_discovery: false,
      // An agent's peer id is bound to its token: see peer-ids.ts.
      createWebSocketServer: (wsOptions) =>
        new WebSocketServer({ ...wsOptions, verifyClient: verifyRegistration }),
    }),
  );
  app.use((request, response) => {
    if (options.staticDir === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('no guest page on this relay');
      return;
    }
    serveStatic(options.staticDir, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
