import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  LIST_MAX_PARTICIPANTS,
  TandemError,
  type DeviceDescription,
  type PageRequest,
  type RecordingIndex,
  type RecordingInfo,
  type RecordingSettings,
  type RequestMap,
  type ResultMap,
} from '../../protocol/index.js';
import type { Logger } from '../log.js';
import {
  DEFAULT_PAGE_ENTRIES,
  compareKeys,
  keysetPage,
  parseOffsets,
  slicePage,
} from '../agent/pages.js';
import readline from 'node:readline';
import { FILE_SUFFIX, INDEX_SUFFIX, parseEvent, type RecordingEvent } from './format.js';
import { readAsciicast, readNative } from './reader.js';
import { Recorder, type KeyframeMakerFactory } from './recorder.js';
import { scanRecording } from './scan.js';

/**
 * Recording is on by default, so a budget must be too: a forgotten `yes` or a chatty console
 * would otherwise fill the disk over months. The oldest finished recordings go first.
 */
export const DEFAULT_SETTINGS: RecordingSettings = {
  enabled: true,
  maxAgeDays: 30,
  maxTotalBytes: 2 * 1024 ** 3,
};
const RETENTION_MS = 60 * 60 * 1000;

export interface RecordingStoreOptions {
  /** paths.dataDir()/recordings */
  dir: string;
  /** configDir()/recording.json */
  settingsFile: string;
  agentVersion: string;
  logger: Logger;
  keyframes?: KeyframeMakerFactory;
}

export interface NewRecording {
  sessionId: string;
  name: string;
  device: DeviceDescription;
  cols: number;
  rows: number;
}

/** Every recording on disk, the live ones' recorders, settings and retention. */
export class RecordingStore {
  private readonly live = new Map<string, Recorder>();
  private readonly indexes = new Map<string, RecordingIndex>();
  private current: RecordingSettings;
  private readonly retention: NodeJS.Timeout;

  constructor(private readonly options: RecordingStoreOptions) {
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.current = this.loadSettings();
    this.retention = setInterval(() => this.applyRetention(), RETENTION_MS);
    this.retention.unref();
    this.applyRetention();
  }

  get enabled(): boolean {
    return this.current.enabled;
  }

  start(session: NewRecording): Recorder {
    const recordingId = randomUUID();
    const recorder = new Recorder({
      ...session,
      dir: this.options.dir,
      recordingId,
      agentVersion: this.options.agentVersion,
      ...(this.options.keyframes === undefined ? {} : { keyframes: this.options.keyframes }),
      onStopped: (error) =>
        this.options.logger.error('recording.write_failed', {
          recording: recordingId,
          session: session.sessionId,
          code: error.code ?? error.message,
        }),
      onClosed: (index) => {
        this.live.delete(recordingId);
        this.remember(index);
        this.applyRetention();
      },
    });
    this.live.set(recordingId, recorder);
    this.options.logger.info('recording.start', {
      recording: recordingId,
      session: session.sessionId,
    });
    return recorder;
  }

  /** A page of the recordings, newest first; an entry names its first participants only. */
  list(request: PageRequest = {}): ResultMap['recording.list'] {
    const { page, next } = keysetPage(
      this.all(),
      (r) => `${r.startedAt} ${r.recordingId}`,
      request,
      'descending',
    );
    const recordings = page.map((r) =>
      r.participants.length <= LIST_MAX_PARTICIPANTS
        ? r
        : {
            ...r,
            participants: r.participants.slice(0, LIST_MAX_PARTICIPANTS),
            moreParticipants: r.participants.length - LIST_MAX_PARTICIPANTS,
          },
    );
    return next === undefined ? { recordings } : { recordings, next };
  }

  /** Every recording on disk, newest first. */
  private all(): RecordingInfo[] {
    const recordings: RecordingInfo[] = [];
    for (const id of this.ids()) {
      const index = this.tryIndex(id);
      if (index === undefined) continue;
      const { cols: _c, rows: _r, eventsOffset: _e, keyframes: _k, markers: _m, ...info } = index;
      recordings.push(info);
    }
    recordings.sort((a, b) =>
      compareKeys(`${b.startedAt} ${b.recordingId}`, `${a.startedAt} ${a.recordingId}`),
    );
    return recordings;
  }

