// Builds native-host/ into native-host/dist/ (ESM, code-split so the host shim loads only
// what it needs) and relay/ into relay/dist/. Dependencies stay in node_modules; native
// modules are never bundled.
import { build } from 'esbuild';

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
  entryPoints: ['native-host/cli.ts', 'native-host/agent/snapshot-worker.ts'],
  outdir: 'native-host/dist',
  outbase: 'native-host',
  entryNames: '[name]',
  ...common,
  splitting: true,
});
