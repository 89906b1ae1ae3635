#!/usr/bin/env node
// Entry point of `tandem-copilot`. Built to ../dist by `npm install` (prepare) or
// `npm run build:agent`.
import { existsSync } from 'node:fs';

const built = new URL('../dist/copilot-cli.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    'tandem-copilot is not built yet: run `npm run build:agent` in the Tandem repository\n',
  );
  process.exit(1);
}
const { main } = await import(built.href);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(
      `tandem-copilot: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
