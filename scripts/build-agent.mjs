// Builds native-host/ into native-host/dist/ (ESM, code-split so the host shim loads only
// what it needs). Dependencies stay in node_modules; native modules are never bundled.
import { build } from 'esbuild';

await build({
  entryPoints: ['native-host/cli.ts', 'native-host/agent/snapshot-worker.ts'],
  outdir: 'native-host/dist',
  outbase: 'native-host',
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
