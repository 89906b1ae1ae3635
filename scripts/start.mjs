// `npm start`: one command from a fresh checkout to a running Tandem. Installs dependencies if
// needed, builds agent + extension, registers the agent for a dedicated Chromium profile, and
// opens Chromium (or Chrome) with the extension loaded and the panel on a local shell.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`tandem: ${line}\n`);

function run(command, args) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

function findBrowser() {
  const candidates = [
    process.env.TANDEM_BROWSER,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ];
  return candidates.find((file) => file !== undefined && fs.existsSync(file));
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  say(
    'no display: $DISPLAY and $WAYLAND_DISPLAY are unset, so there is nowhere to show a browser.',
  );
  say(
    'on a desktop, run `npm start` from a terminal inside it; on a server, run `xvfb-run -a npm start`.',
  );
  process.exit(1);
}

const browser = findBrowser();
if (browser === undefined) {
  say(
    'no Chromium or Chrome found. Install one (Debian: `sudo apt install chromium`) or set TANDEM_BROWSER.',
  );
  process.exit(1);
}

// System packages (when root, else the exact apt-get line) and npm ci when node_modules is stale.
run(process.execPath, [path.join(root, 'scripts/setup.mjs'), 'start']);

say('building the agent and the extension…');
run('npm', ['run', '--silent', 'build']);

const state = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local/state');
const profile = process.env.TANDEM_PROFILE || path.join(state, 'tandem/chromium-profile');
fs.mkdirSync(profile, { recursive: true });
const agent = path.join(root, 'native-host/bin/tandem-agent.js');
execFileSync(process.execPath, [agent, 'register', '--user-data-dir', profile], {
  stdio: 'inherit',
});
const id = execFileSync(process.execPath, [agent, 'id']).toString().trim();

const extension = path.join(root, '.output/chrome-mv3');
const args = [
  `--user-data-dir=${profile}`,
  `--load-extension=${extension}`,
  `--disable-extensions-except=${extension}`,
  // Chrome 137+ ignores --load-extension unless this feature is off.
  '--disable-features=DisableLoadExtensionCommandLineSwitch',
  '--no-first-run',
  '--no-default-browser-check',
];
if (process.getuid?.() === 0) args.unshift('--no-sandbox');
// The side panel itself opens only from a user gesture (toolbar icon or Ctrl+Shift+Y), so the
// same panel page opens in a tab, starting a local shell. A URL given at launch would race the
// extension's loading; handed to the running browser a moment later, it opens reliably.
const panelUrl = `chrome-extension://${id}/sidepanel.html?start=pty`;
setTimeout(() => {
  spawn(browser, [...args, panelUrl], { stdio: 'ignore' }).unref();
}, 3000);
say(`opening ${browser} with profile ${profile}`);
say(
  'the Tandem panel opens in a tab; click the toolbar icon (or Ctrl+Shift+Y) for the side panel.',
);
const child = spawn(browser, args, { stdio: ['ignore', 'ignore', 'inherit'] });
child.on('exit', (code) => process.exit(code ?? 0));
