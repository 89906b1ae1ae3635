/**
 * Where the call's tiles go: pure functions, so the grid is the same in the pop-out window and
 * the guest page, and tested without a browser.
 */

/** The grids there are: one tile, side by side, 2×2, 3×2, 3×3. */
export const GRID_SLOTS = [1, 2, 4, 6, 9] as const;
export type GridSlots = (typeof GRID_SLOTS)[number];

export interface GridLayout {
  /** Tiles the grid has room for. */
  slots: GridSlots;
  cols: number;
  rows: number;
  /** People who get a tile of their own. */
  shown: number;
  /** People beyond the grid, counted on a "+N" tile in the last slot (0: no such tile). */
  overflow: number;
}

/**
 * The grid for `people` tiles (the caller included). Landscape windows put two side by side,
 * portrait ones stack them; past 9 the last slot says "+N" for everyone who has no tile.
 */
export function gridFor(people: number, landscape = true): GridLayout {
  const count = Math.max(1, Math.floor(people));
  const slots = GRID_SLOTS.find((n) => n >= count) ?? 9;
  const [wide, tall] = SHAPES[slots];
  const [cols, rows] = landscape ? [wide, tall] : [tall, wide];
  if (count <= slots) return { slots, cols, rows, shown: count, overflow: 0 };
  return { slots, cols, rows, shown: slots - 1, overflow: count - (slots - 1) };
}

const SHAPES: Record<GridSlots, [number, number]> = {
  1: [1, 1],
  2: [2, 1],
  4: [2, 2],
  6: [3, 2],
  9: [3, 3],
};

/**
 * The largest tile of the given aspect ratio (width / height) such that `cols` × `rows` of them,
 * with `gap` pixels between, fit in `width` × `height`. Tiles keep their shape when the window
 * is resized: the grid letterboxes instead of stretching video.
 */
export function tileSize(
  width: number,
  height: number,
  cols: number,
  rows: number,
  aspect = 16 / 9,
  gap = 8,
): { width: number; height: number } {
  const cellW = Math.max(0, (width - gap * (cols - 1)) / cols);
  const cellH = Math.max(0, (height - gap * (rows - 1)) / rows);
  const w = Math.min(cellW, cellH * aspect);
  return { width: Math.floor(w), height: Math.floor(w / aspect) };
}

/** How loud someone must be (RMS of the analyser's samples, 0–1) to count as speaking. */
export const SPEAKING_LEVEL = 0.02;

/**
 * Who is the active speaker: the loudest above SPEAKING_LEVEL. The current speaker keeps the
 * highlight unless someone is clearly louder (1.5×) or they fell silent, so two people talking
 * at once do not make the highlight flicker.
 */
export function activeSpeaker(
  levels: ReadonlyMap<string, number>,
  current: string | undefined,
): string | undefined {
  let loudest: string | undefined;
  let top = SPEAKING_LEVEL;
  for (const [id, level] of levels) {
    if (level >= top) {
      loudest = id;
      top = level;
    }
  }
  const now = current === undefined ? 0 : (levels.get(current) ?? 0);
  if (current !== undefined && now >= SPEAKING_LEVEL && top < now * 1.5) return current;
  return loudest ?? (now >= SPEAKING_LEVEL ? current : undefined);
}
