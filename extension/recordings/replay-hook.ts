import type { ReplayModel } from './replay-model.js';
import type { ReplayHook } from './replay-hook-types.js';
import { screenRows } from './replay-terminal.js';

export type { ReplayHook };

declare global {
  interface Window {
    __tandemReplay?: ReplayHook;
  }
}

export function installReplayHook(model: ReplayModel): void {
  window.__tandemReplay = {
    ready: () => model.opened && model.player?.state.loading === false,
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
