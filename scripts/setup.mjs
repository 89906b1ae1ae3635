// First step of `npm start` and `npm test` on a fresh machine: make sure the system tools the
// tests and the app need are present (installing them with apt-get when we are root), and that
// node_modules matches package-lock.json. Plain Node, no dependencies: it runs before npm ci.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian package → a file it installs that we use. `npm start` needs only a browser. */
const FOR_START = new Set(['chromium']);
const SYSTEM_PACKAGES = {
  chromium: '/usr/bin/chromium',
  'openssh-server': '/usr/sbin/sshd',
  'openssh-client': '/usr/bin/ssh-keygen',
  socat: '/usr/bin/socat',
  asciinema: '/usr/bin/asciinema',
  tmux: '/usr/bin/tmux',
  xvfb: '/usr/bin/xvfb-run',
  xauth: '/usr/bin/xauth',
  openssl: '/usr/bin/openssl',
  'fonts-dejavu-core': '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
  // TURN for calls that must not go direct (test/fixtures/turn.ts starts it on loopback).
  coturn: '/usr/bin/turnserver',
};

function log(message) {
  process.stderr.write(`setup: ${message}\n`);
}

function ensureSystemPackages() {
  if (process.platform !== 'linux') return;
  const startOnly = process.argv[2] === 'start';
  const hasBrowser = [
    '/usr/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ].some((file) => fs.existsSync(file));
  const missing = Object.entries(SYSTEM_PACKAGES)
    .filter(([name]) => !startOnly || FOR_START.has(name))
    .filter(
      ([name, file]) => !fs.existsSync(file) && !(name === 'chromium' && startOnly && hasBrowser),
    )
    .map(([name]) => name);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    log(`missing system packages: ${missing.join(', ')}`);
    log(`install them with: sudo apt-get update && sudo ${command}`);
    process.exit(1);
  }
  log(`installing ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('sh', ['-c', command], { stdio: 'inherit', env });
}

function ensureNodeModules() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.tandem-lock-hash');
  const hash = createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  log('installing npm dependencies (npm ci)');
  const result = spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.writeFileSync(stamp, hash);
}

ensureSystemPackages();
ensureNodeModules();
