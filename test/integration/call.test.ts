/**
 * Who is on a session's call, as the agent keeps it: over real PeerJS peers through the agent's
 * real relay. The agent carries no media; what it guards is the list every caller's page checks
 * an incoming media call against, so nobody outside the session may get onto it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, CallerInfo } from '../../protocol/index.js';
import type { AgentClient } from '../../native-host/client.js';
import {
  makeAgentEnv,
  openBash,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import { joinAs, parseInviteUrl, until, type Participant } from '../fixtures/participant.js';

const media = { muted: false, camera: true, screen: false };
const peerId = (who: string): string => `tcall-${who}-0123456789abcdef`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return typeof error === 'object' && error !== null && 'code' in error
      ? String(error.code)
      : String(error);
  }
}

describe('a session call through the agent', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let owner: AgentClient;
  let sessionId: string;
  const participants: Participant[] = [];
  const ownerCalls: CallerInfo[][] = [];

  beforeAll(async () => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    owner = host.client;
    ({ sessionId } = await openBash(owner));
    owner.onEvent((e: AgentEvent) => {
      if (e.type === 'session.call' && e.sessionId === sessionId) ownerCalls.push(e.callers);
    });
  });
  afterAll(async () => {
    for (const p of participants) p.close();
    await host.close();
    await agentEnv.cleanup();
  });

  it('lists every caller for everyone, lets a viewer talk, and keeps strangers and borrowed ids off', async () => {
    const viewerLink = parseInviteUrl(
      (await owner.request('invite.create', { sessionId, role: 'viewer' })).url,
    );
    const { p: viewer } = await joinAs(viewerLink, 'Vera', participants);
    const viewerCalls: CallerInfo[][] = [];
    viewer.onEvent((e) => {
      if (e.type === 'session.call') viewerCalls.push(e.callers);
    });

    // Not attached to the session yet: not in it, so not on its call.
    expect(
      await codeOf(viewer.request('call.join', { sessionId, peerId: peerId('vera'), ...media })),
    ).toBe('bad_request');
    await viewer.request('session.attach', { sessionId });

    // The owner's call window registers on the agent's own relay; a remote participant is
    // given only the ICE servers (it uses the relay it came from).
    const local = await owner.request('call.config', { sessionId });
    expect(local.relay).toMatchObject({ host: '127.0.0.1', path: '/peer', secure: false });
    expect(local.relay?.port).toBe(viewerLink.relay.port);
    const remote = await viewer.request('call.config', { sessionId });
    expect(remote).toEqual({ iceServers: [] });

    const first = await owner.request('call.join', { sessionId, peerId: peerId('host'), ...media });
    expect(first.callers.map((c) => c.peerId)).toEqual([peerId('host')]);
    const joined = (await viewer.request('call.join', {
      sessionId,
      peerId: peerId('vera'),
      ...media,
      camera: false,
    })) as { callers: CallerInfo[] };
    expect(joined.callers.map((c) => [c.participant.name, c.camera])).toEqual([
      ['Host', true],
      ['Vera', false],
    ]);
    // Remote participants never learn the owner's Unix account, on the call either.
    expect(joined.callers[0]?.participant.id).toBe('local:host');
    await until(() => ownerCalls.at(-1)?.length === 2, 'the owner to see two callers');
    expect(ownerCalls.at(-1)?.[0]?.participant.id).toMatch(/^local:(?!host$)/);

    // A co-worker may not claim the viewer's media id: its page would then accept calls meant
    // for someone else.
    const coLink = parseInviteUrl(
      (await owner.request('invite.create', { sessionId, role: 'coworker' })).url,
    );
    const { p: co } = await joinAs(coLink, 'Cole', participants);
    await co.request('session.attach', { sessionId });
    expect(
      await codeOf(co.request('call.join', { sessionId, peerId: peerId('vera'), ...media })),
    ).toBe('bad_request');
    expect(await codeOf(co.request('call.join', { sessionId, peerId: 'vera', ...media }))).toBe(
      'bad_request',
    );
    // Nor change someone else's state: call.update is always about the sender.
    expect(await codeOf(co.request('call.update', { sessionId, muted: true }))).toBe('not_found');

    await viewer.request('call.update', { sessionId, muted: true });
    await until(
      () => viewerCalls.at(-1)?.find((c) => c.participant.name === 'Vera')?.muted === true,
      'the viewer to see itself muted',
    );

    // Leaving the session leaves the call.
    viewer.close();
    await until(() => ownerCalls.at(-1)?.length === 1, 'the viewer to drop off the call');
    expect(ownerCalls.at(-1)?.[0]?.peerId).toBe(peerId('host'));

    const coCalls: CallerInfo[][] = [];
    co.onEvent((e) => {
      if (e.type === 'session.call') coCalls.push(e.callers);
    });
    await co.request('call.join', { sessionId, peerId: peerId('cole'), ...media });
    await until(() => coCalls.at(-1)?.length === 2, 'the co-worker to be on the call');
    await co.request('call.leave', { sessionId });
    await until(() => coCalls.at(-1)?.length === 1, 'the co-worker to have left the call');

    // Ending the session ends the call for everyone, before they hear the session ended.
    await co.request('call.join', { sessionId, peerId: peerId('cole'), ...media });
    const order: string[] = [];
    co.onEvent((e) => {
      if (e.type === 'session.call') order.push(`call:${e.callers.length}`);
      if (e.type === 'session.exit') order.push('exit');
    });
    await owner.request('session.close', { sessionId });
    await until(() => order.includes('exit'), 'the co-worker to hear the session ended');
    expect(order).toEqual(['call:0', 'exit']);
  });
});
