/**
 * One agent per user, even when several start at once next to a stale lock (a crashed agent's
 * pid file): the native host starts the daemon from every Chrome port that finds no agent, so
 * simultaneous starts are the normal case after a crash.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../native-host/client.js';
import {
  AGENT_BIN,
  REPO_ROOT,
  agentPid,
  isAlive,
  makeAgentEnv,
  stopAgent,
  waitForExit,
  type AgentEnv,
} from '../fixtures/agent.js';

/** A pid no process has any more: one of a child that has exited. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe('the agent lock', () => {
  it('goes to exactly one of eight processes that take it at the same moment from a stale holder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-lock-'));
    const lock = path.join(dir, 'agent.pid');
    const contenders: { child: ChildProcessWithoutNullStreams; next: () => Promise<string> }[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(REPO_ROOT, 'test/fixtures/lock-contender.ts'), lock],
          { cwd: REPO_ROOT, stdio: 'pipe' },
        );
        const lines = createInterface({ input: child.stdout });
        const queue: string[] = [];
        const waiting: ((line: string) => void)[] = [];
        lines.on('line', (line) => {
          const take = waiting.shift();
          if (take !== undefined) take(line);
          else queue.push(line);
        });
        const next = (): Promise<string> => {
          const line = queue.shift();
          return line !== undefined
            ? Promise.resolve(line)
            : new Promise((resolve) => waiting.push(resolve));
        };
        contenders.push({ child, next });
      }
      for (const contender of contenders) expect(await contender.next()).toBe('ready');
      for (let round = 0; round < 40; round++) {
        // A crashed agent's lock: its pid is dead. Then everyone goes at once.
        fs.writeFileSync(lock, String(deadPid()));
        for (const { child } of contenders) child.stdin.write(`go ${round}\n`);
        const answers = await Promise.all(contenders.map((c) => c.next()));
        const winners = answers.filter((answer) => answer === `${round} won`);
        expect(winners, `round ${round}: ${answers.join(', ')}`).toHaveLength(1);
        const winner = contenders[answers.indexOf(`${round} won`)];
        expect(fs.readFileSync(lock, 'utf8')).toBe(String(winner?.child.pid));
        // Nothing left behind but the lock itself.
        expect(fs.readdirSync(dir)).toEqual(['agent.pid']);
      }
    } finally {
      for (const { child } of contenders) child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('two agents started at once next to a stale lock', () => {
  let agentEnv: AgentEnv;

  beforeAll(() => {
    agentEnv = makeAgentEnv();
  });
  afterAll(async () => {
    await agentEnv.cleanup();
  });

  it('leaves exactly one daemon running, reachable on the socket', async () => {
    const runtime = path.join(agentEnv.env.XDG_RUNTIME_DIR ?? '', 'tandem');
    for (let round = 0; round < 3; round++) {
      fs.mkdirSync(runtime, { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(runtime, 'agent.pid'), String(deadPid()));
      const daemons = [0, 1].map(() =>
        spawn(process.execPath, [AGENT_BIN, 'daemon'], { env: agentEnv.env, stdio: 'ignore' }),
      );
      const exits = daemons.map(
        (child) => new Promise<number | null>((resolve) => child.once('exit', resolve)),
      );
      // One says "already running" and exits 0; the other stays.
      const first = await Promise.race(exits);
      expect(first).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const running = daemons.filter((child) => child.pid !== undefined && isAlive(child.pid));
      expect(running).toHaveLength(1);
      const survivor = running[0]?.pid;
      expect(agentPid(agentEnv.env)).toBe(survivor);
      const client = await AgentClient.connect(agentEnv.socketPath);
      const reply = await client.request('hello', { client: { name: 'test' }, protocol: 1 });
      expect(reply.agent.pid).toBe(survivor);
      client.close();
      await stopAgent(agentEnv.env);
      if (survivor !== undefined) expect(await waitForExit(survivor, 5000)).toBe(true);
    }
  });
});
