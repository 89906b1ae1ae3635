/**
 * `tandem-copilot`: the Copilot's offline analyzers for scripts.
 *
 *   tandem-copilot classify   one command per line on stdin → one JSON line per command:
 *                             {"command", "changesState": true|false|null, "reason"}
 */
import readline from 'node:readline';
import { classify } from './classify.js';

const USAGE = `Usage: tandem-copilot classify < commands.txt

  classify   Reads one command per line on standard input and writes one JSON line per
             command: {"command", "changesState": true | false | null, "reason"}.
             null means the rule table cannot judge it (treat it as a possible change).
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== 'classify' || rest.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const { changesState, reason } = classify(line);
    const ok = process.stdout.write(JSON.stringify({ command: line, changesState, reason }) + '\n');
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  return 0;
}
