import pg from 'pg';
import type { ResourceKind } from '../../protocol/team.js';
import { DirectoryError } from './errors.js';
import { memberFromRow, resourceFromRow, type MemberRow, type ResourceRow } from './store-rows.js';
import {
  MAX_TICKETS,
  REVISION_TABLES,
  newId,
  dumpTables,
  insertSql,
  type MemberRecord,
  type NewMember,
  type OrgRecord,
  type RelayStore,
  type ResourceRecord,
  type StoreDump,
  type TeamRecord,
  type TicketRecord,
} from './store.js';

/**
 * Schema changes, in order, the same tables and columns as SQLite's (times are milliseconds
 * since the epoch, BIGINT here). `tandem_schema` says how many have run; each runs once, in a
 * transaction, under an advisory lock so replicas starting together migrate once. Never edit
 * one that has shipped: add the next.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);
   CREATE TABLE teams (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),
     name TEXT NOT NULL, UNIQUE (org_id, name));
   CREATE TABLE members (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),
     name TEXT NOT NULL, color TEXT NOT NULL, admin INTEGER NOT NULL,
     created_at BIGINT NOT NULL, enrolled_at BIGINT, removed_at BIGINT);
   CREATE UNIQUE INDEX members_live_name ON members (org_id, name) WHERE removed_at IS NULL;
   CREATE TABLE team_members (team_id TEXT NOT NULL REFERENCES teams(id),
     member_id TEXT NOT NULL REFERENCES members(id), PRIMARY KEY (team_id, member_id));
   CREATE INDEX team_members_by_member ON team_members (member_id);
   CREATE TABLE enrolments (token_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES members(id),
     expires_at BIGINT NOT NULL, used_at BIGINT);
   CREATE TABLE tokens (token_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES members(id),
     created_at BIGINT NOT NULL, revoked_at BIGINT);
   CREATE TABLE resources (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),
     kind TEXT NOT NULL, name TEXT NOT NULL, owner_id TEXT NOT NULL REFERENCES members(id),
     scope_team_id TEXT REFERENCES teams(id), data TEXT NOT NULL, created_at BIGINT NOT NULL);
   CREATE INDEX resources_by_kind ON resources (org_id, kind);
   CREATE TABLE tickets (token_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES members(id),
     org_id TEXT NOT NULL, audience TEXT NOT NULL, expires_at BIGINT NOT NULL);
   CREATE INDEX tickets_by_expiry ON tickets (expires_at);
   CREATE TABLE revision (n BIGINT NOT NULL);
   INSERT INTO revision (n) VALUES (0);
   CREATE FUNCTION tandem_bump_revision() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN UPDATE revision SET n = n + 1; RETURN NULL; END $$;
   ${REVISION_TABLES.map(
     (table) =>
       `CREATE TRIGGER ${table}_revision AFTER INSERT OR UPDATE OR DELETE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION tandem_bump_revision();`,
   ).join('\n')}`,
  // Counting what one member shares (the per-member limit) without a scan.
  `CREATE INDEX resources_by_owner ON resources (owner_id, kind);`,
];

/** Migrations take this advisory lock, so two replicas starting at once migrate once. */
const MIGRATION_LOCK = 0x74616e64;

const MEMBER_COLUMNS = `m.id, m.org_id, m.name, m.color, m.admin, m.created_at, m.enrolled_at,
  (SELECT string_agg(team_id, ',') FROM team_members WHERE member_id = m.id) AS team_ids`;

/** BIGINT (int8) as a JavaScript number: our values are milliseconds, far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The store for more than one relay process (`store: {kind: "postgres", url}`): the `pg`
 * driver's pool. Replicas share it; the revision counter (moved by triggers on the tables
 * presence depends on) is how each notices another's change, or an admin command's.
 */
