/**
 * The replay page's hook (extension/recordings/replay-hook.ts) and the panel hook's `screen()`,
 * typed for tests (the extension's modules build for the browser, not for Node).
 */
export interface ReplayPageHook {
  ready(): boolean;
  durationMs(): number;
  keyframes(): number;
  seek(t: number): Promise<string[]>;
  screen(): string[];
  size(): { cols: number; rows: number };
  time(): number;
  activityProgress(): number;
  find(query: string): Promise<{ t: number; snippet: string }[]>;
}

declare module './hook.js' {
  interface PageHook {
    screen(sessionId?: string): string[];
  }
}

declare global {
  interface Window {
    __tandemReplay?: ReplayPageHook;
  }
}
