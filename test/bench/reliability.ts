/**
 * What the stress and soak suites share: a view of a session that keeps only a tail, the
 * agent's processes and their /proc figures, and a summary of the agent's log.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentEvent, RequestMap, RequestType } from '../../protocol/index.js';
import { agentPid, childRunning } from '../fixtures/agent.js';

/** Enough to hold any marker the suites wait for, plus the chunk boundary it may straddle. */
const TAIL_CHARS = 4096;

/** The agent as one party sees it: the owner's client or a remote participant. */
export interface Party {
  notify<T extends RequestType>(type: T, fields: RequestMap[T]): void;
  onEvent(listener: (event: AgentEvent) => void): unknown;
}

interface Waiter {
  test: (text: string) => boolean;
  resolve: () => void;
}

/**
 * One party's view of a session, reduced to a count and a tail (a flood would make a full
 * transcript the biggest thing in the bench). The owner's view acknowledges what it reads, as
 * the panel does (else flow control pauses the device); a remote one does not, as a remote
 * panel does not.
 */
export class SessionTail {
  received = 0;
  private tail = '';
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly party: Party,
    readonly sessionId: string,
    options: { ack: boolean },
  ) {
    party.onEvent((event) => {
      if (event.type !== 'session.output' && event.type !== 'session.snapshot') return;
      if (event.sessionId !== sessionId) return;
      if (options.ack) party.notify('session.ack', { sessionId, chars: event.data.length });
      this.received += event.data.length;
      // Waiters see the old tail plus the new text before it is cut: one output chunk can be
      // 64 KiB, with a marker anywhere in it.
      const text = this.tail + event.data;
      for (const waiter of this.waiters) {
        if (!waiter.test(text)) continue;
        this.waiters.delete(waiter);
        waiter.resolve();
      }
      this.tail = text.slice(-TAIL_CHARS);
    });
  }

  /** Types `data` into the session as this party. */
  type(data: string): void {
    this.party.notify('session.input', { sessionId: this.sessionId, data });
  }

  /** Runs `command` in the session's bash and waits for `marker` printed after it. */
  async run(command: string, marker: string, timeoutMs = 30_000): Promise<void> {
    // The typed line shows `${marker}-$((1))`; only the shell's output says `${marker}-1`.
    const done = this.waitFor(`${marker}-1`, timeoutMs);
    this.type(`${command}; echo ${marker}-$((1))\r`);
    await done;
  }

  /** Resolves when `marker` arrives (output from now on; markers are unique per use). */
  waitFor(marker: string, timeoutMs: number): Promise<void> {
    return this.until((text) => text.includes(marker), JSON.stringify(marker), timeoutMs);
  }

  /** Resolves when what arrived last ends with `text` (a keystroke's echo). */
  waitForEnd(text: string, timeoutMs: number): Promise<void> {
    return this.until((t) => t.endsWith(text), `…${JSON.stringify(text)}`, timeoutMs);
  }

  private until(test: (text: string) => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `${this.sessionId}: no ${what} within ${timeoutMs} ms; got …` +
              JSON.stringify(this.tail.slice(-200)),
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

export interface AgentProcesses {
  agent: number;
  /** The WebRTC child (native-host/peer/peer-process). */
  peer: number | undefined;
  /** The embedded relay child (`tandem-relay`, relay/dist/relay.js). */
  relay: number | undefined;
}

export function agentProcesses(env: NodeJS.ProcessEnv): AgentProcesses {
  const agent = agentPid(env);
  if (agent === undefined) throw new Error('the agent is not running');
  return {
    agent,
    peer: childRunning(agent, 'peer-process'),
    relay: childRunning(agent, 'relay.js'),
  };
}

export interface ProcessSample {
  rssKb: number;
  fds: number;
}

/** VmRSS and open descriptors of a live process; undefined once it is gone. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    if (rss === undefined) return undefined;
    return { rssKb: Number(rss), fds: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

export interface LogSummary {
  /** Lines per event name. */
  events: Map<string, number>;
  /** warn and error events, `level event` → count. */
  problems: Map<string, number>;
  /** warn and error events, `level event` → the distinct `error` fields they carried. */
  reasons: Map<string, Set<string>>;
  /** Lines that are not the agent's JSON: its stderr (a child's crash report lands here). */
  stray: string[];
}

/** Reads the agent's log (agent.log under XDG_STATE_HOME/tandem; it is also the daemon's stderr). */
export function readAgentLog(env: NodeJS.ProcessEnv): LogSummary {
  const file = path.join(env.XDG_STATE_HOME ?? '', 'tandem', 'agent.log');
  const summary: LogSummary = {
    events: new Map(),
    problems: new Map(),
    reasons: new Map(),
    stray: [],
  };
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return summary;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !('event' in parsed) ||
      typeof parsed.event !== 'string'
    ) {
      summary.stray.push(line);
      continue;
    }
    const { event } = parsed;
    summary.events.set(event, (summary.events.get(event) ?? 0) + 1);
    const level = 'level' in parsed && typeof parsed.level === 'string' ? parsed.level : '';
    if (level === 'warn' || level === 'error') {
      const key = `${level} ${event}`;
      summary.problems.set(key, (summary.problems.get(key) ?? 0) + 1);
      if ('error' in parsed && typeof parsed.error === 'string') {
        const reasons = summary.reasons.get(key) ?? new Set<string>();
        reasons.add(parsed.error);
        summary.reasons.set(key, reasons);
      }
    }
  }
  return summary;
}

/** Prints the log's warnings, errors and stray lines (at most a few of those). */
export function printLogSummary(label: string, summary: LogSummary): void {
  const problems = [...summary.problems].map(([key, count]) => {
    const reasons = [...(summary.reasons.get(key) ?? [])];
    const shown = reasons.slice(0, 3).map((reason) => JSON.stringify(reason));
    if (reasons.length > 3) shown.push(`${reasons.length - 3} more`);
    return `${key} ×${count}${shown.length === 0 ? '' : ` (${shown.join(', ')})`}`;
  });
  process.stdout.write(
    `${label}: agent log warnings/errors: ${problems.length === 0 ? 'none' : problems.join(', ')}\n`,
  );
  if (summary.stray.length > 0) {
    process.stdout.write(`${label}: ${summary.stray.length} non-JSON lines in agent.log, e.g.:\n`);
    for (const line of summary.stray.slice(0, 5)) process.stdout.write(`  ${line.slice(0, 300)}\n`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
