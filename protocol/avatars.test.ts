import { describe, expect, it } from 'vitest';
import { sameColorAs } from '../test/fixtures/avatars.js';
import { AVATAR_COLORS, avatarColor, distinctColors, freeAvatarColor } from './avatars.js';

describe('freeAvatarColor', () => {
  it('is the hashed colour unless taken, then the next free one, then the hashed one again', () => {
    const own = avatarColor('remote:0');
    expect(freeAvatarColor('remote:0', new Set())).toBe(own);
    expect(freeAvatarColor('remote:0', new Set([own]))).not.toBe(own);
    expect(freeAvatarColor('remote:0', new Set(AVATAR_COLORS))).toBe(own);
  });
});

describe('distinctColors', () => {
  it('keeps avatar colours and gives no two participants the same while the palette lasts', () => {
    // Ids whose avatar colours collide: the first keeps it, the next moves on.
    const ids = Array.from({ length: 40 }, (_, i) => `remote:${i}`);
    const first = 'remote:0';
    const [twin = ''] = sameColorAs(first, 1);
    const colors = distinctColors([first, twin, first]);
    expect(colors.get(first)).toBe(avatarColor(first));
    expect(colors.get(twin)).not.toBe(colors.get(first));
    const many = distinctColors(ids.slice(0, AVATAR_COLORS.length));
    expect(new Set(many.values()).size).toBe(AVATAR_COLORS.length);
    // Past the palette, colours repeat rather than fail.
    expect(distinctColors(ids).size).toBe(ids.length);
  });
});
