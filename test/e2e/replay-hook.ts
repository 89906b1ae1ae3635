/** The replay page's hook and the panel hook's `screen()`, for tests. */
import type { ReplayHook } from '../../extension/recordings/replay-hook-types.js';

declare module './hook.js' {
  interface PageHook {
    screen(sessionId?: string): string[];
  }
}

declare global {
  interface Window {
    __tandemReplay?: ReplayHook;
  }
}