  index(recordingId: string): RecordingIndex {
    const index = this.tryIndex(recordingId);
    if (index === undefined) throw notFound(recordingId);
    return index;
  }

  /**
   * One page of an index: its scalar fields, then slices of keyframes, markers and participants,
   * in that order. The cursor is the three offsets reached; the arrays only ever grow (a live
   * recording appends), so offsets stay valid between pages.
   */
  indexPage(request: RequestMap['recording.index']): ResultMap['recording.index'] {
    const index = this.index(request.recordingId);
    const sizes = [index.keyframes.length, index.markers.length, index.participants.length];
    const offsets = parseOffsets(request.cursor, sizes.length).map((offset, i) =>
      Math.min(offset, sizes[i] ?? 0),
    );
    let entries = request.limit ?? DEFAULT_PAGE_ENTRIES;
    let budget: number | undefined;
    let full = false;
    const take = <T>(list: readonly T[], i: number): T[] => {
      const start = offsets[i] ?? 0;
      if (full || start >= list.length) return [];
      const { page, end, budgetLeft } = slicePage(list, start, entries, budget);
      offsets[i] = end;
      entries -= page.length;
      budget = budgetLeft;
      // The next list starts only once this one is complete.
      full = end < list.length || entries <= 0;
      return page;
    };
    const keyframes = take(index.keyframes, 0);
    const markers = take(index.markers, 1);
    const participants = take(index.participants, 2);
    const done = sizes.every((size, i) => (offsets[i] ?? 0) >= size);
    return {
      ...index,
      keyframes,
      markers,
      participants,
      ...(done ? {} : { next: offsets.join('.') }),
    };
  }

  read(request: RequestMap['recording.read']): ResultMap['recording.read'] {
    const file = this.file(request.recordingId);
    if (!fs.existsSync(file)) throw notFound(request.recordingId);
    const read = request.format === 'native' ? readNative : readAsciicast;
    return read(file, request.offset, request.length ?? Number.MAX_SAFE_INTEGER);
  }

  /**
   * A recording's events front to back, streamed (a long recording never sits in memory whole);
   * the header and a torn last line are skipped.
   */
  async *events(recordingId: string): AsyncGenerator<RecordingEvent> {
    this.index(recordingId);
    const lines = readline.createInterface({
      input: fs.createReadStream(this.file(recordingId), { encoding: 'utf8' }),
      crlfDelay: Infinity,
    });
    let first = true;
    for await (const line of lines) {
      if (first) {
        first = false;
        continue;
      }
      const event = parseEvent(line);
      if (event !== undefined) yield event;
    }
  }

  delete(recordingId: string): void {
    if (this.live.has(recordingId)) {
      throw new TandemError(
        'bad_request',
        'This recording is still being written — end its session first, then delete it',
      );
    }
    const file = this.file(recordingId);
    if (!fs.existsSync(file)) throw notFound(recordingId);
    this.remove(recordingId);
  }

