/**
 * The relay as a stranger meets it: the built `tandem-relay` process on loopback, reached with
 * raw sockets, WebSockets and HTTP requests that carry no secret. Each test tries one abuse and
 * expects the relay to refuse it and stay up.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRelay } from '../../relay/relay.js';
import { REPO_ROOT, makeAgentEnv, spawnHost } from '../fixtures/agent.js';
import { selfSignedCert } from '../fixtures/team-relay.js';

const RELAY_SCRIPT = path.join(REPO_ROOT, 'relay/dist/relay.js');

interface RelayProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  url: string;
  stderr: () => string;
  stop(): Promise<void>;
}

async function spawnRelay(args: string[]): Promise<RelayProcess> {
  const child = spawn(process.execPath, [RELAY_SCRIPT, ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`relay exited (${String(code)}): ${stderr}`)));
  });
  const { port, url } = JSON.parse(line) as { port: number; url: string };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    port,
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) * 1024;
}

/** Registers a PeerJS client with the relay, as the agent and every participant do. */
function register(port: number, id: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/peer/peerjs?key=peerjs&id=${id}&token=t`);
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => {
      const first = JSON.parse(String(data)) as { type: string };
      if (first.type === 'OPEN') resolve(socket);
      else reject(new Error(`relay said ${String(data)}`));
    });
    socket.once('error', reject);
  });
}

function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) resolve(1006);
    socket.once('close', (code) => resolve(code));
  });
}

/** A miniature extension build: the guest page with its files, and pages guests must not get. */
function makeBuild(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-relay-build-'));
  const files: Record<string, string> = {
    'guest.html':
      '<!doctype html><html><head>' +
      '<script type="module" crossorigin src="/chunks/guest-A1.js"></script>' +
      '<link rel="modulepreload" crossorigin href="/chunks/runtime-B2.js">' +
      '<link rel="stylesheet" crossorigin href="/assets/guest-C3.css">' +
      '</head><body><div id="root"></div></body></html>',
    'chunks/guest-A1.js':
      'import{a}from"./runtime-B2.js";import"./xterm-D4.js";const l=()=>import("./lazy-E5.js");',
    'chunks/runtime-B2.js': 'export const a=1;',
    'chunks/xterm-D4.js': 'export const x=2;',
    'chunks/lazy-E5.js': 'export const y=3;',
    'assets/guest-C3.css': '@font-face{src:url(../assets/font-F6.woff2)}body{color:red}',
    'assets/font-F6.woff2': 'wOF2',
    'sidepanel.html': '<script type="module" src="/chunks/sidepanel-G7.js"></script>',
    'chunks/sidepanel-G7.js': 'export const secret="side panel";',
    'replay.html': '<html></html>',
    'background.js': 'chrome.runtime;',
    'manifest.json': '{"key":"extension key"}',
    'assets/timeline-H8.css': 'a{}',
  };
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), body);
  }
  return root;
}

describe('the relay against strangers', () => {
  let build: string;
  let relay: RelayProcess;

  beforeAll(async () => {
    build = makeBuild();
    relay = await spawnRelay(['--static', build]);
  });
  afterAll(async () => {
    await relay.stop();
    fs.rmSync(build, { recursive: true, force: true });
  });

  it('closes WebSockets that send 90 MiB messages, and its memory stays flat', async () => {
    const before = rssBytes(relay.child.pid ?? 0);
    // Three in a row. Before the cap one message took the relay from 63 to 940 MiB.
    for (let i = 0; i < 3; i++) {
      const socket = await register(relay.port, `big-${i}-${Date.now()}`);
      socket.on('error', () => {});
      const code = closed(socket);
      socket.send(Buffer.alloc(90 * 1024 * 1024, 0x61));
      // 1009 (message too big) when the close frame arrives before the socket is dropped.
      expect([1006, 1009]).toContain(await code);
    }
    const after = rssBytes(relay.child.pid ?? 0);
    expect(after - before).toBeLessThan(16 * 1024 * 1024);
    // Still serving everyone else.
    const next = await register(relay.port, `after-big-${Date.now()}`);
    next.close();
    expect(relay.child.exitCode).toBeNull();
  });

  it('survives a WebSocket message that is not JSON', async () => {
    const socket = await register(relay.port, `junk-${Date.now()}`);
    socket.send('this is not json');
    socket.send('{"type":');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(relay.child.exitCode).toBeNull();
    const next = await register(relay.port, `after-junk-${Date.now()}`);
    next.close();
    socket.close();
  });

  it('turns away connections over the per-address cap with a 503 that says why', async () => {
    const held: net.Socket[] = [];
    const open = (): Promise<net.Socket> =>
      new Promise((resolve, reject) => {
        const socket = net.connect(relay.port, '127.0.0.1', () => resolve(socket));
        socket.on('error', reject);
      });
    try {
      for (let i = 0; i < 128; i++) held.push(await open());
      const extra = await open();
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        extra.on('data', (data: Buffer) => (text += data.toString()));
        extra.on('close', () => resolve(text));
        extra.write('GET /join HTTP/1.1\r\nhost: relay\r\n\r\n');
      });
      expect(answer).toMatch(/^HTTP\/1\.1 503/);
      expect(answer).toContain('Too many connections from your address');
    } finally {
      for (const socket of held) socket.destroy();
    }
    // Once they are gone, the address gets in again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const response = await fetch(`${relay.url}/join`);
    expect(response.status).toBe(200);
  });

  it('drops a connection that sends nothing within 10 s', async () => {
    const socket = net.connect(relay.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const opened = Date.now();
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const held = Date.now() - opened;
    expect(held).toBeGreaterThanOrEqual(9_000);
    expect(held).toBeLessThan(13_000);
  });

  it('answers malformed and unknown requests without stack traces or paths', async () => {
    const probes: [string, RequestInit?][] = [
      ['/%zz'],
      ['/peer/%zz'],
      ['/peer/peerjs/%E0%A4%A'],
      ['/chunks/%00'],
      ['/no/such/file.js'],
      [
        '/peer/peerjs/id/x/offer',
        { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } },
      ],
      ['/join', { method: 'POST', body: 'x' }],
    ];
    for (const [probe, init] of probes) {
      const response = await fetch(relay.url + probe, init);
      const body = await response.text();
      expect(response.status, probe).toBeGreaterThanOrEqual(400);
      expect(body, probe).not.toMatch(/\bat\s|Error|node_modules|\/work\/|\/tmp\/|\/home\//);
      expect(body, probe).not.toContain(REPO_ROOT);
      expect(body, probe).not.toContain(build);
    }
    expect(relay.child.exitCode).toBeNull();
  });

  it('serves the guest page and only the files it loads; everything else in the build is 404', async () => {
    for (const wanted of [
      '/join',
      '/',
      '/chunks/guest-A1.js',
      '/chunks/runtime-B2.js',
      '/chunks/xterm-D4.js',
      '/chunks/lazy-E5.js',
      '/assets/guest-C3.css',
      '/assets/font-F6.woff2',
    ]) {
      expect((await fetch(relay.url + wanted)).status, wanted).toBe(200);
    }
    for (const other of [
      '/sidepanel.html',
      '/chunks/sidepanel-G7.js',
      '/replay.html',
      '/background.js',
      '/manifest.json',
      '/assets/timeline-H8.css',
      '/chunks/',
      '/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      const response = await fetch(relay.url + other);
      expect(response.status, other).toBe(404);
      expect(await response.text(), other).not.toContain('side panel');
    }
  });

  it('gives the guest page a strict Content-Security-Policy', async () => {
    const response = await fetch(`${relay.url}/join`);
    const policy = response.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      policy.split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual([
      "'self'",
      `ws://127.0.0.1:${relay.port}`,
      `wss://127.0.0.1:${relay.port}`,
    ]);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // Scripts carry it too (a worker or a page opened on a script URL gets no looser policy).
    const script = await fetch(`${relay.url}/chunks/guest-A1.js`);
    expect(script.headers.get('content-security-policy')).toBe(policy);
  });
});

