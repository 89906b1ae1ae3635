import type { ReplayModel } from './replay-model.js';
import { screenRows } from './replay-terminal.js';

/** What e2e tests and the bench read from the replay page. Only in TANDEM_DEBUG=1 builds. */
export interface ReplayHook {
  /** The index is loaded and the first screen shown. */
  ready(): boolean;
  durationMs(): number;
  keyframes(): number;
  seek(t: number): Promise<string[]>;
  /** The visible rows of the replay screen, right-trimmed. */
  screen(): string[];
  size(): { cols: number; rows: number };
  time(): number;
  activityProgress(): number;
  find(query: string): Promise<{ t: number; snippet: string }[]>;
}

declare global {
  interface Window {
    __tandemReplay?: ReplayHook;
  }
}

export function installReplayHook(model: ReplayModel): void {
  window.__tandemReplay = {
    ready: () => model.player !== undefined && model.player.state.loading === false,
    durationMs: () => model.index?.durationMs ?? 0,
    keyframes: () => model.index?.keyframes.length ?? 0,
    async seek(t) {
      await model.player?.seek(t);
      return screenRows(model.term);
    },
    screen: () => screenRows(model.term),
    size: () => ({ cols: model.term.cols, rows: model.term.rows }),
    time: () => model.player?.state.time ?? 0,
    activityProgress: () => model.activity.progress,
    find: (query) => model.find(query),
  };
}
