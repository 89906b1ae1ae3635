export interface Box {
  width: number;
  height: number;
}

/**
 * How much to shrink a terminal laid out at the device's size so it fits its host: never
 * enlarged, never below a readable floor (past it the host scrolls instead).
 */
export function fitScale(content: Box, host: Box, floor = 0.35): number {
  if (content.width <= 0 || content.height <= 0 || host.width <= 0 || host.height <= 0) return 1;
  const scale = Math.min(1, host.width / content.width, host.height / content.height);
  return Math.max(floor, scale);
}