describe('a relay whose guest page is rebuilt while it runs', () => {
  it("serves the new build's files and no longer the old ones", async () => {
    const build = makeBuild();
    const relay = await startRelay({ staticDir: build });
    try {
      expect((await fetch(`${relay.url}/chunks/guest-A1.js`)).status).toBe(200);
      fs.writeFileSync(path.join(build, 'chunks/guest-Z9.js'), 'export const z=9;');
      fs.writeFileSync(
        path.join(build, 'guest.html'),
        '<script type="module" src="/chunks/guest-Z9.js"></script>',
      );
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(path.join(build, 'guest.html'), later, later);
      expect((await fetch(`${relay.url}/chunks/guest-Z9.js`)).status).toBe(200);
      expect((await fetch(`${relay.url}/chunks/guest-A1.js`)).status).toBe(404);
    } finally {
      await relay.close();
      fs.rmSync(build, { recursive: true, force: true });
    }
  });
});

describe('a relay with a small total cap', () => {
  it('turns away connections over the total, whatever their address', async () => {
    const relay = await startRelay({ limits: { maxConnections: 3 } });
    const held: WebSocket[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(await register(relay.port, `cap-${i}`));
      await expect(register(relay.port, 'cap-over')).rejects.toThrow(/503/);
      held.pop()?.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      held.push(await register(relay.port, 'cap-again'));
    } finally {
      for (const socket of held) socket.close();
      await relay.close();
    }
  });
});

