import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Directory } from './directory.js';
import { SqliteStore } from './sqlite-store.js';

describe('Directory', () => {
  let dir: string;
  let store: SqliteStore;
  let now: number;
  let directory: Directory;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-directory-'));
    store = new SqliteStore(path.join(dir, 'relay.db'));
    now = 1_000_000;
    directory = new Directory(store, () => now);
    await directory.createOrg('Acme');
    await directory.addTeam(undefined, 'Ops');
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an enrolment link after it expires', async () => {
    const { token } = await directory.addMember({
      name: 'Ada',
      teams: ['Ops'],
      admin: false,
      ttlMs: 60_000,
    });
    now += 60_001;
    await expect(directory.enrol(token, 'http://relay', () => [])).rejects.toThrow(/expired/);
    const fresh = await directory.enrolmentLink(await directory.member(undefined, 'Ada'));
    await expect(directory.enrol(fresh.token, 'http://relay', () => [])).resolves.toMatchObject({
      member: { name: 'Ada' },
    });
  });

  it('runs each migration once and refuses a data folder from a newer relay', async () => {
    expect(await store.schemaVersion()).toBe(4);
    await store.close();
    store = new SqliteStore(path.join(dir, 'relay.db'));
    expect(await store.schemaVersion()).toBe(4);
    expect(await store.listOrgs()).toHaveLength(1);
    await store.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(path.join(dir, 'relay.db'));
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteStore(path.join(dir, 'relay.db'))).toThrow(/newer tandem-relay/);
    store = new SqliteStore(':memory:');
  });

  it('sees a change another connection commits', async () => {
    const before = await store.revision();
    const other = new SqliteStore(path.join(dir, 'relay.db'));
    await other.addTeam((await directory.org()).id, 'Net');
    await other.close();
    expect(await store.revision()).not.toBe(before);
  });
});
