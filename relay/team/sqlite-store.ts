import Database from 'better-sqlite3';
import type { ResourceKind } from '../../protocol/team.js';
import { DirectoryError } from './errors.js';
import { memberFromRow, resourceFromRow, type MemberRow, type ResourceRow } from './store-rows.js';
import {
  MAX_TICKETS,
  REVISION_TABLES,
  dumpTables,
  insertSql,
  newId,
  type MemberRecord,
  type StoreDump,
  type TicketRecord,
  type NewMember,
  type OrgRecord,
  type RelayStore,
  type ResourceRecord,
  type TeamRecord,
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
  // Member tickets move from one process's memory to the store, where every replica sees
  // them; and the revision becomes a counter that only what presence depends on moves (a
  // ticket or an enrolment is no reason to re-check every socket).
  `CREATE TABLE tickets (token_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES members(id),
     org_id TEXT NOT NULL, audience TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE INDEX tickets_by_expiry ON tickets (expires_at);
   CREATE TABLE revision (n INTEGER NOT NULL);
   INSERT INTO revision (n) VALUES (0);
   ${REVISION_TABLES.map((table) =>
     ['INSERT', 'UPDATE', 'DELETE']
       .map(
         (event) =>
           `CREATE TRIGGER ${table}_${event.toLowerCase()}_revision AFTER ${event} ON ${table}
            BEGIN UPDATE revision SET n = n + 1; END;`,
       )
       .join('\n'),
   ).join('\n')}`,
  // Counting what one member shares (the per-member limit) without a scan.
  `CREATE INDEX resources_by_owner ON resources (owner_id, kind);`,
];

const MEMBER_COLUMNS = `m.id, m.org_id, m.name, m.color, m.admin, m.created_at, m.enrolled_at,
  (SELECT group_concat(team_id) FROM team_members WHERE member_id = m.id) AS team_ids`;

/**
 * The embedded store: one SQLite file in the data folder (better-sqlite3, which builds from
 * source at install). WAL mode, so the admin commands can write while the relay reads.
 */
export class SqliteStore implements RelayStore {
  readonly kind = 'sqlite';
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
  async schemaVersion(): Promise<number> {
    return this.userVersion();
  }

  private userVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private migrate(): void {
    const done = this.userVersion();
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

  async countResources(ownerId: string, kind: ResourceKind): Promise<number> {
    return Number(
      this.db
        .prepare('SELECT count(*) FROM resources WHERE owner_id = ? AND kind = ?')
        .pluck()
        .get(ownerId, kind),
    );
  }

  async deleteResource(id: string): Promise<void> {
    this.db.prepare('DELETE FROM resources WHERE id = ?').run(id);
  }

  async addTicket(ticket: TicketRecord, now: number): Promise<void> {
    this.db.prepare('DELETE FROM tickets WHERE expires_at <= ?').run(now);
    const count = Number(this.db.prepare('SELECT count(*) FROM tickets').pluck().get());
    if (count >= MAX_TICKETS)
      throw new DirectoryError(409, 'Too many join tickets outstanding: try again in a minute');
    this.db
      .prepare(
        `INSERT INTO tickets (token_hash, member_id, org_id, audience, expires_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(ticket.tokenHash, ticket.memberId, ticket.orgId, ticket.audience, ticket.expiresAt);
  }

  async takeTicket(
    tokenHash: string,
    orgId: string,
    audience: string,
    now: number,
  ): Promise<string | undefined> {
    const row = this.db
      .prepare<[string, string, string, number], { member_id: string }>(
        `DELETE FROM tickets WHERE token_hash = ? AND org_id = ? AND audience = ? AND expires_at > ?
         RETURNING member_id`,
      )
      .get(tokenHash, orgId, audience, now);
    return row?.member_id;
  }

  async revision(): Promise<number> {
    // Triggers count the writes to what presence depends on, from any connection.
    return Number(this.db.prepare('SELECT n FROM revision').pluck().get());
  }

  async dump(): Promise<StoreDump> {
    const out: Partial<StoreDump> = {};
    for (const [table, columns] of dumpTables()) {
      out[table] = this.db
        .prepare<[], Record<string, string | number | null>>(
          `SELECT ${columns.join(', ')} FROM ${table}`,
        )
        .all();
    }
    return out as StoreDump;
  }

  async load(dump: StoreDump): Promise<void> {
    this.db.transaction(() => {
      if (Number(this.db.prepare('SELECT count(*) FROM orgs').pluck().get()) > 0)
        throw new DirectoryError(409, 'The target store is not empty');
      for (const [table, columns] of dumpTables()) {
        const insert = this.db.prepare(insertSql(table, columns, () => '?'));
        for (const row of dump[table]) insert.run(...columns.map((c) => row[c] ?? null));
      }
    })();
  }

  async backup(file: string): Promise<void> {
    await this.db.backup(file);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