describe('a relay on a network address', () => {
  it('warns on stderr when it serves without TLS, and not with TLS or on loopback', async () => {
    // Binding 0.0.0.0 is the opt-in being tested; nothing connects to anything but loopback.
    const plain = await spawnRelay(['--host', '0.0.0.0']);
    await plain.stop();
    expect(plain.stderr()).toMatch(/warning: .*0\.0\.0\.0 without TLS/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-relay-tls-'));
    try {
      const { cert, key } = await selfSignedCert(dir);
      const secure = await spawnRelay(['--host', '0.0.0.0', '--tls-cert', cert, '--tls-key', key]);
      expect(secure.url).toMatch(/^https:\/\//);
      await secure.stop();
      expect(secure.stderr()).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const loopback = await spawnRelay([]);
    await loopback.stop();
    expect(loopback.stderr()).toBe('');
  });
});

describe("the agent's embedded relay on a network address", () => {
  it('is logged as insecure in the agent log', async () => {
    const agentEnv = makeAgentEnv();
    const config = path.join(agentEnv.env.XDG_CONFIG_HOME ?? '', 'tandem');
    fs.mkdirSync(config, { recursive: true });
    // The user's opt-in to a LAN address; nothing here connects anywhere but loopback.
    fs.writeFileSync(path.join(config, 'sharing.json'), JSON.stringify({ host: '0.0.0.0' }));
    const host = spawnHost(agentEnv.env);
    try {
      const { sessionId } = await host.client.request('session.open', {
        device: { kind: 'echo' },
        cols: 80,
        rows: 24,
      });
      await host.client.request('invite.create', { sessionId, role: 'viewer' });
      const logFile = path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem', 'agent.log');
      let line: string | undefined;
      for (let i = 0; i < 100 && line === undefined; i++) {
        line = fs
          .readFileSync(logFile, 'utf8')
          .split('\n')
          .find((l) => l.includes('"relay.insecure"'));
        if (line === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(line).toBeDefined();
      expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'warn', host: '0.0.0.0' });
    } finally {
      await host.close();
      await agentEnv.cleanup();
    }
  });
});
