/**
 * The Copilot pane asking a language model, with real parts only: the side panel in Chromium on
 * a local bash, the agent configured for an OpenAI-compatible endpoint, and that endpoint a local
 * HTTP server that records what it receives. The first question shows exactly what would be
 * sent and sends nothing until the person agrees; the answer streams in and stays labelled as
 * the model's draft; the owner's switch turns the Copilot off for everyone.
 * TANDEM_SCREENSHOTS=1 also saves docs/images/copilot-consent-400.png.
 */
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fixtures/agent.js';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.js';
import {
  launchTandem,
  openLocalShell,
  PROMPT,
  typeInTerminal,
  waitForText,
  type Tandem,
} from './browser.js';
import { axeViolations, layoutProblems } from './layout.js';

const ANSWER = ['The disk ', 'on /var ', 'is **91% full**.'];
const SECRET = 'S3cr3tPa55-e2e';

let chat: ChatServer;
let tandem: Tandem;
let panel: Page;
let sessionId: string;

beforeAll(async () => {
  chat = await startChatServer(ANSWER, 400);
  tandem = await launchTandem({
    agentEnv: { TANDEM_AI_BASE_URL: chat.baseUrl, TANDEM_AI_MODEL: 'tiny-test-model' },
  });
  panel = await tandem.openPanel({ width: 400, height: 800 });
  await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
  sessionId = await openLocalShell(panel);
});

afterAll(async () => {
  await tandem.close();
  await chat.close();
});

const pane = (): string => `.pane[data-session="${sessionId}"] [data-testid="copilot-pane"]`;

async function openPane(): Promise<void> {
  const button = `.pane[data-session="${sessionId}"] button[data-testid="copilot-button"]`;
  if ((await panel.$(button)) !== null) await panel.click(button);
  else {
    await panel.click(`.pane[data-session="${sessionId}"] [data-testid="session-actions"]`);
    await panel.click('[role="menu"] [data-testid="copilot-button"]');
  }
  await panel.waitForSelector(pane());
}

describe('Copilot questions in the pane', () => {
  it('shows what would be sent, sends nothing before Send, streams the answer as a labelled draft', async () => {
    await typeInTerminal(
      panel,
      `export DB_PASSWORD=${SECRET}; echo "warning: disk 91% full on /var"\n`,
    );
    await waitForText(panel, /^warning: disk 91% full on \/var$/m, { sessionId });
    await waitForText(panel, PROMPT, { sessionId });
    await openPane();
    await panel.waitForSelector(`${pane()} [data-testid="copilot-question"]`);
    await panel.type(`${pane()} [data-testid="copilot-question"]`, 'Why is the disk filling up?');
    await panel.click(`${pane()} [data-testid="copilot-question-ask"]`);

    await panel.waitForSelector(`${pane()} [data-testid="copilot-consent"]`);
    const shown = await panel.$eval(
      `${pane()} [data-testid="copilot-consent-text"]`,
      (el) => el.textContent,
    );
    expect(shown).toContain('warning: disk 91% full on /var');
    expect(shown).toContain('Question: Why is the disk filling up?');
    expect(shown).toContain('[redacted');
    expect(shown).not.toContain(SECRET);
    const consent = await panel.$eval(
      `${pane()} [data-testid="copilot-consent"]`,
      (el) => el.textContent,
    );
    expect(consent).toContain(`${chat.baseUrl}/chat/completions`);
    expect(consent).toMatch(/\d+ secrets? (was|were) replaced/);
    // Nothing has left the machine.
    expect(chat.received).toHaveLength(0);
    expect([...(await layoutProblems(panel)), ...(await axeViolations(panel))]).toEqual([]);
    if (process.env.TANDEM_SCREENSHOTS === '1') {
      await panel.screenshot({ path: path.join(REPO_ROOT, 'docs/images/copilot-consent-400.png') });
    }

    await panel.click(`${pane()} [data-testid="copilot-consent-send"]`);
    // The answer grows in the pane while it streams, then stays as the model's draft.
    await panel.waitForSelector(`${pane()} [data-testid="copilot-streaming"]`, { timeout: 20_000 });
    await panel.waitForFunction(
      (selector: string) =>
        [...document.querySelectorAll(`${selector} [data-testid="copilot-entry"]`)].some(
          (el) =>
            el.getAttribute('data-action') === 'question' &&
            el.textContent.includes('is 91% full.') &&
            el
              .querySelector('[data-testid="copilot-draft-label"]')
              ?.textContent?.includes('tiny-test-model') === true,
        ),
      { timeout: 20_000, polling: 50 },
      pane(),
    );
    expect(await panel.$(`${pane()} [data-testid="copilot-streaming"]`)).toBe(null);
    expect(chat.received).toHaveLength(1);
    expect(JSON.stringify(chat.received[0]?.body)).not.toContain(SECRET);
    expect(chat.received[0]?.body.messages.map((m) => m.content).join('\n\n')).toBe(shown);

    // Asked once per session: the next question goes without the preview.
    await panel.type(`${pane()} [data-testid="copilot-question"]`, 'And what next?');
    await panel.click(`${pane()} [data-testid="copilot-question-ask"]`);
    await expect.poll(() => chat.received.length, { timeout: 20_000 }).toBe(2);
    expect(await panel.$(`${pane()} [data-testid="copilot-consent"]`)).toBe(null);
  });

  it('the owner turns it off for the session: actions and questions stop until it is on again', async () => {
    await panel.waitForSelector(`${pane()} [data-testid="copilot-enabled"]`);
    await panel.click(`${pane()} [data-testid="copilot-enabled"]`);
    await panel.waitForSelector(`${pane()} [data-testid="copilot-off"]`);
    expect(await panel.$(`${pane()} [data-testid="copilot-question"]`)).toBe(null);
    expect(
      await panel.$$eval(`${pane()} .copilot-actions button`, (buttons) =>
        buttons.every((b) => (b as HTMLButtonElement).disabled),
      ),
    ).toBe(true);
    await panel.click(`${pane()} [data-testid="copilot-enabled"]`);
    await panel.waitForSelector(`${pane()} [data-testid="copilot-off"]`, { hidden: true });
    await panel.click(`${pane()} .copilot-actions button[data-action="catchup"]`);
    await panel.waitForSelector(`${pane()} [data-testid="copilot-entry"][data-action="catchup"]`);
  });
});
