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
 * `id`'s avatar colour unless one of `taken` has it, then the next one free in the palette (the
 * same again once all are taken).
 */
export function freeAvatarColor(id: string, taken: ReadonlySet<string>): string {
  const own = avatarColor(id);
  const start = AVATAR_COLORS.findIndex((c) => c === own);
  for (let step = 0; step < AVATAR_COLORS.length; step++) {
    const color = AVATAR_COLORS[(start + step) % AVATAR_COLORS.length] ?? own;
    if (!taken.has(color)) return color;
  }
  return own;
}

/** A colour for each of `ids`, no two alike while the palette lasts (see freeAvatarColor). */
export function distinctColors(ids: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  for (const id of ids) {
    if (!colors.has(id)) colors.set(id, freeAvatarColor(id, new Set(colors.values())));
  }
  return colors;
}