export class PgStore implements RelayStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;

  private constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 8, types });
    // An idle client's error (the server restarted) must not kill the relay: the pool drops
    // that client and the next query opens another.
    this.pool.on('error', () => {});
  }

  /** Connects and runs the migrations this database has not had. */
  static async open(url: string): Promise<PgStore> {
    const store = new PgStore(url);
    try {
      await store.migrate();
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  async schemaVersion(): Promise<number> {
    const result = await this.pool.query<{ version: number }>(
      "SELECT to_regclass('tandem_schema') IS NOT NULL AS present",
    );
    if (!(result.rows[0] as unknown as { present: boolean }).present) return 0;
    const row = await this.pool.query<{ version: number }>('SELECT version FROM tandem_schema');
    return row.rows[0]?.version ?? 0;
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS tandem_schema (version INTEGER NOT NULL)');
      const rows = await client.query<{ version: number }>('SELECT version FROM tandem_schema');
      const done = rows.rows[0]?.version ?? 0;
      if (rows.rows.length === 0) await client.query('INSERT INTO tandem_schema VALUES (0)');
      if (done > MIGRATIONS.length)
        throw new Error(
          `The database was written by a newer tandem-relay (schema ${done}, this one knows ` +
            `${MIGRATIONS.length}): upgrade tandem-relay, or restore a backup.`,
        );
      for (const [index, sql] of MIGRATIONS.slice(done).entries()) {
        await client.query(sql);
        await client.query('UPDATE tandem_schema SET version = $1', [done + index + 1]);
      }
    });
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async rows<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  async createOrg(name: string): Promise<OrgRecord> {
    const org = { id: newId(), name, createdAt: Date.now() };
    await this.pool.query('INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)', [
      org.id,
      org.name,
      org.createdAt,
    ]);
    return org;
  }

  async findOrg(name: string): Promise<OrgRecord | undefined> {
    const [row] = await this.rows<{ id: string; name: string; created_at: number }>(
      'SELECT id, name, created_at FROM orgs WHERE name = $1',
      [name],
    );
    return row === undefined
      ? undefined
      : { id: row.id, name: row.name, createdAt: row.created_at };
  }

  async listOrgs(): Promise<OrgRecord[]> {
    return (
      await this.rows<{ id: string; name: string; created_at: number }>(
        'SELECT id, name, created_at FROM orgs ORDER BY name',
      )
    ).map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
  }

  async addTeam(orgId: string, name: string): Promise<TeamRecord> {
    const team = { id: newId(), orgId, name };
    await this.pool.query('INSERT INTO teams (id, org_id, name) VALUES ($1, $2, $3)', [
      team.id,
      orgId,
      name,
    ]);
    return team;
  }

  async listTeams(orgId: string): Promise<TeamRecord[]> {
    return (
      await this.rows<{ id: string; name: string }>(
        'SELECT id, name FROM teams WHERE org_id = $1 ORDER BY name',
        [orgId],
      )
    ).map((row) => ({ id: row.id, orgId, name: row.name }));
  }

  async addMember(member: NewMember): Promise<MemberRecord> {
    const id = newId();
    await this.transaction(async (client) => {
      await client.query(
        'INSERT INTO members (id, org_id, name, color, admin, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, member.orgId, member.name, member.color, member.admin ? 1 : 0, member.at],
      );
      for (const teamId of member.teamIds)
        await client.query('INSERT INTO team_members (team_id, member_id) VALUES ($1, $2)', [
          teamId,
          id,
        ]);
    });
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
    const [row] = await this.rows<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m WHERE m.id = $1 AND m.removed_at IS NULL`,
      [id],
    );
    return row === undefined ? undefined : memberFromRow(row);
  }

  async findMember(orgId: string, name: string): Promise<MemberRecord | undefined> {
    const [row] = await this.rows<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m
       WHERE m.org_id = $1 AND m.name = $2 AND m.removed_at IS NULL`,
      [orgId, name],
    );
    return row === undefined ? undefined : memberFromRow(row);
  }

  async listMembers(orgId: string): Promise<MemberRecord[]> {
    return (
      await this.rows<MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members m
         WHERE m.org_id = $1 AND m.removed_at IS NULL ORDER BY m.name`,
        [orgId],
      )
    ).map(memberFromRow);
  }

  async removeMember(id: string, at: number): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('UPDATE members SET removed_at = $1 WHERE id = $2', [at, id]);
      await client.query(
        'UPDATE tokens SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL',
        [at, id],
      );
      await client.query(
        'UPDATE enrolments SET used_at = $1 WHERE member_id = $2 AND used_at IS NULL',
        [at, id],
      );
      await client.query('DELETE FROM team_members WHERE member_id = $1', [id]);
      await client.query('DELETE FROM tickets WHERE member_id = $1', [id]);
      // A live session dies with its owner's membership; what they recorded or wrote stays.
      await client.query("DELETE FROM resources WHERE owner_id = $1 AND kind = 'session'", [id]);
    });
  }

  async addEnrolment(tokenHash: string, memberId: string, expiresAt: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO enrolments (token_hash, member_id, expires_at) VALUES ($1, $2, $3)',
      [tokenHash, memberId, expiresAt],
    );
  }

  async takeEnrolment(tokenHash: string, now: number): Promise<string | undefined> {
    // One statement: two racing enrolments with the same link cannot both win.
    const [row] = await this.rows<{ member_id: string }>(
      `UPDATE enrolments SET used_at = $1
       WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         AND member_id IN (SELECT id FROM members WHERE removed_at IS NULL)
       RETURNING member_id`,
      [now, tokenHash],
    );
    if (row === undefined) return undefined;
    await this.pool.query(
      'UPDATE members SET enrolled_at = coalesce(enrolled_at, $1) WHERE id = $2',
      [now, row.member_id],
    );
    return row.member_id;
  }

  async addToken(tokenHash: string, memberId: string, at: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO tokens (token_hash, member_id, created_at) VALUES ($1, $2, $3)',
      [tokenHash, memberId, at],
    );
  }

  async memberForToken(tokenHash: string): Promise<MemberRecord | undefined> {
    const [row] = await this.rows<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM tokens t JOIN members m ON m.id = t.member_id
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND m.removed_at IS NULL`,
      [tokenHash],
    );
    return row === undefined ? undefined : memberFromRow(row);
  }

  async revokeToken(tokenHash: string, at: number): Promise<void> {
    await this.pool.query(
      'UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL',
      [at, tokenHash],
    );
  }

  async putResource(resource: ResourceRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO resources (id, org_id, kind, name, owner_id, scope_team_id, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, scope_team_id = excluded.scope_team_id,
         data = excluded.data`,
      [
        resource.id,
        resource.orgId,
        resource.kind,
        resource.name,
        resource.ownerId,
        resource.scope.kind === 'team' ? resource.scope.teamId : null,
        resource.data,
        resource.createdAt,
      ],
    );
  }

  async getResource(id: string): Promise<ResourceRecord | undefined> {
    const [row] = await this.rows<ResourceRow>('SELECT * FROM resources WHERE id = $1', [id]);
    return row === undefined ? undefined : resourceFromRow(row);
  }

  async listResources(orgId: string, kind: ResourceKind): Promise<ResourceRecord[]> {
    return (
      await this.rows<ResourceRow>(
        'SELECT * FROM resources WHERE org_id = $1 AND kind = $2 ORDER BY created_at DESC',
        [orgId, kind],
      )
    ).map(resourceFromRow);
  }

  async countResources(ownerId: string, kind: ResourceKind): Promise<number> {
    const [row] = await this.rows<{ n: number }>(
      'SELECT count(*)::int AS n FROM resources WHERE owner_id = $1 AND kind = $2',
      [ownerId, kind],
    );
    return row?.n ?? 0;
  }

  async deleteResource(id: string): Promise<void> {
    await this.pool.query('DELETE FROM resources WHERE id = $1', [id]);
  }

  async addTicket(ticket: TicketRecord, now: number): Promise<void> {
    await this.pool.query('DELETE FROM tickets WHERE expires_at <= $1', [now]);
    const [count] = await this.rows<{ n: number }>('SELECT count(*) AS n FROM tickets');
    if ((count?.n ?? 0) >= MAX_TICKETS)
      throw new DirectoryError(409, 'Too many join tickets outstanding: try again in a minute');
    await this.pool.query(
      `INSERT INTO tickets (token_hash, member_id, org_id, audience, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [ticket.tokenHash, ticket.memberId, ticket.orgId, ticket.audience, ticket.expiresAt],
    );
  }

  async takeTicket(
    tokenHash: string,
    orgId: string,
    audience: string,
    now: number,
  ): Promise<string | undefined> {
    const [row] = await this.rows<{ member_id: string }>(
      `DELETE FROM tickets WHERE token_hash = $1 AND org_id = $2 AND audience = $3 AND expires_at > $4
       RETURNING member_id`,
      [tokenHash, orgId, audience, now],
    );
    return row?.member_id;
  }

  async revision(): Promise<number> {
    const [row] = await this.rows<{ n: number }>('SELECT n FROM revision');
    return row?.n ?? 0;
  }

  async dump(): Promise<StoreDump> {
    const out: Partial<StoreDump> = {};
    for (const [table, columns] of dumpTables()) {
      out[table] = await this.rows<Record<string, string | number | null>>(
        `SELECT ${columns.join(', ')} FROM ${table}`,
      );
    }
    return out as StoreDump;
  }

  async load(dump: StoreDump): Promise<void> {
    await this.transaction(async (client) => {
      // Under the lock another load (or relay start) waits, so "empty" stays true until commit.
      await client.query('LOCK TABLE orgs IN EXCLUSIVE MODE');
      const { rows } = await client.query<{ n: number }>('SELECT count(*) AS n FROM orgs');
      if ((rows[0]?.n ?? 0) > 0) throw new DirectoryError(409, 'The target store is not empty');
      for (const [table, columns] of dumpTables()) {
        const sql = insertSql(table, columns, (i) => `$${i + 1}`);
        for (const row of dump[table])
          await client.query(
            sql,
            columns.map((c) => row[c] ?? null),
          );
      }
    });
  }

  /** Whether the database answers now (for /health). */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
