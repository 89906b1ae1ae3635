/**
 * `npm run screenshot`: the side panel with a live local shell, dark theme, saved to
 * docs/images/sidepanel.png. Uses the same launcher as the e2e tests (real agent, real PTY).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../test/fixtures/agent.js';
import {
  launchTandem,
  typeInTerminal,
  waitForNewSession,
  waitForText,
} from '../test/e2e/browser.js';

const out = path.join(REPO_ROOT, 'docs/images/sidepanel.png');
const tandem = await launchTandem();
try {
  const page = await tandem.openPanel({ width: 420, height: 640, scale: 1, dark: true });
  await waitForText(page, 'Open local shell');
  await page.click('[data-testid="new-terminal"] button.primary');
  const sessionId = await waitForNewSession(page, []);
  await waitForText(page, /[$#] ?$/, { sessionId });
  await typeInTerminal(
    page,
    "export PS1='\\[\\e[1;32m\\]ops@tandem\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ '; cd /usr/share; clear\n",
  );
  await typeInTerminal(page, 'uname -sr; ls -l --color=always | head -12; df -h / | tail -1\n');
  await waitForText(page, /total \d+/, { sessionId });
  await typeInTerminal(page, 'free -h | head -2\n');
  await new Promise((r) => setTimeout(r, 800));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  process.stdout.write(`saved ${path.relative(REPO_ROOT, out)}\n`);
} finally {
  await tandem.close();
}
