/**
 * Data connections that never join, over a real relay with real PeerJS peers: anyone who knows
 * the agent's peer id can open them without a secret, so they must not be kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TandemError } from '../../protocol/index.js';
import type { Logger } from '../../native-host/log.js';
import { PeerBridge, type PeerBridgeOptions } from '../../native-host/peer/bridge.js';
import { InviteStore } from '../../native-host/peer/invites.js';
import { startRelay, type Relay } from '../../relay/relay.js';
import { Participant, parseInviteUrl, type InviteLink } from '../fixtures/participant.js';

const logger: Logger = {
  info() {},
  warn() {},
  error: (event, fields) =>
    process.stderr.write(`peer bridge: ${event} ${JSON.stringify(fields)}\n`),
};

async function waitUntil(test: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!test() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return test();
}

describe('unjoined data connections', () => {
  let relay: Relay;
  const invites = new InviteStore();
  const bridges: PeerBridge[] = [];

  async function bridge(unjoined?: PeerBridgeOptions['unjoined']): Promise<PeerBridge> {
    const started = await PeerBridge.start({
      relay: { host: relay.host, port: relay.port, path: '/peer', secure: false, url: relay.url },
      iceServers: [],
      logger,
      ...(unjoined === undefined ? {} : { unjoined }),
      join(request) {
        const invite = invites.redeem(request.inviteId, request.secret);
        return {
          result: { role: invite.role, sessionId: invite.sessionId },
          handle() {},
          closed() {},
        };
      },
    });
    bridges.push(started);
    return started;
  }

  function inviteFor(agent: PeerBridge): InviteLink {
    const { invite, secret } = invites.create('s1', 'viewer');
    return parseInviteUrl(agent.inviteUrl(invite.inviteId, secret));
  }

  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    for (const started of bridges) await started.close();
    await relay.close();
  });

  it('closes a connection that has not joined within 10 s, telling it why', async () => {
    const agent = await bridge();
    const link = inviteFor(agent);
    // The clock starts at the offer, which comes after this and before the channel opens.
    const started = Date.now();
    const idle = await Participant.connect(link);
    // A real page takes well under a second to join: 10 s leaves it plenty of room.
    await new Promise((r) => setTimeout(r, 5000));
    expect(idle.closed).toBe(false);
    expect(await waitUntil(() => idle.closed, 8000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(idle.orphanErrors.map((e) => e.code)).toEqual(['unauthorized']);
    expect(idle.orphanErrors[0]?.message).toContain('No join within 10 s');

    // Someone who joins in time stays.
    const prompt = await Participant.connect(link);
    await expect(prompt.join(link, 'Ada')).resolves.toMatchObject({ role: 'viewer' });
    await new Promise((r) => setTimeout(r, 10_500));
    expect(prompt.closed).toBe(false);
    prompt.close();
  });

  it('turns away new connections while too many wait without joining', async () => {
    const agent = await bridge({ max: 2 });
    const link = inviteFor(agent);
    const first = await Participant.connect(link);
    const second = await Participant.connect(link);
    // Turned away: the refusal may beat the agent's hello (connect rejects with it) or follow
    // it (the connection then closes with the refusal as its last word).
    const refusal = await Participant.connect(link).then(
      async (third) => {
        expect(await waitUntil(() => third.closed, 5000)).toBe(true);
        third.close();
        return third.orphanErrors.map((e) => e.code);
      },
      (error: unknown) => [error instanceof TandemError ? error.code : String(error)],
    );
    expect(refusal).toEqual(['rate_limited']);
    expect(first.closed).toBe(false);
    expect(second.closed).toBe(false);

    // A join frees its place: the next newcomer is let in and may join.
    await expect(first.join(link, 'Ada')).resolves.toMatchObject({ role: 'viewer' });
    const fourth = await Participant.connect(link);
    await expect(fourth.join(link, 'Bob')).resolves.toMatchObject({ role: 'viewer' });
    for (const p of [first, second, fourth]) p.close();
  });
});
