import { describe, expect, it } from 'vitest';
import { AVATAR_COLORS, avatarColor } from '../../protocol/index.js';
import { sameColorAs } from '../../test/fixtures/avatars.js';
import type { ClientLink } from './link.js';
import { Presence } from './presence.js';

function link(id: string, color?: string): ClientLink {
  return {
    id: `link-${id}`,
    role: 'viewer',
    participant: { id, name: id },
    ...(color === undefined ? {} : { color }),
    local: false,
    send: () => undefined,
  };
}

describe('Presence colours', () => {
  it('gives no two people in a session the same avatar colour while the palette lasts', () => {
    const first = 'remote:0';
    const [twin = '', third = ''] = sameColorAs(first, 2);
    const presence = new Presence(() => undefined);
    presence.add(link(first));
    presence.add(link(twin));
    expect(presence.get(first)?.color).toBe(avatarColor(first));
    expect(presence.get(twin)?.color).not.toBe(presence.get(first)?.color);

    // Once the first leaves, its colour is free again for whoever joins next with it.
    presence.remove(presence.links(first)[0] ?? link(first));
    presence.add(link(third));
    expect(presence.get(third)?.color).toBe(avatarColor(first));
  });

  it('keeps a team member’s own colour, and fills the palette before repeating', () => {
    const presence = new Presence(() => undefined);
    presence.add(link('member:ada', '#123456'));
    expect(presence.get('member:ada')?.color).toBe('#123456');
    const ids = Array.from({ length: AVATAR_COLORS.length }, (_, i) => `remote:${i}`);
    for (const id of ids) presence.add(link(id));
    expect(new Set(ids.map((id) => presence.get(id)?.color)).size).toBe(AVATAR_COLORS.length);
  });
});
