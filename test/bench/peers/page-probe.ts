/**
 * The `peer` bench's measuring code inside a page: the same code in Tandem's side panel and in
 * wetty's page, each driving its page's own xterm `Terminal` the way a keystroke does
 * (`term.input`, which the page sends to its server) and timing until xterm has parsed what
 * came back (`onWriteParsed`; painting follows on the next frame for both).
 *
 * Long measurements run as jobs in the page that Node polls, so no single DevTools call lasts
 * longer than puppeteer's protocol timeout (a 50 MiB flood into a slow page may take minutes).
 */
import type { Page } from 'puppeteer';
import type { Terminal } from '@xterm/xterm';

/** Which terminal of the page to drive. */
export type ProbeTarget = { kind: 'tandem'; sessionId: string } | { kind: 'wetty' };

interface Job {
  done: boolean;
  value?: unknown;
  error?: string;
}

/** What `installProbe` leaves in the page. */
export interface PeerProbe {
  term(): Terminal;
  /** The last `count` lines up to the cursor's, right-trimmed. */
  tail(count: number): string[];
  /** Which xterm renderer draws the terminal. */
  renderer(): 'WebGL' | 'DOM';
  /** Starts a measurement; returns its job id for `poll`. */
  start(name: ProbeJob, args: unknown[]): number;
  poll(id: number): Job;
}

export type ProbeJob = 'echo' | 'command' | 'ctrlC' | 'rawWrite';

declare global {
  interface Window {
    __peer?: PeerProbe;
    /** wetty's terminal (its client sets it; an xterm Terminal subclass). */
    wetty_term?: Terminal;
  }
}

