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
