/**
 * Layout and accessibility checks run inside a real page: every interactive element on screen
 * (or reachable by scrolling its own scroller), none overlapping another, and axe-core's
 * contrast and naming rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { REPO_ROOT } from '../fixtures/agent.js';

/** The part of axe-core's API the checks call. */
interface Axe {
  run(
    context: unknown,
    options: unknown,
  ): Promise<{
    violations: {
      id: string;
      help: string;
      nodes: { target: unknown[]; failureSummary?: string }[];
    }[];
  }>;
}

declare global {
  interface Window {
    axe?: Axe;
  }
}

/** What a user can click, type into or tab to. The terminal's own parts are xterm's business. */
const INTERACTIVE = 'button, input, select, textarea, a[href], [role="button"], [tabindex]';

/**
 * Controls that must stay in sight whatever else scrolls: the panel's own actions beside the
 * tabs (a user with many tabs still needs +, recordings and Watch without hunting for them).
 */
export const PINNED = '.tabs button:not(.tab-close)';

/**
 * Problems with the page's interactive elements, as sentences; empty when the layout is sound.
 * An element counts when it is rendered; one clipped away inside a scrolling container is fine
 * (scrolling reaches it) unless it matches PINNED; one cut off by a container that does not
 * scroll is not.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(
    (selector: string, pinned: string) => {
      interface Box {
        left: number;
        top: number;
        right: number;
        bottom: number;
      }
      const problems: string[] = [];
      const vw = window.innerWidth;
      const vh = window.innerHeight;
      const name = (el: Element): string => {
        const label =
          el.getAttribute('aria-label') ??
          el.getAttribute('data-testid') ??
          (el.textContent ?? '').trim().slice(0, 24);
        return `<${el.tagName.toLowerCase()}${el.className === '' ? '' : ` .${String(el.className).split(' ')[0]}`}> "${label}"`;
      };
      const cut = (a: Box, b: Box): Box => ({
        left: Math.max(a.left, b.left),
        top: Math.max(a.top, b.top),
        right: Math.min(a.right, b.right),
        bottom: Math.min(a.bottom, b.bottom),
      });
      const empty = (b: Box): boolean => b.right - b.left < 1 || b.bottom - b.top < 1;
      if (document.documentElement.scrollWidth > vw + 1) {
        problems.push(
          `the page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw} px`,
        );
      }
      const shown: { el: Element; box: Box }[] = [];
      for (const el of document.querySelectorAll(selector)) {
        if (el.closest('.xterm') !== null || el.closest('[aria-hidden="true"]') !== null) continue;
        if (el.getAttribute('tabindex') === '-1' && !el.matches('button, input, select, a[href]'))
          continue;
        const rect = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
        let box: Box = rect;
        let scrolled = false;
        for (let up = el.parentElement; up !== null; up = up.parentElement) {
          const s = getComputedStyle(up);
          if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
          const clip = up.getBoundingClientRect();
          const inside = cut(box, clip);
          if (empty(inside) || inside.right < box.right - 1 || inside.bottom < box.bottom - 1) {
            const scrolls =
              /auto|scroll/.test(s.overflowX + s.overflowY) &&
              (up.scrollWidth > up.clientWidth || up.scrollHeight > up.clientHeight);
            if (scrolls && el.matches(pinned))
              problems.push(`${name(el)} is scrolled out of sight; it must always show`);
            else if (scrolls) scrolled = true;
            else if (!el.matches('input, select') || empty(inside))
              problems.push(`${name(el)} is cut off by a container that does not scroll`);
          }
          box = inside;
        }
        if (empty(box)) {
          if (!scrolled) problems.push(`${name(el)} is not visible`);
          continue;
        }
        if (box.left < -0.5 || box.top < -0.5 || box.right > vw + 0.5 || box.bottom > vh + 0.5) {
          problems.push(
            `${name(el)} lies outside the ${vw}×${vh} viewport at ${Math.round(box.left)},${Math.round(box.top)}–${Math.round(box.right)},${Math.round(box.bottom)}`,
          );
        }
        shown.push({ el, box });
        // A select narrower than its chosen option's text shows it cut ("Viewer (wat").
        if (el instanceof HTMLSelectElement) {
          const context = document.createElement('canvas').getContext('2d');
          const option = el.selectedOptions[0];
          if (context !== null && option !== undefined) {
            context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const needed =
              context.measureText(option.text).width +
              parseFloat(style.paddingLeft) +
              parseFloat(style.paddingRight) +
              16; // the drop-down arrow
            if (el.clientWidth < needed)
              problems.push(
                `${name(el)} cuts "${option.text}": ${el.clientWidth} px for ${Math.ceil(needed)} px`,
              );
          }
        }
      }
      for (let i = 0; i < shown.length; i++) {
        for (let j = i + 1; j < shown.length; j++) {
          const a = shown[i];
          const b = shown[j];
          if (a === undefined || b === undefined) continue;
          if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
          const both = cut(a.box, b.box);
          if (both.right - both.left > 1 && both.bottom - both.top > 1) {
            problems.push(`${name(a.el)} overlaps ${name(b.el)}`);
          }
        }
      }
      return problems;
    },
    INTERACTIVE,
    PINNED,
  );
}

const AXE_SOURCE = fs.readFileSync(
  path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js'),
  'utf8',
);

/** The axe-core rules the panel must pass: contrast ≥ 4.5:1 and a name on every control. */
export const AXE_RULES = [
  'color-contrast',
  'button-name',
  'label',
  'select-name',
  'link-name',
  'aria-allowed-attr',
  'aria-valid-attr-value',
  'aria-required-children',
  'aria-required-parent',
  'aria-command-name',
];

