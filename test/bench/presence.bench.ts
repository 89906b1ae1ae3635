/**
 * Presence benchmark: a team relay (a real `tandem-relay serve` process) with 1,000 members,
 * all connected on its presence socket from two worker threads (loopback, ten client
 * addresses so each stays under the relay's per-address cap). Every member goes online → away
 * once, at a steady pace; each change's fan-out latency is timed at every other member (receive
 * time − the sender's send time, on the machine's monotonic clock, which all threads share).
 * Also the relay's memory: its RSS before the members connect, its peak over the whole run
 * (VmHWM) and once the last change has reached everyone.
 *
 * `replicas`: 5,000 members across two replicas on PostgreSQL and Redis (docs/relay.md,
 * "Scale-out"), every other member on each, so most receipts of a change cross Redis; 1,000 of
 * them change, at 10 a second (50,000 receipts a second).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { z } from 'zod';
import { PRESENCE_PATH } from '../../protocol/team.js';
import { Directory, hashToken, newToken } from '../../relay/team/directory.js';
import { PgStore } from '../../relay/team/pg-store.js';
import { SqliteStore } from '../../relay/team/sqlite-store.js';
import type { RelayStore } from '../../relay/team/store.js';
import { startPostgres } from '../fixtures/postgres.js';
import { RedisServer } from '../fixtures/redis.js';
import { TeamRelayProcess } from '../fixtures/team-relay.js';
import { round, type BenchResult } from './results.js';

const WORKERS = 2;
/** Client addresses (127.0.0.2 …): the relay takes 128 connections per address by default. */
const PER_ADDRESS = 100;
/** Hellos in flight per worker while the members connect. */
const CONNECTING = 8;
/** Each member beats this often (the relay drops a member silent for 30 s). */
const BEAT_MS = 10_000;
/** After the last change, how long receipts may take before the rest count as missing. */
const DRAIN_MS = 20_000;
const CONNECT_TIMEOUT_MS = 600_000;
const QUARTERS = 4;
/** USER_HZ: /proc/PID/stat counts CPU time in these. */
const CLOCK_TICKS = 100;
const PREFIX = '{"type":"presence","id":"';
const BATCH = '{"type":"presences"';
/** What follows the id in a presence message: `","state":"`. */
const STATE_OFFSET = 11;

/** Milliseconds on CLOCK_MONOTONIC: the same clock in every thread and process of the machine. */
function clock(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const setupSchema = z.object({
  kind: z.literal('presence-bench'),
  /** Member g connects to urls[g % urls.length] (one per replica). */
  urls: z.array(z.string()),
  members: z.number().int(),
  /** The global indexes of the members that will change (each once). */
  senders: z.array(z.number().int()),
  /** One member in this many reads and times what it receives; the others stop reading. */
  readEvery: z.number().int().min(1),
  /** Every member's id, by global index. */
  ids: z.array(z.string()),
  /** The global index of this worker's first member. */
  first: z.number().int(),
  tokens: z.array(z.string()),
  addresses: z.array(z.string()),
});
type Setup = z.infer<typeof setupSchema>;

const commandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('change'), index: z.number().int() }),
  z.object({ type: z.literal('report') }),
]);
type Command = z.infer<typeof commandSchema>;

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('complete') }),
  z.object({ type: z.literal('failed'), message: z.string() }),
  z.object({
    type: z.literal('report'),
    /** Send time of each of this worker's members' change (NaN: not sent). */
    sent: z.instanceof(Float64Array),
    /** Receive time of [local receiver × MEMBERS + global sender] (NaN: not received). */
    received: z.instanceof(Float64Array),
    duplicates: z.number(),
    offline: z.number(),
    closed: z.number(),
  }),
]);
type WorkerEvent = z.infer<typeof eventSchema>;

// ---------------------------------------------------------------------------------------------
// Worker thread: this worker's members, each on its own presence socket.

