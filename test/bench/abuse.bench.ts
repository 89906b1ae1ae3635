/**
 * Abuse: what a few scripted participants can do to an agent with nothing but their links,
 * compressed. Thirty minutes of abuse at one request per second per kind and attacker (attach,
 * mark, chat; keyboard requests at one per 5 s), plus a join every 25 s and a lobby knock every
 * 30 s, are sent in six rounds: each round fires five minutes' worth at once. The first round
 * warms up (WebRTC threads and buffers, JIT) and is not compared. Two viewers and two
 * co-workers attack; the session holds 3 MB of output, so every fresh attach asks for a full
 * snapshot (screen + 10,000 lines).
 *
 * Reported: the memory (VmRSS) of the agent, its WebRTC process and its relay before anything
 * (`initial`), after the warm-up (`start`) and after the last round and a short settle
 * (`end`), the growth from start to end in percent, and how many requests were refused with
 * `rate_limited`. Any other refusal is counted apart and should be none.
 *
 * Not in the default `npm run bench` (it takes about three minutes): `npm run bench -- abuse`.
 */
import { makeAgentEnv, spawnHost, OutputFollower } from '../fixtures/agent.js';
import { Participant, parseInviteUrl, type InviteLink } from '../fixtures/participant.js';
import { agentProcesses, sampleProcess, sleep, type AgentProcesses } from './reliability.js';
import { round, type BenchResult } from './results.js';

/** Compared rounds; with the warm-up, (ROUNDS + 1) × 5 minutes' worth: 30 by default. */
const ROUNDS = Number(process.env.TANDEM_ABUSE_ROUNDS ?? 5);
const ROUND_MS = 15_000;
/** Five minutes at one request per second, per kind and attacker. */
const PER_ROUND = 300;
const KEYBOARD_PER_ROUND = 60;
const JOINS_PER_ROUND = 12;
const KNOCKS_PER_ROUND = 10;
const PRIME_CHARS = 3_000_000;

const PROCESSES = ['agent', 'peer', 'relay'] as const;
type ProcessName = (typeof PROCESSES)[number];

interface Tally {
  sent: number;
  ok: number;
  limited: number;
  other: Map<string, number>;
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : error instanceof Error
      ? error.message
      : String(error);
}

async function count(tally: Tally, requests: Promise<unknown>[]): Promise<void> {
  tally.sent += requests.length;
  for (const result of await Promise.allSettled(requests)) {
    if (result.status === 'fulfilled') tally.ok += 1;
    else if (codeOf(result.reason) === 'rate_limited') tally.limited += 1;
    else {
      const code = codeOf(result.reason);
      tally.other.set(code, (tally.other.get(code) ?? 0) + 1);
    }
  }
}

function rssMb(pids: AgentProcesses): Record<ProcessName, number> {
  const figures = { agent: 0, peer: 0, relay: 0 };
  for (const name of PROCESSES) {
    const pid = pids[name];
    figures[name] = pid === undefined ? 0 : (sampleProcess(pid)?.rssKb ?? 0) / 1024;
  }
  return figures;
}