/** Installs `window.__peer` in the page, driving `target`'s terminal. */
export async function installProbe(page: Page, target: ProbeTarget): Promise<void> {
  // tsx (esbuild keepNames) wraps named inner functions in __name(); give the page one.
  await page.evaluate('globalThis.__name = (f) => f');
  await page.evaluate((t: ProbeTarget) => {
    // The test's hook type (test/e2e/hook.ts) names only what tests call: check the rest.
    const isTerminal = (value: unknown): value is Terminal =>
      typeof value === 'object' &&
      value !== null &&
      'onWriteParsed' in value &&
      'buffer' in value &&
      'input' in value &&
      'write' in value;
    const term = (): Terminal => {
      const found: unknown =
        t.kind === 'wetty'
          ? window.wetty_term
          : window.__tandem?.model.sessions.find((s) => s.id === t.sessionId)?.terminal.term;
      if (!isTerminal(found)) throw new Error(`no terminal for ${JSON.stringify(t)}`);
      return found;
    };
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

    /** The last `count` lines up to the cursor's, trailing spaces trimmed (typed ones too). */
    const tail = (count: number): string[] => {
      const buffer = term().buffer.active;
      const cursor = buffer.baseY + buffer.cursorY;
      const lines: string[] = [];
      for (let i = Math.max(0, cursor - count + 1); i <= cursor; i++) {
        lines.push((buffer.getLine(i)?.translateToString(true) ?? '').trimEnd());
      }
      return lines;
    };

    /** Resolves once `test()` holds, checked now and after each parsed write. */
    const until = (test: () => boolean, timeoutMs: number, what: string): Promise<void> =>
      new Promise((resolve, reject) => {
        if (test()) {
          resolve();
          return;
        }
        const started = performance.now();
        const parsed = term().onWriteParsed(() => {
          if (!test()) return;
          finish();
          resolve();
        });
        // Timers still run in a hidden page (animation frames do not).
        const timer = setInterval(() => {
          if (performance.now() - started < timeoutMs) return;
          finish();
          const shown = tail(4).join(' | ');
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; shows: ${shown}`));
        }, 250);
        const finish = (): void => {
          parsed.dispose();
          clearInterval(timer);
        };
      });

    /** Resolves once nothing has been parsed for `ms`. */
    const quiet = async (ms: number): Promise<void> => {
      let last = performance.now();
      const parsed = term().onWriteParsed(() => (last = performance.now()));
      try {
        while (performance.now() - last < ms) await sleep(ms / 4);
      } finally {
        parsed.dispose();
      }
    };

    /**
     * Keystroke → its echo parsed, `count` times, a key every `gapMs` after the last echo; the
     * line is cleared (Ctrl-U) every 50 keys.
     */
    const echo = async (count: number, gapMs: number): Promise<number[]> => {
      const times: number[] = [];
      await quiet(200);
      for (let i = 0; i < count; i++) {
        if (i % 50 === 0 && i > 0) {
          term().input('\x15', true);
          await quiet(100);
        }
        const echoed = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no echo within 5 s')), 5000);
          const parsed = term().onWriteParsed(() => {
            parsed.dispose();
            clearTimeout(timer);
            resolve();
          });
        });
        const t0 = performance.now();
        term().input('x', true);
        await echoed;
        times.push(performance.now() - t0);
        await sleep(gapMs);
      }
      term().input('\x15', true);
      await quiet(200);
      return times;
    };

    /**
     * Types `line` (a command that ends by printing `marker`), waits until its echo settled,
     * then presses Enter: ms from Enter until the marker line is parsed.
     */
    const command = async (line: string, marker: string, timeoutMs: number): Promise<number> => {
      await quiet(200);
      term().input(line, true);
      await until(() => tail(3).join('').includes(line.slice(-20)), 10_000, 'the command echo');
      await quiet(200);
      const t0 = performance.now();
      term().input('\r', true);
      await until(() => tail(3).includes(marker), timeoutMs, `"${marker}"`);
      const ms = performance.now() - t0;
      await quiet(200);
      return ms;
    };

    /**
     * `yes`, ~1 s of its output, then Ctrl-C: ms from the Ctrl-C to the prompt (`prompt`,
     * right-trimmed, alone on the cursor's line), `samples` times.
     */
    const ctrlC = async (prompt: string, samples: number, timeoutMs: number): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        await quiet(200);
        term().input('yes\r', true);
        await until(() => tail(2).includes('y'), 10_000, 'output of yes');
        await sleep(1000);
        const t0 = performance.now();
        term().input('\x03', true);
        await until(() => tail(1)[0] === prompt, timeoutMs, 'the prompt after Ctrl-C');
        times.push(performance.now() - t0);
      }
      await quiet(200);
      return times;
    };

    /** A fresh terminal like the page's own (same class and options where reachable). */
    const baselineTerminal = (): { term: Terminal; dispose(): void } => {
      const host = document.createElement('div');
      host.style.cssText = 'position:fixed;left:0;top:0;width:1400px;height:900px;z-index:9';
      if (t.kind === 'tandem') {
        const hook = window.__tandem;
        if (hook === undefined) throw new Error('no window.__tandem');
        // The panel's TerminalController: the options, addons and renderer the panel uses.
        const controller = hook.createTerminal();
        const element: unknown = 'element' in controller ? controller.element : undefined;
        const fresh: unknown = controller.term;
        if (!(element instanceof HTMLElement) || !isTerminal(fresh)) {
          throw new Error('createTerminal() returned no terminal and element');
        }
        element.style.width = host.style.width;
        element.style.height = host.style.height;
        return {
          term: fresh,
          dispose: () => {
            controller.dispose();
            element.remove();
          },
        };
      }
      // wetty's Term subclass: its constructor takes the socket (kept, used only on resize)
      // and loads the same addons (WebGL included) the page's terminal has.
      const own = term();
      const fresh: Terminal = Reflect.construct(own.constructor, [{ emit: () => undefined }]);
      fresh.options.fontSize = own.options.fontSize;
      document.body.appendChild(host);
      fresh.open(host);
      return {
        term: fresh,
        dispose: () => {
          fresh.dispose();
          host.remove();
        },
      };
    };

    /**
     * The page's own limit: the flood's characters (`block`, `count` times) written with
     * `term.write` into a fresh terminal of the same size; ms.
     */
    const rawWrite = async (block: string, count: number): Promise<number> => {
      const { cols, rows } = term();
      const baseline = baselineTerminal();
      try {
        // Let the panel's controller fit itself to its element first (a ResizeObserver), then
        // set the size: nothing resizes it again while the element keeps its size.
        await sleep(200);
        baseline.term.resize(cols, rows);
        await sleep(100);
        if (baseline.term.cols !== cols || baseline.term.rows !== rows) {
          throw new Error(`baseline terminal is ${baseline.term.cols}×${baseline.term.rows}`);
        }
        const chunks: string[] = [];
        for (let at = 0; at < block.length; at += 65536) chunks.push(block.slice(at, at + 65536));
        const t0 = performance.now();
        // xterm drops writes beyond 50 MB queued: keep up to 2 MB in flight, as any caller must.
        await new Promise<void>((resolve) => {
          let next = 0;
          const total = chunks.length * count;
          let inFlight = 0;
          const pump = (): void => {
            while (next < total && inFlight < 2 * 1024 * 1024) {
              const chunk = chunks[next % chunks.length] ?? '';
              next += 1;
              const last = next === total;
              inFlight += chunk.length;
              baseline.term.write(chunk, () => {
                inFlight -= chunk.length;
                if (last) resolve();
                else pump();
              });
            }
          };
          pump();
        });
        return performance.now() - t0;
      } finally {
        baseline.dispose();
      }
    };

    const jobs = new Map<number, Job>();
    let nextId = 1;
    window.__peer = {
      term,
      tail,
      // xterm's WebGL renderer draws into a canvas in .xterm-screen; the DOM renderer has none.
      renderer: () => (term().element?.querySelector('.xterm-screen canvas') ? 'WebGL' : 'DOM'),
      start(name, args) {
        const id = nextId++;
        const job: Job = { done: false };
        jobs.set(id, job);
        const run = async (): Promise<unknown> => {
          const [a, b, c] = args;
          switch (name) {
            case 'echo':
              return echo(Number(a), Number(b));
            case 'command':
              return command(String(a), String(b), Number(c));
            case 'ctrlC':
              return ctrlC(String(a), Number(b), Number(c));
            case 'rawWrite':
              return rawWrite(String(a), Number(b));
          }
        };
        run().then(
          (value) => Object.assign(job, { done: true, value }),
          (error: unknown) =>
            Object.assign(job, {
              done: true,
              error: error instanceof Error ? error.message : String(error),
            }),
        );
        return id;
      },
      poll(id) {
        const job = jobs.get(id) ?? { done: true, error: `no job ${id}` };
        if (job.done) jobs.delete(id);
        return job;
      },
    };
  }, target);
}

/**
 * Runs a probe job in the page and waits for its result, polling every 250 ms; throws the
 * page's error, or after `timeoutMs`.
 */
export async function probe(
  page: Page,
  name: ProbeJob,
  args: unknown[],
  timeoutMs: number,
): Promise<unknown> {
  const id = await page.evaluate(
    (n: ProbeJob, a: unknown[]) => {
      if (window.__peer === undefined) throw new Error('the peer probe is not installed');
      return window.__peer.start(n, a);
    },
    name,
    args,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const job = await page.evaluate((i: number) => window.__peer?.poll(i), id);
    if (job === undefined) throw new Error(`the page lost the peer probe during ${name}`);
    if (job.done) {
      if (job.error !== undefined) throw new Error(`${name} in ${page.url()}: ${job.error}`);
      return job.value;
    }
    if (Date.now() > deadline)
      throw new Error(`${name} in ${page.url()} took over ${timeoutMs} ms`);
  }
}

/** The numbers a job returned; throws when it returned something else. */
export function numbers(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) {
    throw new Error(`expected numbers from the page, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function number(value: unknown): number {
  if (typeof value !== 'number') throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return value;
}