async function runWorker(setup: Setup, port: NonNullable<typeof parentPort>): Promise<void> {
  const tell = (event: WorkerEvent): void => port.postMessage(event);
  const MEMBERS = setup.members;
  const count = setup.tokens.length;
  const index = new Map(setup.ids.map((id, i) => [id, i]));
  const sent = new Float64Array(count).fill(Number.NaN);
  const received = new Float64Array(count * MEMBERS).fill(Number.NaN);
  const states: ('online' | 'away')[] = new Array<'online' | 'away'>(count).fill('online');
  const sockets: WebSocket[] = [];
  /** Members whose roster came: they said hello and may beat. */
  const live: boolean[] = new Array<boolean>(count).fill(false);
  const sender = new Set(setup.senders);
  let expected = 0;
  for (let local = 0; local < count; local++)
    if (reads(setup.first + local, setup.urls.length, setup.readEvery))
      expected += sender.size - (sender.has(setup.first + local) ? 1 : 0);
  let receipts = 0;
  let duplicates = 0;
  let offline = 0;
  let closed = 0;

  const connect = (local: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const token = setup.tokens[local];
      const localAddress = setup.addresses[local % setup.addresses.length];
      if (token === undefined || localAddress === undefined) {
        reject(new Error(`no token for member ${local}`));
        return;
      }
      const me = setup.first + local;
      const url = setup.urls[me % setup.urls.length] ?? '';
      const socket = new WebSocket(url.replace(/^http/, 'ws') + PRESENCE_PATH, {
        localAddress,
        perMessageDeflate: false,
        // The relay is trusted here, and the clients are not what is measured.
        skipUTF8Validation: true,
      });
      sockets[local] = socket;
      const row = local * MEMBERS;
      let welcomed = false;
      socket.on('message', (data) => {
        const now = clock();
        if (!Buffer.isBuffer(data)) return;
        if (!welcomed) {
          if (data.toString('latin1', 0, 16) === '{"type":"roster"') {
            welcomed = true;
            live[local] = true;
            // A member that does not time receipts stops reading once welcomed: the relay
            // still sends it everything (the kernel takes the bytes), as to a browser on
            // another machine, without this machine's CPU going to parse it.
            if (!reads(me, setup.urls.length, setup.readEvery)) socket.pause();
            resolve();
          }
          return;
        }
        const got = (id: string, state: string): void => {
          if (state === 'offline') offline += 1;
          if (state !== 'away') return;
          const from = index.get(id);
          if (from === undefined || from === me) return;
          if (!Number.isNaN(received[row + from])) {
            duplicates += 1;
            return;
          }
          received[row + from] = now;
          receipts += 1;
          if (receipts === expected) tell({ type: 'complete' });
        };
        // A busy relay batches changes ("presences"); rosters are not looked at.
        // `{"type":"presences"` against `{"type":"presence",`: the 18th byte tells them apart.
        if (data[BATCH.length - 2] === 0x73 /* s */ && data[9] === 0x70 /* p */) {
          const batch = JSON.parse(data.toString('utf8')) as {
            members: { id: string; state: string }[];
          };
          for (const change of batch.members) got(change.id, change.state);
          return;
        }
        // Single changes are short: read them without parsing.
        if (data.length > 160) return;
        const text = data.toString('latin1');
        if (!text.startsWith(PREFIX)) return;
        const end = text.indexOf('"', PREFIX.length);
        // 'away' / 'offline' / 'online': the second letter tells them apart.
        const second = text.charCodeAt(end + STATE_OFFSET + 1);
        got(
          text.slice(PREFIX.length, end),
          second === 0x77 ? 'away' : second === 0x66 ? 'offline' : 'online',
        );
      });
      socket.once('open', () =>
        socket.send(JSON.stringify({ type: 'hello', token, state: 'online' })),
      );
      socket.on('error', reject);
      socket.on('close', (code) => {
        closed += 1;
        if (!welcomed) reject(new Error(`member ${me} closed with ${code} before the roster`));
      });
    });

  // Beat every member every BEAT_MS, a slice of them at a time, with the state it is in; from
  // its roster on (a beat before the hello would be taken for a bad hello).
  const slices = 100;
  let slice = 0;
  const beater = setInterval(() => {
    for (let local = slice; local < count; local += slices) {
      const socket = sockets[local];
      if (live[local] === true && socket?.readyState === WebSocket.OPEN)
        socket.send(JSON.stringify({ type: 'beat', state: states[local] }));
    }
    slice = (slice + 1) % slices;
  }, BEAT_MS / slices);

  let next = 0;
  const connector = async (): Promise<void> => {
    while (next < count) {
      const local = next;
      next += 1;
      await connect(local);
    }
  };
  await Promise.all(Array.from({ length: CONNECTING }, connector));

  port.on('message', (value: unknown) => {
    const parsed = commandSchema.safeParse(value);
    if (!parsed.success) return;
    const command: Command = parsed.data;
    if (command.type === 'change') {
      const local = command.index - setup.first;
      const socket = sockets[local];
      if (socket === undefined) return;
      states[local] = 'away';
      const message = JSON.stringify({ type: 'beat', state: 'away' });
      sent[local] = clock();
      socket.send(message);
      return;
    }
    // The sockets stay open (the relay would tell the other worker's members they went
    // offline); terminating the worker closes them.
    clearInterval(beater);
    tell({ type: 'report', sent, received, duplicates, offline, closed });
  });
  tell({ type: 'ready' });
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const setup = setupSchema.safeParse(workerData);
  if (setup.success) {
    runWorker(setup.data, port).catch((error: unknown) =>
      port.postMessage({ type: 'failed', message: String(error) } satisfies WorkerEvent),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Main thread: the relay, its members and the numbers.

class ClientWorker {
  private readonly events: WorkerEvent[] = [];
  private wake: (() => void) | undefined;
  private exitError: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (value: unknown) => {
      const parsed = eventSchema.safeParse(value);
      if (parsed.success) this.events.push(parsed.data);
      this.wake?.();
    });
    worker.on('error', (error) => {
      this.exitError = error;
      this.wake?.();
    });
    worker.on('exit', (code) => {
      this.exitError ??= new Error(`presence worker exited with ${code}`);
      this.wake?.();
    });
  }

  send(command: Command): void {
    this.worker.postMessage(command);
  }

  /** The next event of this type (others before it are dropped), or undefined at the deadline. */
  async next<T extends WorkerEvent['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<WorkerEvent, { type: T }> | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.events.shift();
      if (event?.type === 'failed') throw new Error(`presence worker: ${event.message}`);
      if (event !== undefined && isType(event, type)) return event;
      if (event !== undefined) continue;
      if (this.exitError !== undefined) throw this.exitError;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

function isType<T extends WorkerEvent['type']>(
  event: WorkerEvent,
  type: T,
): event is Extract<WorkerEvent, { type: T }> {
  return event.type === type;
}

interface Member {
  id: string;
  token: string;
}

/** Whether member g (on relay g mod n) reads and times what it receives. */
function reads(g: number, relays: number, readEvery: number): boolean {
  return Math.floor(g / relays) % readEvery === 0;
}

/** Members in teams, each with a token as if enrolled, straight into the store. */
async function seed(store: RelayStore, members: number, teams: number): Promise<Member[]> {
  const directory = new Directory(store);
  await directory.createOrg('Bench');
  const names: string[] = [];
  for (let t = 0; t < teams; t++)
    names.push((await directory.addTeam(undefined, `Team ${t}`)).name);
  const out: Member[] = [];
  for (let i = 0; i < members; i++) {
    const { member } = await directory.addMember({
      name: `Member ${i}`,
      teams: [names[i % teams] ?? 'Team 0'],
      admin: false,
    });
    const token = newToken();
    await store.addToken(hashToken(token), member.id, Date.now());
    out.push({ id: member.id, token });
  }
  return out;
}

interface Memory {
  rssMb: number;
  /** The process's peak RSS so far (VmHWM). */
  peakMb: number;
}

/** CPU seconds a process has used (user + system, all its threads). */
function cpuSeconds(pid: number | 'self'): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces), from the 3rd: utime is the 14th, stime 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function readMemory(pid: number): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024;
  };
  return { rssMb: kb('VmRSS'), peakMb: kb('VmHWM') };
}

