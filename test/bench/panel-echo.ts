import type { Page } from 'puppeteer';

/**
 * Keystroke → echo written into the panel's xterm, `rounds` times, on a session the panel
 * shows: one key at a time, timed from the key to the write callback of its echo (parsed).
 */
export function panelEcho(page: Page, sessionId: string, rounds: number): Promise<number[]> {
  return page.evaluate(
    async (id: string, n: number) => {
      const view = window.__tandem?.model.sessions.find((s) => s.id === id);
      if (view === undefined) throw new Error('no view');
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const written = view.nextWrite();
        const t0 = performance.now();
        view.terminal.term.input('x', true);
        await written;
        times.push(performance.now() - t0);
      }
      return times;
    },
    sessionId,
    rounds,
  );
}
