import { RESOURCE_KINDS, type Scope } from '../../protocol/team.js';
import type { MemberRecord, ResourceRecord } from './store.js';

/** Rows as both stores read them: the same columns in SQLite and PostgreSQL. */
export interface MemberRow {
  id: string;
  org_id: string;
  name: string;
  color: string;
  admin: number;
  created_at: number;
  enrolled_at: number | null;
  team_ids: string | null;
}

export interface ResourceRow {
  id: string;
  org_id: string;
  kind: string;
  name: string;
  owner_id: string;
  scope_team_id: string | null;
  data: string;
  created_at: number;
}

export function memberFromRow(row: MemberRow): MemberRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    color: row.color,
    admin: row.admin === 1,
    teamIds: row.team_ids === null ? [] : row.team_ids.split(','),
    createdAt: row.created_at,
    ...(row.enrolled_at === null ? {} : { enrolledAt: row.enrolled_at }),
  };
}

export function resourceFromRow(row: ResourceRow): ResourceRecord {
  const kind = RESOURCE_KINDS.find((k) => k === row.kind);
  if (kind === undefined) throw new Error(`Unknown resource kind in the store: ${row.kind}`);
  const scope: Scope =
    row.scope_team_id === null ? { kind: 'org' } : { kind: 'team', teamId: row.scope_team_id };
  return {
    id: row.id,
    orgId: row.org_id,
    kind,
    name: row.name,
    ownerId: row.owner_id,
    scope,
    data: row.data,
    createdAt: row.created_at,
  };
}
