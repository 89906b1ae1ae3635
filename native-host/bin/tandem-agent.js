#!/usr/bin/env node
// Entry point of `tandem-agent`. The agent is built to ../dist by `npm install` (prepare) or
// `npm run build:agent`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cliPath = fileURLToPath(import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    'tandem-agent is not built yet: run `npm run build:agent` in the Tandem repository\n',
  );
  process.exit(1);
}
const { main } = await import(built.href);
main(process.argv.slice(2), cliPath).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(
      `tandem-agent: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