/** axe-core's violations of AXE_RULES on the page, outside the terminal's canvas, as sentences. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the debugger protocol, which the extension page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (rules: string[]) => {
    const axe = window.axe;
    if (axe === undefined) return ['axe-core did not load'];
    const result = await axe.run(
      { exclude: [['.xterm']] },
      { runOnly: { type: 'rule', values: rules }, resultTypes: ['violations'] },
    );
    return result.violations.flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${v.id}: ${JSON.stringify(n.target)} ${(n.failureSummary ?? v.help).replaceAll('\n', ' ')}`,
      ),
    );
  }, AXE_RULES);
}

/** The smallest row height, in CSS pixels, a watch cell may draw (9 px text, xterm's spacing). */
export const LEGIBLE_ROW_PX = 10;

/**
 * Problems with the watch wall's cells, as sentences: text shrunk below a legible size, the
 * cursor's row (where the latest output is) out of sight, or xterm's scrollbar drawn mid-cell.
 */
export async function watchProblems(page: Page): Promise<string[]> {
  return page.evaluate((minRow: number) => {
    const problems: string[] = [];
    for (const cell of document.querySelectorAll('[data-testid="watch-grid"] .watch-cell')) {
      const label = cell.getAttribute('aria-label') ?? 'a cell';
      const host = cell.querySelector('.watch-term');
      const rows = cell.querySelector('.xterm-rows');
      if (host === null || rows === null || rows.children.length === 0) {
        problems.push(`${label}: no terminal rows drawn`);
        continue;
      }
      const rowHeight = rows.getBoundingClientRect().height / rows.children.length;
      if (rowHeight < minRow) {
        problems.push(`${label}: rows ${rowHeight.toFixed(1)} px high, under ${minRow} px`);
      }
      const box = host.getBoundingClientRect();
      const cursor = cell.querySelector('.xterm-cursor');
      const at = cursor?.getBoundingClientRect();
      if (at === undefined) {
        problems.push(`${label}: the cursor's row is out of sight (no cursor drawn)`);
      } else if (at.top < box.top - 1 || at.bottom > box.bottom + 1) {
        problems.push(
          `${label}: the cursor's row is out of sight (cursor ${Math.round(at.top)}–${Math.round(at.bottom)} px, cell ${Math.round(box.top)}–${Math.round(box.bottom)} px)`,
        );
      }
      for (const bar of cell.querySelectorAll('.scrollbar')) {
        const r = bar.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) problems.push(`${label}: a scrollbar is drawn`);
      }
    }
    return problems;
  }, LEGIBLE_ROW_PX);
}

/**
 * watchProblems once the wall has settled: a cell draws its snapshot and follows the cursor a
 * frame or two after it appears (longer on a busy machine: CI once saw a 320 px cell still short
 * of the cursor after 5 s, beside another e2e file), so the check is repeated for up to
 * `timeout` ms and what is still wrong then is the answer.
 */
export async function settledWatchProblems(page: Page, timeout = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeout;
  let problems = await watchProblems(page);
  while (problems.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    problems = await watchProblems(page);
  }
  return problems;
}
