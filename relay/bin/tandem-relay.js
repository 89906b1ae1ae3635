#!/usr/bin/env node
// Entry point of `tandem-relay`, the team relay (docs/relay.md). Built to ../dist by
// `npm install` (prepare) or `npm run build:agent`.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    'tandem-relay is not built yet: run `npm run build:agent` in the Tandem repository\n',
  );
  process.exit(1);
}
await import(built.href);
