/**
 * Secrets typed at prompts, through the built agent, over a real PTY and a real socat serial
 * pair: type-ahead on a slow console, a log line mid-password, prompts in several languages,
 * serial local echo and the lock ("type a secret"). The far end is test/fixtures/slow-console.mjs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceSpec } from '../../protocol/index.js';
import { ActivityBuilder } from '../../extension/recordings/activity.js';
import { TextSearch } from '../../extension/recordings/search.js';
import {
  OutputFollower,
  REPO_ROOT,
  makeAgentEnv,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import { events, readAll, type Line } from '../fixtures/recordings.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';
import { startSerialPair, type SerialPair } from '../fixtures/serial.js';

const CONSOLE = path.join(REPO_ROOT, 'test/fixtures/slow-console.mjs');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Step {
  prompt: string;
  echo: boolean;
  delayMs?: number;
  logAfter?: number;
  log?: string;
}
interface Script {
  steps: Step[];
  localEcho?: boolean;
}

const LOGIN: Step = { prompt: 'login: ', echo: true };
/** A slow PAM: `Password:` comes well after the user name. */
const SLOW_PASSWORD: Step = { prompt: 'Password: ', echo: false, delayMs: 400 };

type Wire = 'pty' | 'serial';

describe('secrets at prompts', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  /** A second view of the same sessions: what every other participant is sent. */
  let other: HostProcess;
  const cables: SerialPair[] = [];
  const consoles: ChildProcess[] = [];
  const peers: Participant[] = [];

  beforeAll(() => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    other = spawnHost(agentEnv.env);
  });
  afterAll(async () => {
    for (const peer of peers) peer.close();
    for (const child of consoles) child.kill();
    for (const cable of cables) await cable.kill();
    await other.close();
    await host.close();
    await agentEnv.cleanup();
  });

  /** Opens a session whose far end runs `script`, attached in both views. */
  async function open(
    wire: Wire,
    script: Script,
  ): Promise<{
    sessionId: string;
    recordingId: string;
    view: OutputFollower;
    otherView: OutputFollower;
    type: (data: string, options?: { perKey?: boolean; secret?: boolean }) => Promise<void>;
  }> {
    const json = JSON.stringify(script);
    let device: DeviceSpec;
    if (wire === 'pty') {
      device = { kind: 'pty', shell: process.execPath, args: [CONSOLE, json] };
    } else {
      const cable = await startSerialPair();
      cables.push(cable);
      device = {
        kind: 'serial',
        path: cable.pathB,
        baudRate: 115200,
        lineEnding: 'cr',
        localEcho: script.localEcho === true,
      };
    }
    const { client } = host;
    const { sessionId } = await client.request('session.open', { device, cols: 80, rows: 24 });
    const view = new OutputFollower(client, sessionId);
    const otherView = new OutputFollower(other.client, sessionId);
    const attached = await client.request('session.attach', { sessionId });
    await other.client.request('session.attach', { sessionId });
    if (wire === 'serial' && device.kind === 'serial') {
      const far = spawn(process.execPath, [CONSOLE, json, '--device', cables.at(-1)?.pathA ?? ''], {
        stdio: 'ignore',
      });
      consoles.push(far);
    }
    const type = async (
      data: string,
      options: { perKey?: boolean; secret?: boolean } = {},
    ): Promise<void> => {
      const parts = options.perKey === true ? [...data] : [data];
      for (const part of parts) {
        host.client.notify('session.input', {
          sessionId,
          data: part,
          ...(options.secret === true ? { secret: true } : {}),
        });
        // Keys come one by one, fast, as typed: a few ms apart.
        if (options.perKey === true) await sleep(5);
      }
    };
    return { sessionId, recordingId: attached.session.recordingId ?? '', view, otherView, type };
  }

  /** The asciicast export of each recording read, by recording id. */
  const exports = new Map<string, string>();

  /** Ends the session and reads its recording (and its asciicast export). */
  async function recording(sessionId: string, recordingId: string): Promise<Line[]> {
    await host.client.request('session.close', { sessionId });
    await sleep(300);
    exports.set(recordingId, await readAll(host.client, recordingId, 'asciicast-v2'));
    return events(await readAll(host.client, recordingId, 'native'));
  }

  /** Everything the agent wrote to its logs (state dir). */
  function agentLogs(): string {
    const dir = agentEnv.env.XDG_STATE_HOME ?? '';
    return fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
      .join('\n');
  }

  /** What the replay page's search finds for `query` in the recording's output. */
  function searchHits(lines: Line[], query: string): number {
    const search = new TextSearch(query);
    for (const line of lines) if (line[1] === 'o') search.feed(line[0], String(line[2]));
    return search.hits.length;
  }

  /** What the replay timeline shows in its command tooltips, from the recording's input. */
  function timelineLabels(lines: Line[]): string[] {
    const builder = new ActivityBuilder();
    for (const line of lines) {
      if (line[1] === 'i') builder.input(line[0], String(line[2]), String(line[3]));
      if (line[1] === 's') builder.input(line[0], String(line[2]), undefined);
    }
    return builder.commands.map((c) => c.label);
  }

  function inputs(lines: Line[]): string[] {
    return lines
      .filter((l) => l[1] === 'i' || l[1] === 's')
      .map((l) => (l[1] === 's' ? '<withheld>' : String(l[3])));
  }

  function expectNowhere(secret: string, lines: Line[], views: OutputFollower[]): void {
    const recorded = JSON.stringify(lines);
    // Not as a whole, and not its first keys either.
    expect(recorded).not.toContain(secret);
    const leaked = inputs(lines).filter((data) => {
      const keys = data.replace(/\r$/, '');
      return keys !== '' && (secret.startsWith(keys) || keys.includes(secret.slice(0, 2)));
    });
    expect(leaked).toEqual([]);
    expect(timelineLabels(lines).join(' ')).not.toContain(secret.slice(0, 2));
    expect(searchHits(lines, secret)).toBe(0);
    expect(agentLogs()).not.toContain(secret);
    for (const cast of exports.values()) expect(cast).not.toContain(secret);
    for (const view of views) expect(view.text).not.toContain(secret);
  }

  for (const wire of ['pty', 'serial'] as const) {
    describe(`over a ${wire === 'pty' ? 'real PTY (raw mode, no flags)' : 'socat serial pair'}`, () => {
      it('withholds a password typed ahead of its prompt on a slow console (root⏎s3cr3t⏎)', async () => {
        const s = await open(wire, { steps: [LOGIN, SLOW_PASSWORD] });
        await s.view.waitFor('login: ');
        // The field tech's habit: everything typed before `Password:` is even printed.
        await s.type('root\rs3cr3t-9x\r', { perKey: true });
        await s.view.waitFor('Welcome');
        await s.otherView.waitFor('Welcome');
        await s.type('id\r');
        await s.view.waitFor('ran id');
        await sleep(100);
        const lines = await recording(s.sessionId, s.recordingId);
        expectNowhere('s3cr3t-9x', lines, [s.view, s.otherView]);
        expect(inputs(lines).join('')).toBe('root\r<withheld>id\r');
        expect(timelineLabels(lines)).toEqual(['root', 'id']);
      });

      it('withholds the first key typed before Password: reaches the agent', async () => {
        const s = await open(wire, { steps: [LOGIN, { ...SLOW_PASSWORD, delayMs: 300 }] });
        await s.view.waitFor('login: ');
        await s.type('root\r', { perKey: true });
        await s.view.waitFor(/root\r+\n/);
        await s.type('q');
        await s.view.waitFor('Password: ');
        await s.type('werty7\r', { perKey: true });
        await s.view.waitFor('Welcome');
        const lines = await recording(s.sessionId, s.recordingId);
        expectNowhere('qwerty7', lines, [s.view, s.otherView]);
        expect(inputs(lines)).toEqual(['r', 'o', 'o', 't', '\r', '<withheld>']);
      });

      it('is not fooled by a console log line arriving mid-password', async () => {
        const log = '\r\n[   12.345678] usb 1-1: new high-speed USB device, serial c0c\r\n';
        const s = await open(wire, {
          steps: [{ prompt: 'Password: ', echo: false, logAfter: 3, log }],
        });
        await s.view.waitFor('Password: ');
        await s.type('s3c', { perKey: true });
        await s.view.waitFor('new high-speed USB device');
        await s.type('r3t\r', { perKey: true });
        await s.view.waitFor('Welcome');
        const lines = await recording(s.sessionId, s.recordingId);
        expectNowhere('s3cr3t', lines, [s.view, s.otherView]);
        expect(inputs(lines)).toEqual(['<withheld>']);
      });

      it('withholds what is typed at prompts in several languages and for tokens, PINs and codes', async () => {
        const prompts = [
          'Contraseña: ',
          'Passwort: ',
          'Mot de passe : ',
          'Senha: ',
          'Пароль: ',
          '密码：',
          'パスワード: ',
          'Token: ',
          'PIN: ',
          'Verification code: ',
          "Enter passphrase for key '/home/alice/.ssh/id_ed25519': ",
          '[sudo] password for alice: ',
        ];
        const s = await open(wire, { steps: prompts.map((prompt) => ({ prompt, echo: false })) });
        for (const [i, prompt] of prompts.entries()) {
          await s.view.waitFor((text) => text.endsWith(prompt));
          await s.type(`zq${i}x\r`, { perKey: true });
        }
        await s.view.waitFor('Welcome');
        const lines = await recording(s.sessionId, s.recordingId);
        for (const i of prompts.keys()) expectNowhere(`zq${i}x`, lines, [s.view, s.otherView]);
        expect(inputs(lines)).toEqual(prompts.map(() => '<withheld>'));
      });

      it('withholds a line typed with the lock at a prompt no detection knows', async () => {
        const odd: Step = { prompt: 'Enter the magic word> ', echo: false };
        const s = await open(wire, { steps: [odd, odd] });
        await s.view.waitFor('magic word> ');
        // Without the lock, this odd prompt passes for an ordinary one…
        await s.type('plain\r', { perKey: true });
        await s.view.waitFor((text) => text.split('magic word> ').length === 3);
        // …with it, the line is withheld whatever the detection says.
        await s.type('opensesame\r', { perKey: true, secret: true });
        await s.view.waitFor('Welcome');
        const lines = await recording(s.sessionId, s.recordingId);
        expectNowhere('opensesame', lines, [s.view, s.otherView]);
        expect(inputs(lines).join('')).toBe('plain\r<withheld>');
      });
    });
  }

  it('serial local echo never shows a line typed at a password prompt, even typed ahead', async () => {
    const s = await open('serial', {
      // PAM slower than the local echo's settle time: the device's newline comes at once.
      steps: [
        { prompt: 'Username: ', echo: false },
        { ...SLOW_PASSWORD, delayMs: 900 },
      ],
      localEcho: true,
    });
    await s.view.waitFor('Username: ');
    await sleep(600);
    await s.type('admin\rs3cr3t-le\r', { perKey: true });
    await s.view.waitFor('Welcome');
    await s.otherView.waitFor('Welcome');
    // Local echo still shows ordinary input, to everyone.
    expect(s.view.text).toContain('Username: admin\r\n');
    expect(s.otherView.text).toContain('Username: admin\r\n');
    await sleep(600);
    await s.type('show run\r');
    await s.view.waitFor('ran show run');
    await s.otherView.waitFor('$ show run\r\n');
    const lines = await recording(s.sessionId, s.recordingId);
    expectNowhere('s3cr3t-le', lines, [s.view, s.otherView]);
    expect(inputs(lines).join('')).toBe('admin\r<withheld>show run\r');
  });
  it("withholds a remote co-worker's locked line from the recording and every other participant", async () => {
    const odd: Step = { prompt: 'Enter the magic word> ', echo: false };
    const s = await open('pty', { steps: [odd, odd] });
    await s.view.waitFor('magic word> ');
    const link = async (role: 'coworker' | 'viewer'): Promise<Participant> => {
      const { url } = await host.client.request('invite.create', { sessionId: s.sessionId, role });
      const invite = parseInviteUrl(url);
      const peer = await Participant.connect(invite);
      peers.push(peer);
      await peer.join(invite, role === 'coworker' ? 'Cora' : 'Vic');
      return peer;
    };
    const coworker = await link('coworker');
    const viewer = await link('viewer');
    let seen = '';
    viewer.onEvent((event) => {
      if (event.type === 'session.output' || event.type === 'session.snapshot') seen += event.data;
    });
    await coworker.request('session.attach', { sessionId: s.sessionId });
    await viewer.request('session.attach', { sessionId: s.sessionId });
    for (const key of 'plain\r') {
      await coworker.request('session.input', { sessionId: s.sessionId, data: key });
    }
    await s.view.waitFor((text) => text.split('magic word> ').length === 3);
    for (const key of 'opensesame\r') {
      await coworker.request('session.input', { sessionId: s.sessionId, data: key, secret: true });
    }
    await s.view.waitFor('Welcome');
    const deadline = Date.now() + 10_000;
    while (!seen.includes('Welcome') && Date.now() < deadline) await sleep(50);
    expect(seen).toContain('Welcome');
    expect(seen).not.toContain('opensesame');
    const lines = await recording(s.sessionId, s.recordingId);
    expectNowhere('opensesame', lines, [s.view, s.otherView]);
    expect(inputs(lines).join('')).toBe('plain\r<withheld>');
    const withheld = lines.filter((l) => l[1] === 's');
    expect(withheld).toHaveLength(1);
    expect(String(withheld[0]?.[2])).not.toMatch(/^local:/);
  });
});
