import { randomBytes } from 'node:crypto';
import type { ResourceKind, Scope } from '../../protocol/team.js';

export function newId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * What the team relay keeps, behind the narrowest interface the relay needs, so SQLite (the
 * embedded default) can be swapped for another engine without touching the rest. Secrets are
 * never stored: enrolment and member tokens arrive here as SHA-256 hashes.
 */
export interface RelayStore {
  createOrg(name: string): Promise<OrgRecord>;
  findOrg(name: string): Promise<OrgRecord | undefined>;
  listOrgs(): Promise<OrgRecord[]>;

  addTeam(orgId: string, name: string): Promise<TeamRecord>;
  listTeams(orgId: string): Promise<TeamRecord[]>;

  addMember(member: NewMember): Promise<MemberRecord>;
  getMember(id: string): Promise<MemberRecord | undefined>;
  findMember(orgId: string, name: string): Promise<MemberRecord | undefined>;
  /** Members not removed, with their team ids. */
  listMembers(orgId: string): Promise<MemberRecord[]>;
  /** Marks the member removed and revokes every token and enrolment link they hold. */
  removeMember(id: string, at: number): Promise<void>;

  addEnrolment(tokenHash: string, memberId: string, expiresAt: number): Promise<void>;
  /** Uses an enrolment link once: the member id if it was valid, unused and not expired. */
  takeEnrolment(tokenHash: string, now: number): Promise<string | undefined>;

  addToken(tokenHash: string, memberId: string, at: number): Promise<void>;
  /** The member behind a live token: not revoked, member not removed. */
  memberForToken(tokenHash: string): Promise<MemberRecord | undefined>;
  revokeToken(tokenHash: string, at: number): Promise<void>;

  putResource(resource: ResourceRecord): Promise<void>;
  getResource(id: string): Promise<ResourceRecord | undefined>;
  listResources(orgId: string, kind: ResourceKind): Promise<ResourceRecord[]>;
  deleteResource(id: string): Promise<void>;
  /** How many things of one kind a member shares. */
  countResources(ownerId: string, kind: ResourceKind): Promise<number>;

  /**
   * Keeps a member ticket (hashed) until it is taken or expires. Fails with a DirectoryError
   * 409 when too many are outstanding.
   */
  addTicket(ticket: TicketRecord, now: number): Promise<void>;
  /**
   * Takes a ticket once, if it is live and for this organization and audience: the member id
   * it names. One statement, so two replicas redeeming the same ticket cannot both win.
   */
  takeTicket(
    tokenHash: string,
    orgId: string,
    audience: string,
    now: number,
  ): Promise<string | undefined>;

  /**
   * A number that changes whenever anyone (another process included: the admin commands write
   * to the same store) commits a change. The relay polls it to cut removed members at once.
   */
  revision(): Promise<number>;
  /** Every row of every table (tickets aside), for copying a relay to another store. */
  dump(): Promise<StoreDump>;
  /** Loads a dump into this store, which must be empty (no organization). */
  load(dump: StoreDump): Promise<void>;

  /** Which engine, for /health and logs ("sqlite", "postgres"). */
  readonly kind: string;
  /** How many schema migrations have run. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

export interface OrgRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface TeamRecord {
  id: string;
  orgId: string;
  name: string;
}

export interface NewMember {
  orgId: string;
  name: string;
  color: string;
  admin: boolean;
  teamIds: string[];
  at: number;
}

export interface MemberRecord {
  id: string;
  orgId: string;
  name: string;
  color: string;
  admin: boolean;
  teamIds: string[];
  createdAt: number;
  /** When the member first enrolled, if they have. */
  enrolledAt?: number;
}

export interface ResourceRecord {
  id: string;
  orgId: string;
  kind: ResourceKind;
  name: string;
  ownerId: string;
  scope: Scope;
  /** JSON text, checked for size at ingress. */
  data: string;
  createdAt: number;
}

export interface TicketRecord {
  tokenHash: string;
  memberId: string;
  orgId: string;
  audience: string;
  expiresAt: number;
}

/**
 * The tables both stores share, in an order that loads without breaking a reference, with
 * their columns (the same names and meanings in SQLite and PostgreSQL).
 */
export const DUMP_TABLES = {
  orgs: ['id', 'name', 'created_at'],
  teams: ['id', 'org_id', 'name'],
  members: ['id', 'org_id', 'name', 'color', 'admin', 'created_at', 'enrolled_at', 'removed_at'],
  team_members: ['team_id', 'member_id'],
  enrolments: ['token_hash', 'member_id', 'expires_at', 'used_at'],
  tokens: ['token_hash', 'member_id', 'created_at', 'revoked_at'],
  resources: ['id', 'org_id', 'kind', 'name', 'owner_id', 'scope_team_id', 'data', 'created_at'],
} as const;

export type DumpTable = keyof typeof DUMP_TABLES;

/** The dump's tables with their columns, in an order that loads. */
export function dumpTables(): [DumpTable, readonly string[]][] {
  return Object.entries(DUMP_TABLES) as [DumpTable, readonly string[]][];
}

/** The statement that loads one row of a dump table (`placeholder(i)`: `?`, or `$1`…). */
export function insertSql(
  table: DumpTable,
  columns: readonly string[],
  placeholder: (index: number) => string,
): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => placeholder(i)).join(', ')})`;
}
export type StoreDump = Record<DumpTable, Record<string, string | number | null>[]>;

/** The tables presence depends on: a write to one moves the revision. */
export const REVISION_TABLES = ['orgs', 'teams', 'members', 'team_members', 'tokens', 'resources'];

/** Outstanding member tickets a store holds at most (each is a few hundred bytes). */
export const MAX_TICKETS = 100_000;
