import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { RESOURCE_KINDS, type ResourceKind, type Scope } from '../../protocol/team.js';
import type {
  MemberRecord,
  NewMember,
  OrgRecord,
  RelayStore,
  ResourceRecord,
  TeamRecord,
} from './store.js';

/**
 * Schema changes, in order. `PRAGMA user_version` says how many have run; each runs once, in a
 * transaction with the version bump, so a relay never sees half a migration. Never edit one
 * that has shipped: add the next.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
   CREATE TABLE teams (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),
     name TEXT NOT NULL, UNIQUE (org_id, name));
   CREATE TABLE members (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),
     name TEXT NOT NULL, color TEXT NOT NULL, admin INTEGER NOT NULL,
     created_at INTEGER NOT NULL, enrolled_at INTEGER, removed_at INTEGER);
   CREATE UNIQUE INDEX members_live_name ON members (org_id, name) WHERE removed_at IS NULL;
   CREATE TABLE team_members (team_id TEXT NOT NULL REFERENCES teams(id),
     member_id TEXT NOT NULL REFERENCES members(id), PRIMARY KEY (team_id, member_id));
   CREATE TABLE enrolments (token_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES members(id),
     expires_at INTEGER NOT NULL, used_at INTEGER);
   CREATE TABLE tokens (token_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES members(id),
     created_at INTEGER NOT NULL, revoked_at INTEGER);
   CREATE TABLE resources (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),
     kind TEXT NOT NULL, name TEXT NOT NULL, owner_id TEXT NOT NULL REFERENCES members(id),
     scope_team_id TEXT REFERENCES teams(id), data TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE INDEX resources_by_kind ON resources (org_id, kind);`,
  // A member's teams are read per member (every roster): without this, a scan per member, and
  // a roster of 1,000 took 60 ms instead of 5.
  `CREATE INDEX team_members_by_member ON team_members (member_id);`,
];

export function newId(): string {
  return randomBytes(12).toString('base64url');
}

interface MemberRow {
  id: string;
  org_id: string;
  name: string;
  color: string;
  admin: number;
  created_at: number;
  enrolled_at: number | null;
  team_ids: string | null;
}

interface ResourceRow {
  id: string;
  org_id: string;
  kind: string;
  name: string;
  owner_id: string;
  scope_team_id: string | null;
  data: string;
  created_at: number;
}

const MEMBER_COLUMNS = `m.id, m.org_id, m.name, m.color, m.admin, m.created_at, m.enrolled_at,
  (SELECT group_concat(team_id) FROM team_members WHERE member_id = m.id) AS team_ids`;

/**
 * The embedded store: one SQLite file in the data folder (better-sqlite3, which builds from
 * source at install). WAL mode, so the admin commands can write while the relay reads.
 */
