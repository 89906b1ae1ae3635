import type { Page } from 'puppeteer';
import type { TeamRelayProcess } from '../fixtures/team-relay.js';
import type { Tandem } from './browser.js';

/** Enrols this browser through its options page with a link from the admin command. */
export async function enrolInBrowser(
  relay: TeamRelayProcess,
  tandem: Tandem,
  name: string,
  team: string,
): Promise<Page> {
  const out = await relay.admin('member', 'add', name, '--team', team);
  const link = out.trim().split('\n').pop() ?? '';
  const page = await tandem.browser.newPage();
  await page.goto(`chrome-extension://${tandem.extensionId}/options.html`);
  await page.locator('input[name="enrolment-link"]').fill(link);
  await page.locator('button[type="submit"]').click();
  await page
    .waitForFunction(
      (who) => (document.body.textContent ?? '').includes(`You are ${who} in Acme`),
      { timeout: 10_000 },
      name,
    )
    .catch(async (error: unknown) => {
      throw new Error(
        `not enrolled: ${await page.evaluate(() => document.body.innerText)} (${String(error)})`,
      );
    });
  return page;
}