export async function runAbuseBench(): Promise<BenchResult[]> {
  const agentEnv = makeAgentEnv();
  const host = spawnHost(agentEnv.env);
  const owner = host.client;
  const everyone: Participant[] = [];
  try {
    const { sessionId } = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 120,
      rows: 40,
    });
    const ownerView = new OutputFollower(owner, sessionId);
    await owner.request('session.attach', { sessionId });
    const line = `abuse ${'y'.repeat(93)}\r\n`;
    const block = line.repeat(Math.floor((200 * 1024) / line.length));
    for (let sent = 0; sent < PRIME_CHARS; sent += block.length) {
      await owner.request('session.input', { sessionId, data: block });
    }
    await ownerView.waitFor((t) => t.length >= PRIME_CHARS, 60_000);
    ownerView.stop();

    const invite = async (role: 'viewer' | 'coworker', lobby = false): Promise<InviteLink> =>
      parseInviteUrl((await owner.request('invite.create', { sessionId, role, lobby })).url);
    const links = {
      viewer: await invite('viewer'),
      coworker: await invite('coworker'),
      lobby: await invite('viewer', true),
    };
    // The owner turns every knocker away at once, as a busy owner would.
    owner.onEvent((event) => {
      if (event.type === 'session.notice' && event.kind === 'lobby') {
        void owner
          .request('lobby.admit', { sessionId, participantId: event.participant.id, admit: false })
          .catch(() => undefined);
      }
    });
    const connect = async (link: InviteLink, name: string): Promise<Participant> => {
      const p = await Participant.connect(link);
      everyone.push(p);
      await p.join(link, name);
      return p;
    };
    const viewers = [
      await connect(links.viewer, 'Viewer A'),
      await connect(links.viewer, 'Viewer B'),
    ];
    const coworkers = [
      await connect(links.coworker, 'Coworker A'),
      await connect(links.coworker, 'Coworker B'),
    ];
    const attackers = [...viewers, ...coworkers];
    for (const p of attackers) await p.request('session.attach', { sessionId });

    const tally: Tally = { sent: 0, ok: 0, limited: 0, other: new Map() };
    const joins = { ok: 0, failed: 0 };
    const knocks = { refused: 0, waited: 0 };
    await sleep(3000);
    const pids = agentProcesses(agentEnv.env);
    const initial = rssMb(pids);
    let before = initial;
    let started = performance.now();
    process.stdout.write(
      `abuse: initial ${PROCESSES.map((n) => `${n} ${initial[n].toFixed(1)} MB`).join(', ')}\n`,
    );

    // Round 0 is the warm-up; the figures compared are taken after it.
    for (let r = 0; r <= ROUNDS; r++) {
      if (r === 1) {
        before = rssMb(pids);
        started = performance.now();
      }
      const roundStart = performance.now();
      const floods = attackers.map((p, i) => {
        const work: Promise<unknown>[] = [];
        for (let k = 0; k < PER_ROUND; k++) {
          work.push(p.request('session.attach', { sessionId }));
          work.push(
            p.request('chat.send', { sessionId, text: `spam ${r}.${k} ${'c'.repeat(200)}` }),
          );
          if (i >= viewers.length) {
            work.push(p.request('recording.mark', { sessionId, label: `mark ${r}.${k}` }));
          }
        }
        for (let k = 0; k < KEYBOARD_PER_ROUND; k++) {
          work.push(p.request('keyboard.request', { sessionId }));
        }
        return count(tally, work);
      });
      // Joins and knocks, one after the other: each is a real WebRTC connection.
      const churn = (async () => {
        for (let k = 0; k < JOINS_PER_ROUND; k++) {
          try {
            const p = await connect(links.viewer, `Joiner ${r}.${k}`);
            await p.request('session.attach', { sessionId }).catch(() => undefined);
            p.close();
            everyone.splice(everyone.indexOf(p), 1);
            joins.ok += 1;
          } catch {
            joins.failed += 1;
          }
        }
        for (let k = 0; k < KNOCKS_PER_ROUND; k++) {
          const p = await Participant.connect(links.lobby);
          try {
            await p.join(links.lobby, `Knocker ${r}.${k}`);
          } catch (error) {
            if (codeOf(error) === 'rate_limited') knocks.refused += 1;
            else knocks.waited += 1;
          }
          p.close();
        }
      })();
      await Promise.all([...floods, churn]);
      const figures = rssMb(pids);
      process.stdout.write(
        `abuse: ${r === 0 ? 'warm-up' : `round ${r}/${ROUNDS}`} in ${((performance.now() - roundStart) / 1000).toFixed(1)} s, ` +
          `${tally.limited}/${tally.sent} rate-limited, ` +
          PROCESSES.map((n) => `${n} ${figures[n].toFixed(1)} MB`).join(', ') +
          '\n',
      );
      const wait = roundStart + ROUND_MS - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await sleep(3000);
    const after = rssMb(pids);
    const elapsedS = (performance.now() - started) / 1000;
    // The session still answers at once after all that.
    const echoView = new OutputFollower(owner, sessionId);
    const echoStart = performance.now();
    await owner.request('session.input', { sessionId, data: 'after-abuse\r' });
    await echoView.waitFor('after-abuse', 10_000);
    const echoMs = performance.now() - echoStart;
    echoView.stop();

    const other = [...tally.other].map(([code, n]) => `${code}: ${n}`).join(', ');
    process.stdout.write(
      `abuse: ${ROUNDS + 1} rounds (${(ROUNDS + 1) * 5} min-equivalent) in ${elapsedS.toFixed(0)} s; ` +
        `${tally.sent} requests, ${tally.limited} rate-limited, ${tally.ok} answered` +
        (other === '' ? '' : `, other errors ${other}`) +
        `; ${joins.ok} joins (${joins.failed} failed); ${knocks.refused} knocks refused, ` +
        `${knocks.waited} turned away by the owner\n`,
    );
    const growth = (name: ProcessName): number =>
      before[name] === 0 ? 0 : ((after[name] - before[name]) / before[name]) * 100;
    const results: BenchResult[] = [];
    for (const name of PROCESSES) {
      results.push(
        { name: `abuse.${name}_rss_initial`, value: round(initial[name]), unit: 'MB' },
        { name: `abuse.${name}_rss_start`, value: round(before[name]), unit: 'MB' },
        { name: `abuse.${name}_rss_end`, value: round(after[name]), unit: 'MB' },
        {
          name: `abuse.${name}_rss_growth`,
          value: round(growth(name)),
          unit: '%',
          goal: 'flat (< 25 %)',
        },
      );
    }
    results.push(
      { name: 'abuse.minutes_equivalent', value: (ROUNDS + 1) * 5, unit: 'min' },
      { name: 'abuse.requests', value: tally.sent, unit: 'requests' },
      { name: 'abuse.rate_limited', value: tally.limited, unit: 'requests' },
      {
        name: 'abuse.other_errors',
        value: [...tally.other.values()].reduce((a, b) => a + b, 0),
        unit: 'requests',
        goal: '0',
      },
      { name: 'abuse.joins', value: joins.ok, unit: 'joins' },
      { name: 'abuse.knocks_refused', value: knocks.refused, unit: 'knocks' },
      { name: 'abuse.echo_after', value: round(echoMs), unit: 'ms' },
    );
    return results;
  } finally {
    for (const p of everyone) p.close();
    await host.close();
    await agentEnv.cleanup();
  }
}
