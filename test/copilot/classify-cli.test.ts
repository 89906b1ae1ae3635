/** `tandem-copilot classify` as a script uses it: the built bin, stdin in, JSON lines out. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from './corpus.js';

const BIN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../native-host/bin/tandem-copilot.js',
);

function run(
  args: string[],
  input: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

describe('tandem-copilot classify', () => {
  it('writes one JSON line per command read on stdin', async () => {
    const input =
      'ls -la\nsudo systemctl restart nginx\n\nfrobnicate --now\r\nshow run | include hostname\n';
    const { code, out } = await run(['classify'], input);
    expect(code).toBe(0);
    const lines = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { command: 'ls -la', changesState: false, reason: 'reads or prints only' },
      {
        command: 'sudo systemctl restart nginx',
        changesState: true,
        reason: 'sudo: systemctl: starts, stops or changes units',
      },
      {
        command: 'frobnicate --now',
        changesState: null,
        reason: 'frobnicate: not in the rule table',
      },
      {
        command: 'show run | include hostname',
        changesState: false,
        reason: 'show: reads device state; network CLI output filter',
      },
    ]);
  });

  it('answers the whole corpus, in order, one line each', async () => {
    const commands = loadCorpus()
      .filter((e) => e.context === undefined)
      .map((e) => e.command);
    const { code, out } = await run(['classify'], commands.join('\n') + '\n');
    expect(code).toBe(0);
    const answered = out
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { command: string }).command);
    expect(answered).toEqual(commands);
  });

  it('prints usage and fails on an unknown subcommand', async () => {
    const { code, err } = await run(['summarize'], '');
    expect(code).toBe(2);
    expect(err).toContain('Usage: tandem-copilot classify');
  });
});
