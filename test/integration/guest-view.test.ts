/**
 * What a remote participant learns about the machine it reaches: the owner's display name, not
 * the Unix account the agent runs as, and not the agent's pid. Real agent, real relay, a real
 * PeerJS participant; everything it receives is kept and searched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, JoinResult, ParticipantInfo } from '../../protocol/index.js';
import {
  agentPid,
  makeAgentEnv,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';

const DISPLAY_NAME = 'Ada at the lab';

/** Every number and key in a JSON value, to look for a pid wherever it might hide. */
function walk(
  value: unknown,
  visit: (key: string | undefined, value: unknown) => void,
  key?: string,
): void {
  visit(key, value);
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) walk(v, visit, k);
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('what a guest sees of the host', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  const user = os.userInfo().username;

  beforeAll(() => {
    agentEnv = makeAgentEnv();
    const config = path.join(agentEnv.env.XDG_CONFIG_HOME ?? '', 'tandem');
    fs.mkdirSync(config, { recursive: true });
    fs.writeFileSync(
      path.join(config, 'sharing.json'),
      JSON.stringify({ displayName: DISPLAY_NAME }),
    );
    host = spawnHost(agentEnv.env);
  });
  afterAll(async () => {
    await host.close();
    await agentEnv.cleanup();
  });

  it('sees the display name and an opaque id, never the Unix user name or the agent pid', async () => {
    const owner = host.client;
    const local = await owner.request('hello', { client: { name: 'test' }, protocol: 1 });
    const pid = agentPid(agentEnv.env);
    // The owner's own views keep what they had.
    expect(local.agent.pid).toBe(pid);
    const { sessionId } = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    });
    await owner.request('session.attach', { sessionId });
    const { url } = await owner.request('invite.create', { sessionId, role: 'coworker' });
    const link = parseInviteUrl(url);

    const guest = await Participant.connect(link);
    const received: unknown[] = [];
    const events: AgentEvent[] = [];
    guest.onEvent((event) => {
      received.push(event);
      events.push(event);
    });
    const joined = (await guest.join(link, 'Grace')) as JoinResult;
    received.push(joined);
    received.push(await guest.request('session.attach', { sessionId }));
    received.push(await guest.request('hello', { client: { name: 'guest' }, protocol: 1 }));
    received.push(await guest.request('session.list', {}));

    // Things the owner does that name the owner: chat, a recording pause and resume, and
    // leaving and coming back (left/joined notices).
    await owner.request('chat.send', { sessionId, text: 'hello from the owner' });
    await owner.request('recording.pause', { sessionId });
    await owner.request('recording.resume', { sessionId });
    await owner.request('session.detach', { sessionId });
    await owner.request('session.attach', { sessionId });
    const participants = (): ParticipantInfo[][] =>
      events.flatMap((e) => (e.type === 'session.participants' ? [e.participants] : []));
    // The notice and the new participant list are two messages: wait for both.
    await until(
      () =>
        events.some(
          (e) => e.type === 'session.notice' && e.kind === 'joined' && e.participant.local,
        ) &&
        participants()
          .at(-1)
          ?.some((p) => p.local) === true,
      'the owner joining again',
    );

    const ownerSeen = participants()
      .at(-1)
      ?.find((p) => p.local);
    expect(ownerSeen).toMatchObject({ id: 'local:host', name: DISPLAY_NAME, role: 'owner' });
    const chat = events.find((e) => e.type === 'session.chat');
    expect(chat).toMatchObject({ from: { id: 'local:host', name: DISPLAY_NAME } });
    const paused = events.find((e) => e.type === 'session.recording' && e.state === 'paused');
    expect(paused).toMatchObject({ by: { id: 'local:host', name: DISPLAY_NAME } });
    const notice = events.find((e) => e.type === 'session.notice' && e.kind === 'joined');
    expect(notice).toMatchObject({ text: `${DISPLAY_NAME} joined` });

    const text = JSON.stringify(received);
    expect(text).not.toMatch(new RegExp(`\\b${user.replace(/[^a-z0-9]/gi, '\\$&')}\\b`));
    walk(received, (key, value) => {
      expect(key).not.toBe('pid');
      expect(value).not.toBe(pid);
    });
    guest.close();
  });
});
