/**
 * Side panel benchmarks in real Chromium, each against a baseline measured in the same page:
 * - keystroke → echo written into the panel's xterm, against a bare native-messaging round
 *   trip (the page's own connectNative port to an echo session): what the panel adds;
 * - a 50 MB PTY flood into the panel's xterm, against `term.write` of the same bytes into a
 *   terminal of the same size in the same page.
 * "Written" means xterm parsed it (write callback); painting follows on the next frame for both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchTandem } from '../e2e/browser.js';
import { panelEcho } from './panel-echo.js';
import { percentile, type BenchResult } from './results.js';

const ECHO_ROUNDS = 400;
const FLOOD_MB = Number(process.env.TANDEM_BENCH_FLOOD_MB ?? 50);
const LINE = 'The quick brown fox jumps over the lazy dog 0123456789 ~!@#$%^&*()_+\n';

function makeFloodFile(): string {
  const file = path.join(os.tmpdir(), `tandem-panel-flood-${process.pid}.txt`);
  const block = LINE.repeat(Math.ceil((1024 * 1024) / LINE.length)).slice(0, 1024 * 1024);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < FLOOD_MB; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return file;
}

export async function runPanelBench(): Promise<BenchResult[]> {
  const tandem = await launchTandem();
  const file = makeFloodFile();
  try {
    const page = await tandem.openPanel();
    await page.waitForFunction(() => window.__tandem?.linkState() === 'connected');
    // tsx (esbuild keepNames) wraps named inner functions in __name(); give the page one.
    await page.evaluate('globalThis.__name = (f) => f');

    const bare = await page.evaluate(async (rounds: number) => {
      const port = chrome.runtime.connectNative('dev.tandem.agent');
      let waiting: ((message: Record<string, unknown>) => void) | undefined;
      port.onMessage.addListener((message: Record<string, unknown>) => waiting?.(message));
      const next = (
        test: (m: Record<string, unknown>) => boolean,
      ): Promise<Record<string, unknown>> =>
        new Promise((resolve) => {
          waiting = (m) => {
            if (test(m)) resolve(m);
          };
        });
      let id = 1;
      const ask = async (type: string, fields: object): Promise<Record<string, unknown>> => {
        const want = id++;
        const reply = next((m) => m.type === 'reply' && m.id === want);
        port.postMessage({ v: 1, type, id: want, ...fields });
        const r = await reply;
        if (r.ok !== true) throw new Error(JSON.stringify(r));
        return r;
      };
      await ask('hello', { client: { name: 'bench' }, protocol: 1 });
      const opened = await ask('session.open', { device: { kind: 'echo' }, cols: 80, rows: 24 });
      const result = opened.result;
      const sessionId =
        typeof result === 'object' && result !== null && 'sessionId' in result
          ? String(result.sessionId)
          : '';
      await ask('session.attach', { sessionId });
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const output = next((m) => m.type === 'session.output');
        const t0 = performance.now();
        port.postMessage({ v: 1, type: 'session.input', sessionId, data: 'x' });
        const m = await output;
        times.push(performance.now() - t0);
        port.postMessage({ v: 1, type: 'session.ack', sessionId, chars: String(m.data).length });
      }
      await ask('session.close', { sessionId });
      port.disconnect();
      return times;
    }, ECHO_ROUNDS);

    const echoSession = await page.evaluate(
      () => window.__tandem?.open({ kind: 'echo' }, 'echo') ?? '',
    );
    await new Promise((r) => setTimeout(r, 300));
    const panel = await panelEcho(page, echoSession, ECHO_ROUNDS);

    process.stdout.write(
      `  echo: bare p50 ${percentile(bare, 50).toFixed(2)} ms, panel p50 ${percentile(panel, 50).toFixed(2)} ms\n`,
    );
    const bytes = fs.statSync(file).size;
    const text = fs.readFileSync(file, 'latin1');
    let newlines = 0;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) newlines++;
    const expected = bytes + newlines; // the PTY turns each \n into \r\n
    const flood = await page.evaluate(
      async (floodFile: string, expectedChars: number, line: string, mb: number) => {
        const hook = window.__tandem;
        if (hook === undefined) throw new Error('no hook');
        const sessionId = await hook.open(
          { kind: 'pty', shell: '/bin/sh', args: ['-c', `read go; cat '${floodFile}'; read done`] },
          'flood',
        );
        const view = hook.model.sessions.find((s) => s.id === sessionId);
        if (view === undefined) throw new Error('no view');
        await new Promise((r) => setTimeout(r, 500));
        const start = view.writtenChars;
        const t0 = performance.now();
        view.terminal.term.input('\r', true);
        while (view.writtenChars - start < expectedChars) {
          await Promise.race([view.nextWrite(), new Promise((r) => setTimeout(r, 2000))]);
          if (performance.now() - t0 > 150_000) {
            throw new Error(
              `flood stalled at ${view.writtenChars - start} of ${expectedChars} chars`,
            );
          }
        }
        const panelMs = performance.now() - t0;

        const baseline = hook.createTerminal();
        const crlf = line.replace('\n', '\r\n');
        const block = crlf.repeat(Math.ceil((1024 * 1024) / line.length) + 1);
        const chunks: string[] = [];
        let left = expectedChars;
        while (left > 0) {
          const piece = block.slice(0, Math.min(65536, left));
          chunks.push(piece);
          left -= piece.length;
        }
        void mb;
        const t1 = performance.now();
        // xterm drops writes beyond 50 MB queued: keep up to 2 MB in flight, as any caller must.
        await new Promise<void>((resolve) => {
          let next = 0;
          let inFlight = 0;
          const pump = (): void => {
            while (next < chunks.length && inFlight < 2 * 1024 * 1024) {
              const chunk = chunks[next] ?? '';
              const last = next === chunks.length - 1;
              next += 1;
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
        const writeMs = performance.now() - t1;
        baseline.dispose();
        return { panelMs, writeMs };
      },
      file,
      expected,
      LINE,
      FLOOD_MB,
    );

    const p50 = percentile(panel, 50) - percentile(bare, 50);
    const p99 = percentile(panel, 99) - percentile(bare, 99);
    return [
      {
        name: 'panel.echo_added_ms_p50',
        value: p50,
        unit: 'ms',
        baseline: percentile(bare, 50),
        goal: '< 2',
      },
      {
        name: 'panel.echo_added_ms_p99',
        value: p99,
        unit: 'ms',
        baseline: percentile(bare, 99),
        goal: '< 10',
      },
      {
        name: 'panel.flood_ratio',
        value: flood.writeMs / flood.panelMs,
        unit: 'x',
        baseline: flood.writeMs,
        ratio: flood.writeMs / flood.panelMs,
        goal: '>= 0.8',
      },
    ];
  } finally {
    fs.rmSync(file, { force: true });
    await tandem.close();
  }
}