/** Nearest-rank percentile of an ascending array. */
function percentileSorted(sorted: Float64Array, p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Shape {
  members: number;
  teams: number;
  /** Members that change, each once (spread over workers and replicas). */
  changes: number;
  /** One member in this many times its receipts (1: every member). */
  readEvery: number;
  changesPerSecond: number;
}

/** One relay on its SQLite data folder: 1,000 members, each changes once, 50 a second. */
export async function runPresenceBench(): Promise<BenchResult[]> {
  const relay = await TeamRelayProcess.start();
  try {
    // The first start made the data folder and its schema; seed it with the relay stopped.
    await relay.stop();
    const store = new SqliteStore(path.join(relay.dataDir, 'relay.db'));
    const members = await seed(store, 1000, 10).finally(() => store.close());
    await relay.serve();
    const { p50, p99, peakMb, idleMb } = await measure([relay], members, {
      members: 1000,
      teams: 10,
      changes: 1000,
      changesPerSecond: 50,
      readEvery: 1,
    });
    return [
      { name: 'presence.fanout_ms_p99', value: p99, unit: 'ms', goal: '< 200' },
      { name: 'presence.fanout_ms_p50', value: p50, unit: 'ms' },
      {
        name: 'presence.relay_rss_mb',
        value: peakMb,
        unit: 'MB',
        baseline: idleMb,
        goal: '< 300',
      },
    ];
  } finally {
    await relay.close();
  }
}

/**
 * Two replicas on one PostgreSQL and one Redis (servers from the Debian packages, on loopback):
 * 5,000 members, every other one on each replica; 1,000 of them change, 10 a second.
 */
export async function runReplicasBench(): Promise<BenchResult[]> {
  const [postgres, redis] = await Promise.all([startPostgres(), RedisServer.start()]);
  const relays: TeamRelayProcess[] = [];
  try {
    const storeUrl = await postgres.createDatabase();
    const store = await PgStore.open(storeUrl);
    const shape: Shape = {
      members: Number(process.env.TANDEM_BENCH_MEMBERS ?? 5000),
      teams: 50,
      changes: 1000,
      changesPerSecond: 10,
      readEvery: Number(process.env.TANDEM_BENCH_READ_EVERY ?? 10),
    };
    const members = await seed(store, shape.members, shape.teams).finally(() => store.close());
    for (let r = 0; r < 2; r++) {
      relays.push(
        await TeamRelayProcess.start({}, ['--redis', redis.url, '--max-connections', '4096'], {
          storeUrl,
        }),
      );
    }
    const { p50, p99, peakMb, idleMb } = await measure(relays, members, shape);
    return [
      { name: 'relay.replicas_fanout_ms_p99', value: p99, unit: 'ms', goal: '< 250' },
      { name: 'relay.replicas_fanout_ms_p50', value: p50, unit: 'ms' },
      { name: 'relay.replica_rss_mb', value: peakMb, unit: 'MB', baseline: idleMb },
    ];
  } finally {
    for (const relay of relays) await relay.close();
    await redis.stop();
    await postgres.close();
  }
}

/**
 * Connects every member (member g to relay g mod n), makes `changes` of them go away at a
 * steady pace, and times each change at every other member. The relays' memory: peak RSS of
 * the busiest one, and its RSS before anyone connected.
 */
async function measure(
  relays: TeamRelayProcess[],
  members: Member[],
  shape: Shape,
): Promise<{ p50: number; p99: number; peakMb: number; idleMb: number }> {
  const MEMBERS = shape.members;
  const workers: ClientWorker[] = [];
  try {
    const pids = relays.map((relay) => {
      const pid = relay.process?.pid;
      if (pid === undefined) throw new Error('relay has no pid');
      return pid;
    });
    await sleep(500);
    const idle = pids.map(readMemory);

    const ids = members.map((m) => m.id);
    const perWorker = MEMBERS / WORKERS;
    const addresses = Math.ceil(MEMBERS / PER_ADDRESS);
    const addressesPerWorker = Math.ceil(addresses / WORKERS);
    // Each member once, alternating workers (and so replicas), the first `changes` of them.
    const order = Array.from(
      { length: MEMBERS },
      (_, k) => (k % WORKERS) * perWorker + Math.floor(k / WORKERS),
    ).slice(0, shape.changes);
    const connectStarted = Date.now();
    for (let w = 0; w < WORKERS; w++) {
      const first = w * perWorker;
      const setup: Setup = {
        kind: 'presence-bench',
        urls: relays.map((relay) => relay.url),
        members: MEMBERS,
        senders: order,
        readEvery: shape.readEvery,
        ids,
        first,
        tokens: members.slice(first, first + perWorker).map((m) => m.token),
        addresses: Array.from(
          { length: addressesPerWorker },
          (_, a) => `127.0.0.${2 + w * addressesPerWorker + a}`,
        ),
      };
      // This same file, loaded through tsx inside the worker.
      const source = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
      workers.push(new ClientWorker(new Worker(source, { eval: true, workerData: setup })));
    }
    for (const worker of workers) {
      if ((await worker.next('ready', CONNECT_TIMEOUT_MS)) === undefined)
        throw new Error(`members did not connect within ${CONNECT_TIMEOUT_MS / 1000} s`);
    }
    const connectMs = Date.now() - connectStarted;
    // Let the connection storm's fan-out settle before the first change.
    await sleep(2000);
    const connected = pids.map(readMemory);

    const interval = 1000 / shape.changesPerSecond;
    const relayCpuBefore = pids.map(cpuSeconds);
    const benchCpuBefore = cpuSeconds('self');
    const started = performance.now();
    for (const [k, index] of order.entries()) {
      const wait = started + k * interval - performance.now();
      if (wait > 0) await sleep(wait);
      workers[Math.floor(index / perWorker)]?.send({ type: 'change', index });
    }
    const changesMs = performance.now() - started;
    const relayCpu = pids.map((pid, i) => cpuSeconds(pid) - (relayCpuBefore[i] ?? 0));
    const benchCpu = cpuSeconds('self') - benchCpuBefore;
    const drainUntil = Date.now() + DRAIN_MS;
    for (const worker of workers) await worker.next('complete', drainUntil - Date.now());
    await sleep(1000);
    const after = pids.map(readMemory);

    const sent = new Float64Array(MEMBERS).fill(Number.NaN);
    const reports: { first: number; received: Float64Array }[] = [];
    let duplicates = 0;
    let offline = 0;
    let closed = 0;
    for (const [w, worker] of workers.entries()) {
      worker.send({ type: 'report' });
      const report = await worker.next('report', 30_000);
      if (report === undefined) throw new Error('presence worker sent no report');
      sent.set(report.sent, w * perWorker);
      reports.push({ first: w * perWorker, received: report.received });
      duplicates += report.duplicates;
      offline += report.offline;
      closed += report.closed;
    }

    // Latencies by the quarter of the run their change was made in: a backlog that builds up
    // shows as quarters getting slower.
    const quarterOf = new Map<number, number>();
    order.forEach((index, k) => quarterOf.set(index, Math.floor((k * QUARTERS) / order.length)));
    const quarters = Array.from({ length: QUARTERS }, (): number[] => []);
    let missing = 0;
    for (const { first, received } of reports) {
      for (let r = 0; r < received.length / MEMBERS; r++) {
        if (!reads(first + r, relays.length, shape.readEvery)) continue;
        for (const s of order) {
          if (s === first + r) continue;
          const at = received[r * MEMBERS + s] ?? Number.NaN;
          const from = sent[s] ?? Number.NaN;
          if (Number.isNaN(at) || Number.isNaN(from)) missing += 1;
          else quarters[quarterOf.get(s) ?? 0]?.push(at - from);
        }
      }
    }
    const parts = quarters.map((quarter) => Float64Array.from(quarter).sort());
    const sorted = Float64Array.from(quarters.flat()).sort();
    const n = sorted.length;
    const p50 = percentileSorted(sorted, 50);
    const p99 = percentileSorted(sorted, 99);
    const byQuarter = parts
      .map((part) => `${round(percentileSorted(part, 50))}/${round(percentileSorted(part, 99))}`)
      .join(' ');
    const mb = (list: Memory[], key: keyof Memory) => list.map((m) => round(m[key])).join('+');
    process.stdout.write(
      `presence: ${MEMBERS} members on ${relays.length} relay(s) (1 in ${shape.readEvery} ` +
        `timing receipts) connected in ` +
        `${round(connectMs / 1000)} s; ${order.length} changes in ${round(changesMs / 1000)} s ` +
        `(CPU s: relays ${relayCpu.map(round).join('+')}, bench ${round(benchCpu)}); ` +
        `${n} receipts, ${missing} missing, ${duplicates} duplicate, ${offline} offline, ` +
        `${closed} closed; fan-out ms p50 ${round(p50)} p90 ${round(percentileSorted(sorted, 90))} ` +
        `p99 ${round(p99)} max ${round(percentileSorted(sorted, 100))} ` +
        `(p50/p99 by quarter of the run: ${byQuarter}); relay RSS MB idle ` +
        `${mb(idle, 'rssMb')}, connected ${mb(connected, 'rssMb')}, peak ${mb(after, 'peakMb')}, ` +
        `after ${mb(after, 'rssMb')}\n`,
    );
    const busiest = after.reduce((a, b) => (b.peakMb > a.peakMb ? b : a));
    return { p50, p99, peakMb: busiest.peakMb, idleMb: idle[after.indexOf(busiest)]?.rssMb ?? 0 };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
