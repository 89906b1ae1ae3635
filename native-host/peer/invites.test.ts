import { describe, expect, it } from 'vitest';
import { InviteStore } from './invites.js';

describe('InviteStore', () => {
  it('redeems the right secret and refuses wrong, expired and revoked ones alike', () => {
    let now = 1000;
    const store = new InviteStore(() => now);
    const { invite, secret } = store.create('s1', 'viewer', { ttlMs: 60_000 });
    expect(Buffer.from(secret, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(store.redeem(invite.inviteId, secret)).toMatchObject({ role: 'viewer', uses: 1 });
    expect(() => store.redeem(invite.inviteId, secret + 'x')).toThrow(/not valid/);
    expect(() => store.redeem('nope', secret)).toThrow(/not valid/);
    now += 60_000;
    expect(() => store.redeem(invite.inviteId, secret)).toThrow(/not valid/);
    expect(store.list('s1')).toEqual([]);

    const second = store.create('s1', 'coworker');
    store.revoke(second.invite.inviteId);
    expect(() => store.redeem(second.invite.inviteId, second.secret)).toThrow(/not valid/);
  });

  it('revokes every invite of an ended session', () => {
    const store = new InviteStore();
    const a = store.create('s1', 'viewer');
    const b = store.create('s1', 'coworker');
    const c = store.create('s2', 'viewer');
    expect(store.revokeSession('s1')).toBe(2);
    expect(() => store.redeem(a.invite.inviteId, a.secret)).toThrow();
    expect(() => store.redeem(b.invite.inviteId, b.secret)).toThrow();
    expect(store.redeem(c.invite.inviteId, c.secret).sessionId).toBe('s2');
  });
});
