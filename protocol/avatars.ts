/**
 * The avatar colours the agent hands out (one per participant, by a hash of their id); the
 * panel picks black or white initials for each (extension/sharing/contrast.ts).
 */
export const AVATAR_COLORS = [
  '#e06c75',
  '#61afef',
  '#98c379',
  '#e5c07b',
  '#c678dd',
  '#56b6c2',
  '#d19a66',
  '#f472b6',
] as const;

/** A participant's avatar colour, by a hash of their id. */
export function avatarColor(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return AVATAR_COLORS[hash % AVATAR_COLORS.length] ?? AVATAR_COLORS[0];
}

/**
 * A colour for each of `ids`, no two alike while the palette lasts: each keeps its avatar colour
 * unless someone before it has that, and then takes the next free one.
 */
export function distinctColors(ids: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of ids) {
    if (colors.has(id)) continue;
    const own = AVATAR_COLORS.indexOf(avatarColor(id) as (typeof AVATAR_COLORS)[number]);
    let color = avatarColor(id);
    for (let step = 0; step < AVATAR_COLORS.length && taken.has(color); step++)
      color = AVATAR_COLORS[(own + step + 1) % AVATAR_COLORS.length] ?? color;
    colors.set(id, color);
    taken.add(color);
  }
  return colors;
}
