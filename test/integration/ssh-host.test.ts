import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TandemError, type DeviceSpec, type SshAuth } from '../../protocol/index.js';
import {
  OutputFollower,
  makeAgentEnv,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import { startSshd, type Sshd } from '../fixtures/sshd.js';

async function openError(promise: Promise<unknown>): Promise<TandemError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('ssh sessions through the host, against a real sshd', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let sshd: Sshd;

  beforeAll(async () => {
    sshd = await startSshd();
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
  });
  afterAll(async () => {
    await host.close();
    await agentEnv.cleanup();
    await sshd.stop();
  });

  const device = (auth: SshAuth, extra: { acceptHostKey?: string } = {}): DeviceSpec => ({
    kind: 'ssh',
    host: '127.0.0.1',
    port: sshd.port,
    username: 'root',
    auth,
    ...extra,
  });

  it('asks to trust a new host key, then signs in with a key and runs commands', async () => {
    const { client } = host;
    const key: SshAuth = { method: 'key', path: sshd.clientKeyPath };
    const unknown = await openError(
      client.request('session.open', { device: device(key), cols: 80, rows: 24 }),
    );
    expect(unknown.code).toBe('host_key_unknown');
    expect(unknown.details?.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(unknown.message).toContain(sshd.hostKeyFingerprint);
    // Nothing was sent before the user accepted the key: no authentication attempt in sshd's log.
    expect(sshd.logs()).not.toMatch(/userauth-request/);

    const { sessionId } = await client.request('session.open', {
      device: device(key, { acceptHostKey: sshd.hostKeyFingerprint }),
      cols: 100,
      rows: 30,
    });
    const knownHosts = fs.readFileSync(
      path.join(agentEnv.env.XDG_CONFIG_HOME ?? '', 'tandem', 'known_hosts'),
      'utf8',
    );
    expect(knownHosts).toContain(`[127.0.0.1]:${sshd.port}`);
    const view = new OutputFollower(client, sessionId);
    const attached = await client.request('session.attach', { sessionId });
    expect(attached.session.device).toEqual({ kind: 'ssh', label: `root@127.0.0.1:${sshd.port}` });
    // Memories attach to the server's host key, whatever name reached it.
    expect((await client.request('session.target', { sessionId })).target?.key).toBe(
      `ssh-host-key:${sshd.hostKeyFingerprint}`,
    );
    client.notify('session.input', { sessionId, data: 'echo ssh-$((40+2)); stty size\r' });
    await view.waitFor('ssh-42');
    await view.waitFor('30 100');
    await client.request('session.resize', { sessionId, cols: 120, rows: 40 });
    client.notify('session.input', { sessionId, data: 'stty size\r' });
    await view.waitFor('40 120');
    const exit = new Promise((resolve) =>
      client.onEvent((e) => e.type === 'session.exit' && resolve(e)),
    );
    client.notify('session.input', { sessionId, data: 'exit\r' });
    await exit;
  });

  it('signs in with a password now that the host is known, and refuses a wrong one', async () => {
    const { client } = host;
    const { sessionId } = await client.request('session.open', {
      device: device({ method: 'password', password: sshd.password }),
      cols: 80,
      rows: 24,
    });
    const view = new OutputFollower(client, sessionId);
    await client.request('session.attach', { sessionId });
    client.notify('session.input', { sessionId, data: 'echo pw-$((6*7))\r' });
    await view.waitFor('pw-42');
    await client.request('session.close', { sessionId });

    const wrong = await openError(
      client.request('session.open', {
        device: device({ method: 'password', password: 'not-the-password' }),
        cols: 80,
        rows: 24,
      }),
    );
    expect(wrong.code).toBe('unauthorized');
    expect(wrong.message).not.toContain('not-the-password');
    const logs = fs.readFileSync(
      path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem', 'agent.log'),
      'utf8',
    );
    expect(logs).not.toContain(sshd.password);
    expect(logs).not.toContain('not-the-password');
  });

  it('refuses a changed host key and sends nothing', async () => {
    await sshd.rotateHostKey();
    const mark = sshd.logs().length;
    const mismatch = await openError(
      host.client.request('session.open', {
        device: device({ method: 'password', password: sshd.password }),
        cols: 80,
        rows: 24,
      }),
    );
    expect(mismatch.code).toBe('host_key_mismatch');
    expect(mismatch.message).toMatch(/changed/i);
    expect(sshd.logs().slice(mark)).toMatch(/Connection from 127\.0\.0\.1/);
    expect(sshd.logs().slice(mark)).not.toMatch(/userauth-request/);
  });
});
