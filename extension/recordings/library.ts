import { allItems, type RecordingInfo, type RecordingSettings } from '../../protocol/index.js';
import type { RecordingRow, TandemDb } from '../lib/db.js';
import type { RecordingApi } from './source.js';
import { Store } from '../lib/store.js';

/** What to change in the Dexie index so it matches the agent's list. */
export function reconcile(
  rows: readonly RecordingRow[],
  list: readonly RecordingInfo[],
  now: number,
): { put: RecordingRow[]; remove: string[] } {
  const listed = new Set(list.map((r) => r.recordingId));
  return {
    put: list.map((info) => ({ ...info, seenAt: now })),
    // Gone from the agent: deleted here or elsewhere, or removed by retention.
    remove: rows.filter((r) => !listed.has(r.recordingId)).map((r) => r.recordingId),
  };
}

/** Newest first. */
export function sortRecordings<T extends Pick<RecordingInfo, 'startedAt'>>(rows: T[]): T[] {
  return [...rows].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** Megabytes typed in the settings form → bytes (empty = no limit). */
export function parseLimit(text: string, unit: number): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return Math.round(n * unit);
}

export const MIB = 1024 * 1024;

/**
 * The recordings library: the agent's recordings mirrored into Dexie (shown at once next time,
 * even before the agent answers), delete, and the retention settings.
 */
export class Library extends Store {
  rows: RecordingRow[] = [];
  settings: RecordingSettings | undefined;
  error: string | undefined;
  synced = false;

  constructor(
    readonly api: RecordingApi,
    readonly db: TandemDb,
  ) {
    super();
  }

  async loadCached(): Promise<void> {
    this.rows = sortRecordings(await this.db.recordings.toArray());
    this.emit();
  }

  /** Asks the agent for its recordings and settings and brings the index up to date. */
  async refresh(): Promise<void> {
    try {
      const [recordings, settings] = await Promise.all([
        allItems(
          (cursor) => this.api.request('recording.list', cursor === undefined ? {} : { cursor }),
          (page) => page.recordings,
        ),
        this.api.request('recording.settings', {}),
      ]);
      const current = await this.db.recordings.toArray();
      const { put, remove } = reconcile(current, recordings, Date.now());
      await this.db.transaction('rw', this.db.recordings, async () => {
        await this.db.recordings.bulkDelete(remove);
        await this.db.recordings.bulkPut(put);
      });
      this.rows = sortRecordings(put);
      this.settings = settings;
      this.error = undefined;
      this.synced = true;
    } catch (error) {
      this.error = messageOf(error);
    }
    this.emit();
  }

  async remove(recordingId: string): Promise<void> {
    try {
      await this.api.request('recording.delete', { recordingId });
      await this.db.recordings.delete(recordingId);
      this.rows = this.rows.filter((r) => r.recordingId !== recordingId);
      this.error = undefined;
    } catch (error) {
      this.error = messageOf(error);
    }
    this.emit();
  }

  async saveSettings(change: {
    enabled?: boolean;
    maxAgeDays?: number | null;
    maxTotalBytes?: number | null;
  }): Promise<void> {
    try {
      this.settings = await this.api.request('recording.settings', change);
      this.error = undefined;
    } catch (error) {
      this.error = messageOf(error);
    }
    this.emit();
    // Retention may have deleted recordings at once.
    await this.refresh();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
