import { describe, expect, it } from 'vitest';
import type { ParticipantInfo } from '../../protocol/index.js';
import { roleActions } from './roles-menu.js';

const person = (over: Partial<ParticipantInfo>): ParticipantInfo => ({
  id: 'guest:1',
  name: 'Wes',
  role: 'viewer',
  color: '#336699',
  typing: false,
  local: false,
  waiting: false,
  ...over,
});

describe('roleActions', () => {
  it('offers promote, make owner and remove for a viewer', () => {
    expect(roleActions(person({}), 'owner').map((a) => a.label)).toEqual([
      'Promote to co-worker',
      'Make owner',
      'Remove from session',
      'Remove and revoke their link',
    ]);
  });

  it('offers demote for a co-worker', () => {
    expect(roleActions(person({ role: 'coworker' }), 'owner').map((a) => a.label)).toEqual([
      'Demote to viewer',
      'Make owner',
      'Remove from session',
      'Remove and revoke their link',
    ]);
  });

  it('offers nothing to non-owners, for the local owner, oneself, or the lobby', () => {
    expect(roleActions(person({}), 'coworker')).toEqual([]);
    expect(roleActions(person({ local: true, role: 'owner' }), 'owner')).toEqual([]);
    expect(roleActions(person({}), 'owner', 'guest:1')).toEqual([]);
    expect(roleActions(person({ waiting: true }), 'owner')).toEqual([]);
  });
});
