import type { ParticipantInfo, Role } from '../../protocol/index.js';

export type RoleAction =
  | { kind: 'role'; role: Role; label: string }
  | { kind: 'remove'; label: string; revokeInvite: boolean };

/** What the owner may do to a person from their avatar's menu (nothing to themselves). */
export function roleActions(target: ParticipantInfo, myRole: Role, selfId?: string): RoleAction[] {
  if (myRole !== 'owner' || target.local || target.id === selfId || target.waiting) return [];
  const actions: RoleAction[] = [];
  if (target.role === 'viewer')
    actions.push({ kind: 'role', role: 'coworker', label: 'Promote to co-worker' });
  if (target.role !== 'viewer')
    actions.push({ kind: 'role', role: 'viewer', label: 'Demote to viewer' });
  if (target.role !== 'owner') actions.push({ kind: 'role', role: 'owner', label: 'Make owner' });
  // Removal also turns their link into a lobby link; revoking it shuts it for everyone.
  actions.push({ kind: 'remove', label: 'Remove from session', revokeInvite: false });
  actions.push({ kind: 'remove', label: 'Remove and revoke their link', revokeInvite: true });
  return actions;
}
