import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { guestAssets, type GuestAsset } from './guest-assets.js';

/** Where the guest page is served: the invite link's path, and the bare relay address. */
const PAGE_PATHS = new Set(['/', '/join', '/guest.html']);

/** A Host header we are willing to echo into a policy: a host name or address and a port. */
const HOST_HEADER = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The page's Content-Security-Policy. The guest page holds an invite secret in its fragment and
 * a live terminal: no script but its own files may run (no inline script, no eval), it talks
 * only to the relay it came from (HTTP for PeerJS, WebSocket for signalling; WebRTC itself is
 * not fetched), and no other site may frame it. Styles allow inline because xterm.js and React
 * set them at run time; a style cannot run code.
 */
export function guestPagePolicy(hostHeader: string | undefined): string {
  const self =
    hostHeader !== undefined && HOST_HEADER.test(hostHeader)
      ? ` ws://${hostHeader} wss://${hostHeader}`
      : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${self}`,
    "media-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The headers every guest page response carries. */
function securityHeaders(request: http.IncomingMessage): Record<string, string> {
  return {
    'content-security-policy': guestPagePolicy(request.headers.host),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-cache',
  };
}

/**
 * Serves the guest page and the files it loads (see guestAssets), nothing else: every other
 * path is a 404 that names no file. The list is read again whenever guest.html changes (a new
 * build while the relay runs names new chunks).
 */
export class GuestPage {
  private assets = new Map<string, GuestAsset>();
  private readFrom = -1;

  constructor(private readonly root: string | undefined) {}

  private current(): Map<string, GuestAsset> {
    if (this.root === undefined) return this.assets;
    let changed: number;
    try {
      changed = fs.statSync(path.join(this.root, 'guest.html')).mtimeMs;
    } catch {
      changed = -1;
    }
    if (changed !== this.readFrom) {
      this.assets = changed === -1 ? new Map() : guestAssets(this.root);
      this.readFrom = changed;
    }
    return this.assets;
  }

  handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const pathname = new URL(request.url ?? '/', 'http://relay').pathname;
    const assets = this.current();
    const asset = assets.get(PAGE_PATHS.has(pathname) ? '/guest.html' : pathname);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      plain(response, 405, 'Only GET is served here');
      return;
    }
    if (asset === undefined) {
      plain(response, 404, assets.size > 0 ? 'Not found' : 'No guest page on this relay');
      return;
    }
    fs.readFile(asset.file, (error, body) => {
      if (error !== null) {
        plain(response, 404, 'Not found');
        return;
      }
      response.writeHead(200, { 'content-type': asset.type, ...securityHeaders(request) });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
  }
}

function plain(response: http.ServerResponse, status: number, message: string): void {
  response
    .writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
    })
    .end(message);
}
