// Builds native-host/ into native-host/dist/ (ESM, code-split so the host shim loads only
// what it needs) and relay/ into relay/dist/. Dependencies stay in node_modules; native
// modules are never bundled.
import fs from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: start from an empty folder so old chunks do not pile up.
fs.rmSync('native-host/dist', { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['relay/main.ts'],
  outfile: 'relay/dist/relay.js',
});

await build({
  ...common,
  entryPoints: ['relay/cli.ts'],
  outfile: 'relay/dist/cli.js',
});

await build({
  entryPoints: [
    'native-host/cli.ts',
    'native-host/agent/snapshot-worker.ts',
    'native-host/peer/peer-process.ts',
    'native-host/copilot/copilot-cli.ts',
  ],
  outdir: 'native-host/dist',
  outbase: 'native-host',
  entryNames: '[name]',
  ...common,
  splitting: true,
});