  settings(change: RequestMap['recording.settings']): RecordingSettings {
    this.current = {
      enabled: change.enabled ?? this.current.enabled,
      maxAgeDays: change.maxAgeDays === undefined ? this.current.maxAgeDays : change.maxAgeDays,
      maxTotalBytes:
        change.maxTotalBytes === undefined ? this.current.maxTotalBytes : change.maxTotalBytes,
    };
    fs.mkdirSync(path.dirname(this.options.settingsFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(this.options.settingsFile, JSON.stringify(this.current, null, 2) + '\n', {
      mode: 0o600,
    });
    this.applyRetention();
    return { ...this.current };
  }

  /** Deletes finished recordings past the age limit, then the oldest until under the size limit. */
  applyRetention(): void {
    const { maxAgeDays, maxTotalBytes } = this.current;
    if (maxAgeDays === null && maxTotalBytes === null) return;
    const all = this.all().reverse();
    let total = all.reduce((sum, r) => sum + r.bytes, 0);
    const oldest = maxAgeDays === null ? -Infinity : Date.now() - maxAgeDays * 86_400_000;
    for (const recording of all) {
      if (recording.live) continue;
      const tooOld = Date.parse(recording.startedAt) + recording.durationMs < oldest;
      const tooBig = maxTotalBytes !== null && total > maxTotalBytes;
      if (!tooOld && !tooBig) continue;
      this.remove(recording.recordingId);
      total -= recording.bytes;
      this.options.logger.info('recording.expired', { recording: recording.recordingId });
    }
  }

  /** Stops every live recording (agent shutdown). */
  async closeAll(reason: string): Promise<void> {
    await Promise.allSettled([...this.live.values()].map((r) => r.close(reason)));
    clearInterval(this.retention);
  }

  private tryIndex(recordingId: string): RecordingIndex | undefined {
    const live = this.live.get(recordingId);
    if (live !== undefined) return live.index();
    const file = this.file(recordingId);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return undefined;
    }
    const cached = this.indexes.get(recordingId) ?? this.readSidecar(recordingId);
    if (cached !== undefined && cached.bytes === size) {
      this.indexes.set(recordingId, cached);
      return cached;
    }
    // No index, or the file changed (the agent died while writing it): read it once.
    const scanned = scanRecording(file);
    if (scanned === undefined) return undefined;
    const index = { ...scanned, bytes: size };
    this.remember(index);
    return index;
  }

  private remember(index: RecordingIndex): void {
    this.indexes.set(index.recordingId, index);
    try {
      fs.writeFileSync(this.sidecar(index.recordingId), JSON.stringify(index), { mode: 0o600 });
    } catch (error) {
      this.options.logger.warn('recording.index_write_failed', {
        recording: index.recordingId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private readSidecar(recordingId: string): RecordingIndex | undefined {
    try {
      const value: unknown = JSON.parse(fs.readFileSync(this.sidecar(recordingId), 'utf8'));
      if (typeof value === 'object' && value !== null && 'bytes' in value && 'keyframes' in value) {
        return { ...(value as RecordingIndex), live: false };
      }
    } catch {
      // missing or unreadable: scan instead
    }
    return undefined;
  }

  private remove(recordingId: string): void {
    fs.rmSync(this.file(recordingId), { force: true });
    fs.rmSync(this.sidecar(recordingId), { force: true });
    this.indexes.delete(recordingId);
  }

  private ids(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.options.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.endsWith(FILE_SUFFIX)).map((n) => n.slice(0, -FILE_SUFFIX.length));
  }

  private file(recordingId: string): string {
    return path.join(this.options.dir, `${recordingId}${FILE_SUFFIX}`);
  }

  private sidecar(recordingId: string): string {
    return path.join(this.options.dir, `${recordingId}${INDEX_SUFFIX}`);
  }

  private loadSettings(): RecordingSettings {
    try {
      const value: unknown = JSON.parse(fs.readFileSync(this.options.settingsFile, 'utf8'));
      if (typeof value !== 'object' || value === null) return { ...DEFAULT_SETTINGS };
      const v = value as Record<string, unknown>;
      return {
        enabled: typeof v.enabled === 'boolean' ? v.enabled : DEFAULT_SETTINGS.enabled,
        maxAgeDays: limit(v.maxAgeDays, DEFAULT_SETTINGS.maxAgeDays),
        maxTotalBytes: limit(v.maxTotalBytes, DEFAULT_SETTINGS.maxTotalBytes),
      };
    } catch {
      return { ...DEFAULT_SETTINGS };
    }
  }
}

/** A limit from the settings file: a number, null (no limit, said on purpose), else the default. */
function limit(value: unknown, fallback: number | null): number | null {
  if (value === null) return null;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function notFound(recordingId: string): TandemError {
  return new TandemError(
    'not_found',
    `No recording ${recordingId} — it may have been deleted; list recordings again`,
  );
}
