/**
 * tmux, the latency floor the `peer` bench reports beside wetty: a tmux server on a private
 * socket runs the same shell; two clients attach through PTYs of this process (node-pty), and
 * the echo is timed through the second one — keystroke written to its PTY → the echoed
 * character in that client's output, as a second person attached to a shared tmux sees it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { spawn, type IPty } from 'node-pty';

const run = promisify(execFile);

export interface Tmux {
  /** Keystroke → echo through the second client, `count` times, a key every `gapMs`; ms. */
  echo(count: number, gapMs: number): Promise<number[]>;
  stop(): Promise<void>;
}

/** Resolves at the first output of `client` that passes `test`; rejects after `timeoutMs`. */
function output(client: IPty, test: (data: string) => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`tmux: no matching output within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = client.onData((data) => {
      if (!test(data)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve();
    });
  });
}

/** Resolves once `client` has printed nothing for `ms`. */
async function quiet(client: IPty, ms: number): Promise<void> {
  let last = performance.now();
  const listener = client.onData(() => (last = performance.now()));
  try {
    while (performance.now() - last < ms) await new Promise((r) => setTimeout(r, ms / 4));
  } finally {
    listener.dispose();
  }
}

/**
 * Starts `tmux -L <socket>` with a detached 100×30 session running `shell` and attaches two
 * clients; the shell's prompt is set to `prompt`.
 */
export async function startTmux(
  shell: string[],
  env: NodeJS.ProcessEnv,
  prompt: string,
): Promise<Tmux> {
  const socket = `bench-peer-${process.pid}`;
  const tmux = (args: string[]): Promise<unknown> =>
    run('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env, timeout: 10_000 });
  await tmux(['new-session', '-d', '-s', 'peer', '-x', '100', '-y', '30', ...shell]);
  // The tmux server is a daemon: should the bench die (Ctrl-C, a crash), the exit hook ends it.
  const onExit = (): void => {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  const clients: IPty[] = [];
  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    for (const client of clients) client.kill();
    await tmux(['kill-server']).catch(() => undefined);
  };
  try {
    // No status line: its clock would redraw in the middle of a measurement.
    await tmux(['set', '-g', 'status', 'off']);
    for (let i = 0; i < 2; i++) {
      const client = spawn('tmux', ['-L', socket, 'attach', '-t', 'peer'], {
        name: 'xterm-256color',
        cols: 100,
        rows: 30,
        env: { ...env, TERM: 'xterm-256color' },
      });
      // Read (and drop) every client's output, as a terminal would.
      client.onData(() => undefined);
      clients.push(client);
    }
    const [, second] = clients;
    if (second === undefined) throw new Error('tmux: no second client');
    await quiet(second, 300);
    const promptShown = output(second, (data) => data.includes(prompt.trimEnd()), 10_000);
    second.write(`PS1='${prompt}'\r`);
    await promptShown;
    await quiet(second, 300);
    return {
      async echo(count, gapMs) {
        const times: number[] = [];
        for (let i = 0; i < count; i++) {
          if (i % 50 === 0 && i > 0) {
            second.write('\x15');
            await quiet(second, 100);
          }
          const echoed = output(second, (data) => data.includes('x'), 5000);
          const t0 = performance.now();
          second.write('x');
          await echoed;
          times.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, gapMs));
        }
        second.write('\x15');
        await quiet(second, 200);
        return times;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
