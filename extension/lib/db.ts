import Dexie, { type EntityTable } from 'dexie';
import type { FlowControl, RecordingInfo } from '../../protocol/index.js';
import type { Artifact, Evidence } from '../artifacts/artifact.js';
import type { Memory } from '../memories/memory.js';
import type { SystemLink } from '../memories/systems.js';
import type { Procedure, ProcedureVersion } from '../procedures/procedure.js';

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

/**
 * How the user last opened a serial device: one row per path, found again by the adapter's USB
 * serial number when it has one (so ttyUSB0 replugged as ttyUSB1 keeps its settings).
 */
export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  lineEnding: 'cr' | 'lf' | 'crlf';
  flowControl?: FlowControl;
  serialNumber?: string;
  /** When it was last opened (ms since epoch): recent ports are offered first. */
  lastUsedAt?: number;
}

/** A recording the agent holds, as last listed: the library's index (the bytes stay in the agent). */
export interface RecordingRow extends RecordingInfo {
  /** When `recording.list` last reported it (ms since epoch). */
  seenAt: number;
}

/** Evidence picked in a session before (or after) its artifact was made. */
export interface EvidenceRow extends Evidence {
  id?: number;
  sessionId: string;
  recordingId?: string;
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
  declare recordings: EntityTable<RecordingRow, 'recordingId'>;
  declare artifacts: EntityTable<Artifact, 'id'>;
  declare evidence: EntityTable<EvidenceRow, 'id'>;
  declare memories: EntityTable<Memory, 'id'>;
  declare systems: EntityTable<SystemLink, 'targetKey'>;
  declare procedures: EntityTable<Procedure, 'id'>;
  declare procedureVersions: EntityTable<ProcedureVersion, 'id'>;

  constructor(name = 'tandem') {
    super(name);
    this.version(1).stores({
      sshProfiles: '++id, &name, lastUsedAt',
      serialSettings: '&path',
      settings: '&key',
    });
    this.version(2).stores({
      recordings: '&recordingId, startedAt, sessionId',
    });
    this.version(3).stores({
      serialSettings: '&path, lastUsedAt, serialNumber',
    });
    // Artifacts carry their own format version (`schema`, artifacts/artifact.ts) as well.
    this.version(4).stores({
      artifacts: '++id, sessionId, recordingId, updatedAt',
      evidence: '++id, sessionId',
    });
    this.version(5).stores({
      memories: '++id, targetKey, createdAt, updatedAt',
    });
    this.version(6).stores({
      procedures: '++id, name, updatedAt',
      procedureVersions: '++id, procedureId, [procedureId+version]',
    });
    // Named systems: which devices a user grouped under one name (memories/systems.ts).
    this.version(7).stores({
      systems: '&targetKey, name',
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
