import Dexie, { type EntityTable } from 'dexie';

/** A saved SSH connection. Never holds a password or passphrase: those are asked each time. */
export interface SshProfile {
  id?: number;
  name: string;
  host: string;
  port: number;
  username: string;
  auth: 'password' | 'key' | 'agent';
  keyPath?: string;
  lastUsedAt: number;
}

/** How the user last opened a serial device: remembered per path. */
export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  lineEnding: 'cr' | 'lf' | 'crlf';
}

export interface Setting {
  key: string;
  value: string | number | boolean;
}

/**
 * The extension's one database. Add a new `version(n)` for every schema change, never edit an
 * old one: Dexie upgrades existing users from whatever version they have.
 */
export class TandemDb extends Dexie {
  declare sshProfiles: EntityTable<SshProfile, 'id'>;
  declare serialSettings: EntityTable<SerialSettings, 'path'>;
  declare settings: EntityTable<Setting, 'key'>;

  constructor(name = 'tandem') {
    super(name);
    this.version(1).stores({
      sshProfiles: '++id, &name, lastUsedAt',
      serialSettings: '&path',
      settings: '&key',
    });
  }
}

export const SETTINGS = {
  fontSize: 'fontSize',
  lastKind: 'lastKind',
} as const;

export async function getSetting<T extends Setting['value']>(
  db: TandemDb,
  key: string,
  fallback: T,
): Promise<T> {
  const row = await db.settings.get(key);
  return row !== undefined && typeof row.value === typeof fallback ? (row.value as T) : fallback;
}

export async function setSetting(
  db: TandemDb,
  key: string,
  value: Setting['value'],
): Promise<void> {
  await db.settings.put({ key, value });
}