export class SqliteStore implements RelayStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    // The admin commands and the relay share the file: wait for the other's write lock.
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  /** How many migrations this file has had. */
  get schemaVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private migrate(): void {
    const done = this.schemaVersion;
    if (done > MIGRATIONS.length) {
      throw new Error(
        `The data folder was written by a newer tandem-relay (schema ${done}, this one knows ` +
          `${MIGRATIONS.length}): upgrade tandem-relay, or restore a backup.`,
      );
    }
    MIGRATIONS.slice(done).forEach((sql, index) => {
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${done + index + 1}`);
      })();
    });
  }

  async createOrg(name: string): Promise<OrgRecord> {
    const org = { id: newId(), name, createdAt: Date.now() };
    this.db
      .prepare('INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)')
      .run(org.id, org.name, org.createdAt);
    return org;
  }

  async findOrg(name: string): Promise<OrgRecord | undefined> {
    const row = this.db
      .prepare<[string], { id: string; name: string; created_at: number }>(
        'SELECT id, name, created_at FROM orgs WHERE name = ?',
      )
      .get(name);
    return row === undefined
      ? undefined
      : { id: row.id, name: row.name, createdAt: row.created_at };
  }

  async listOrgs(): Promise<OrgRecord[]> {
    return this.db
      .prepare<[], { id: string; name: string; created_at: number }>(
        'SELECT id, name, created_at FROM orgs ORDER BY name',
      )
      .all()
      .map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
  }

  async addTeam(orgId: string, name: string): Promise<TeamRecord> {
    const team = { id: newId(), orgId, name };
    this.db
      .prepare('INSERT INTO teams (id, org_id, name) VALUES (?, ?, ?)')
      .run(team.id, orgId, name);
    return team;
  }

  async listTeams(orgId: string): Promise<TeamRecord[]> {
    return this.db
      .prepare<[string], { id: string; name: string }>(
        'SELECT id, name FROM teams WHERE org_id = ? ORDER BY name',
      )
      .all(orgId)
      .map((row) => ({ id: row.id, orgId, name: row.name }));
  }

  async addMember(member: NewMember): Promise<MemberRecord> {
    const id = newId();
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO members (id, org_id, name, color, admin, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, member.orgId, member.name, member.color, member.admin ? 1 : 0, member.at);
      const join = this.db.prepare('INSERT INTO team_members (team_id, member_id) VALUES (?, ?)');
      for (const teamId of member.teamIds) join.run(teamId, id);
    })();
    return {
      id,
      orgId: member.orgId,
      name: member.name,
      color: member.color,
      admin: member.admin,
      teamIds: [...member.teamIds],
      createdAt: member.at,
    };
  }

  async getMember(id: string): Promise<MemberRecord | undefined> {
    const row = this.db
      .prepare<[string], MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members m WHERE m.id = ? AND m.removed_at IS NULL`,
      )
      .get(id);
    return row === undefined ? undefined : memberFromRow(row);
  }

  async findMember(orgId: string, name: string): Promise<MemberRecord | undefined> {
    const row = this.db
      .prepare<[string, string], MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members m
         WHERE m.org_id = ? AND m.name = ? AND m.removed_at IS NULL`,
      )
      .get(orgId, name);
    return row === undefined ? undefined : memberFromRow(row);
  }

  async listMembers(orgId: string): Promise<MemberRecord[]> {
    return this.db
      .prepare<[string], MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members m
         WHERE m.org_id = ? AND m.removed_at IS NULL ORDER BY m.name`,
      )
      .all(orgId)
      .map(memberFromRow);
  }

  async removeMember(id: string, at: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('UPDATE members SET removed_at = ? WHERE id = ?').run(at, id);
      this.db
        .prepare('UPDATE tokens SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL')
        .run(at, id);
      this.db
        .prepare('UPDATE enrolments SET used_at = ? WHERE member_id = ? AND used_at IS NULL')
        .run(at, id);
      this.db.prepare('DELETE FROM team_members WHERE member_id = ?').run(id);
      // A live session dies with its owner's membership; what they recorded or wrote stays.
      this.db.prepare("DELETE FROM resources WHERE owner_id = ? AND kind = 'session'").run(id);
    })();
  }

  async addEnrolment(tokenHash: string, memberId: string, expiresAt: number): Promise<void> {
    this.db
      .prepare('INSERT INTO enrolments (token_hash, member_id, expires_at) VALUES (?, ?, ?)')
      .run(tokenHash, memberId, expiresAt);
  }

  async takeEnrolment(tokenHash: string, now: number): Promise<string | undefined> {
    // One statement: two racing enrolments with the same link cannot both win.
    const row = this.db
      .prepare<[number, string, number], { member_id: string }>(
        `UPDATE enrolments SET used_at = ?
         WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
           AND member_id IN (SELECT id FROM members WHERE removed_at IS NULL)
         RETURNING member_id`,
      )
      .get(now, tokenHash, now);
    if (row === undefined) return undefined;
    this.db
      .prepare('UPDATE members SET enrolled_at = coalesce(enrolled_at, ?) WHERE id = ?')
      .run(now, row.member_id);
    return row.member_id;
  }

  async addToken(tokenHash: string, memberId: string, at: number): Promise<void> {
    this.db
      .prepare('INSERT INTO tokens (token_hash, member_id, created_at) VALUES (?, ?, ?)')
      .run(tokenHash, memberId, at);
  }

  async memberForToken(tokenHash: string): Promise<MemberRecord | undefined> {
    const row = this.db
      .prepare<[string], MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM tokens t JOIN members m ON m.id = t.member_id
         WHERE t.token_hash = ? AND t.revoked_at IS NULL AND m.removed_at IS NULL`,
      )
      .get(tokenHash);
    return row === undefined ? undefined : memberFromRow(row);
  }

  async revokeToken(tokenHash: string, at: number): Promise<void> {
    this.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL')
      .run(at, tokenHash);
  }

  async putResource(resource: ResourceRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO resources (id, org_id, kind, name, owner_id, scope_team_id, data, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, scope_team_id = excluded.scope_team_id,
           data = excluded.data`,
      )
      .run(
        resource.id,
        resource.orgId,
        resource.kind,
        resource.name,
        resource.ownerId,
        resource.scope.kind === 'team' ? resource.scope.teamId : null,
        resource.data,
        resource.createdAt,
      );
  }

  async getResource(id: string): Promise<ResourceRecord | undefined> {
    const row = this.db
      .prepare<[string], ResourceRow>('SELECT * FROM resources WHERE id = ?')
      .get(id);
    return row === undefined ? undefined : resourceFromRow(row);
  }

  async listResources(orgId: string, kind: ResourceKind): Promise<ResourceRecord[]> {
    return this.db
      .prepare<[string, string], ResourceRow>(
        'SELECT * FROM resources WHERE org_id = ? AND kind = ? ORDER BY created_at DESC',
      )
      .all(orgId, kind)
      .map(resourceFromRow);
  }

  async deleteResource(id: string): Promise<void> {
    this.db.prepare('DELETE FROM resources WHERE id = ?').run(id);
  }

  async revision(): Promise<number> {
    // data_version moves when another connection commits; our own writes move total_changes.
    const version = Number(this.db.pragma('data_version', { simple: true }));
    const own = Number(this.db.prepare('SELECT total_changes() AS n').pluck().get());
    return version * 1_000_000_000 + own;
  }

  async backup(file: string): Promise<void> {
    await this.db.backup(file);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function memberFromRow(row: MemberRow): MemberRecord {
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

function resourceFromRow(row: ResourceRow): ResourceRecord {
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
