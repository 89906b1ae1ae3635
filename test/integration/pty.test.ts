import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OutputFollower,
  makeAgentEnv,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';

describe('pty sessions through the host', () => {
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

  it("runs the user's login shell with a clean environment and follows resizes", async () => {
    const { client } = host;
    const { sessionId } = await client.request('session.open', {
      device: { kind: 'pty' },
      cols: 100,
      rows: 30,
    });
    const view = new OutputFollower(client, sessionId);
    const attached = await client.request('session.attach', { sessionId });
    expect(attached.session.device).toEqual({ kind: 'pty', label: 'bash' });
    client.notify('session.input', {
      sessionId,
      data: 'shopt -q login_shell && L=login; echo "[$TERM|$TANDEM|$L]"; stty size\r',
    });
    await view.waitFor('30 100');
    expect(view.text).toContain('[xterm-256color|1|login]');
    await client.request('session.resize', { sessionId, cols: 132, rows: 43 });
    client.notify('session.input', { sessionId, data: 'stty size\r' });
    await view.waitFor('43 132');
    const exit = new Promise((resolve) =>
      client.onEvent((e) => e.type === 'session.exit' && resolve(e)),
    );
    client.notify('session.input', { sessionId, data: 'exit 3\r' });
    await expect(exit).resolves.toMatchObject({ code: 3, reason: 'bash exited with code 3' });
    await expect(client.request('session.input', { sessionId, data: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('says what to do when the shell cannot start', async () => {
    await expect(
      host.client.request('session.open', {
        device: { kind: 'pty', shell: '/bin/no-such-shell' },
        cols: 80,
        rows: 24,
      }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('/bin/no-such-shell'),
    });
    await expect(
      host.client.request('session.open', {
        device: { kind: 'pty', shell: '/bin/bash', cwd: '/no/such/folder' },
        cols: 80,
        rows: 24,
      }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('/no/such/folder'),
    });
  });
});
