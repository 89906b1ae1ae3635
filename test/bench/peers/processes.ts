/**
 * Child processes of the `peer` bench: free ports, stopping what the bench started (its own
 * process groups only) and sampling the servers' memory from /proc.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { sampleProcess } from '../reliability.js';
import { freePort } from '../../fixtures/ports.js';

export { freePort };

/**
 * Stops a child started with `detached: true` and everything in its process group (a server's
 * shells): SIGTERM, then SIGKILL after two seconds.
 */
export async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pid, name);
    } catch {
      // the group is gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 2000);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  clearTimeout(timer);
}

/** Parent pid and command name of every process, read once from /proc. */
function processTable(): Map<number, { ppid: number; comm: string }> {
  const table = new Map<number, { ppid: number; comm: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      table.set(Number(entry), { ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/**
 * The node processes among `roots` and their descendants: a server's own processes, not the
 * shells (and their `cat`) it runs, which are the same for every peer.
 */
export function nodeProcesses(roots: number[]): number[] {
  const table = processTable();
  const found = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (pid === undefined || found.has(pid)) continue;
    found.add(pid);
    for (const [child, info] of table) if (info.ppid === pid) queue.push(child);
  }
  return [...found].filter((pid) => table.get(pid)?.comm.startsWith('node') === true);
}

/** Sums the RSS (MB) of `pids()` every `everyMs` and keeps the peak, until stopped. */
export class RssSampler {
  peakMb = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly pids: () => number[],
    everyMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): number {
    let kb = 0;
    for (const pid of this.pids()) kb += sampleProcess(pid)?.rssKb ?? 0;
    this.peakMb = Math.max(this.peakMb, kb / 1024);
    return kb / 1024;
  }

  /** Stops sampling; returns the peak. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakMb;
  }
}

/** "pid name" of each process, for the log: which processes a figure adds up. */
export function describeProcesses(pids: number[]): string {
  return pids
    .map((pid) => {
      try {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const script = args.find((a) => a.endsWith('.js') || a.endsWith('.mjs')) ?? args[0] ?? '';
        const role = args[args.indexOf(script) + 1] ?? '';
        return `${pid} ${script.split('/').slice(-2).join('/')} ${role}`.trim();
      } catch {
        return `${pid} (gone)`;
      }
    })
    .join(', ');
}
