import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'wxt';
import { EXTENSION_PUBLIC_KEY } from './protocol/extension-key.js';

const repoRoot = path.dirname(fileURLToPath(import.meta.url));

// The extension lives in extension/; the build lands in .output/chrome-mv3/.
export default defineConfig({
  srcDir: 'extension',
  // WXT looks for public/ at the project root, not in srcDir: without this the icons never
  // reached the build (no toolbar icon, and notifications failed for want of an image).
  publicDir: 'extension/public',
  // TANDEM_OUT_DIR lets e2e tests build a debug copy without touching the real build.
  outDir: process.env.TANDEM_OUT_DIR ?? '.output',
  // `browser.*` from wxt/browser is webextension-polyfill's: promise-based and the same in
  // Chrome and Edge (and Firefox, should Tandem ever go there).
  modules: ['@wxt-dev/module-react', '@wxt-dev/webextension-polyfill'],
  // Explicit imports only: every module says where its names come from.
  imports: false,
  vite: () => ({
    define: {
      // Shown in the "agent not installed" screen as the exact command to run.
      __TANDEM_REPO__: JSON.stringify(repoRoot),
      // The e2e/bench hook (window.__tandem) exists only in builds made with TANDEM_DEBUG=1.
      __TANDEM_DEBUG__: JSON.stringify(process.env.TANDEM_DEBUG === '1'),
    },
  }),
  manifest: {
    name: 'Tandem',
    description: 'Share a live terminal (local shell, SSH, serial console) from the side panel.',
    key: EXTENSION_PUBLIC_KEY,
    permissions: [
      'sidePanel',
      'nativeMessaging',
      'storage',
      'clipboardRead',
      'clipboardWrite',
      // Team presence: away when idle, a wake-up for a sleeping worker, asks and invites.
      'idle',
      'alarms',
      'notifications',
    ],
    action: { default_title: 'Open Tandem' },
    commands: {
      'open-side-panel': {
        suggested_key: { default: 'Ctrl+Shift+Y', mac: 'Command+Shift+Y' },
        description: 'Open the Tandem side panel',
      },
    },
  },
});
