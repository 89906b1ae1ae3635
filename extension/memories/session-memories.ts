import { liveQuery } from 'dexie';
import { COPILOT_MAX_MEMORIES, MEMORY_MAX_CHARS, type DeviceTarget } from '../../protocol/index.js';
import type { TandemDb } from '../lib/db.js';
import type { SessionTransport } from '../sharing/transport.js';
import type { Memory } from './memory.js';
import { addMemory, memoriesOf } from './store.js';
import {
  isSystemKey,
  linkSystem,
  systemKey,
  systemNames,
  systemOf,
  unlinkSystem,
  type SystemLink,
} from './systems.js';

/** What a session's memories need to know of it. */
export interface MemorySession {
  id: string;
  name: string;
  recordingId?: string;
  /** When the session (and its recording) started, ms since epoch. */
  startedAt: number;
}

/** A device's own memories and those of the named system it is part of, the newest first. */
async function memoriesAround(
  db: TandemDb,
  targetKey: string,
): Promise<{ system: SystemLink | undefined; memories: Memory[] }> {
  const system = await systemOf(db, targetKey);
  const own = await memoriesOf(db, targetKey);
  const shared = system === undefined ? [] : await memoriesOf(db, systemKey(system.name));
  const memories = [...own, ...shared].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { system, memories };
}

/**
 * The query for `liveQuery`, made outside any method: Dexie's cache keeps a query's closure for
 * 3 s after its last subscriber leaves, and a closure made in a method would keep `this` (and
 * through it the closed session's terminal and scrollback) that long.
 */
function aroundQuery(db: TandemDb, targetKey: string) {
  return () => memoriesAround(db, targetKey);
}

/**
 * One of the owner's sessions and the memories of its device: found again whenever a session
 * opens on the same device (or on another device of the same named system), dismissible for
 * this session, handed to the session's Copilot (those not dismissed), and the form that saves
 * a new one.
 */
export class SessionMemories {
  target: DeviceTarget | undefined;
  /** The named system the device is part of, if the user linked it to one. */
  system: SystemLink | undefined;
  memories: Memory[] = [];
  /** The memory form, open with this text. */
  draft: string | undefined;
  error: string | undefined;
  /** Memories saved from this session (the end-session checklist ticks its step). */
  savedHere = 0;
  private readonly dismissed = new Set<number>();
  private subscription: { unsubscribe(): void } | undefined;
  private told: string | undefined;
  private disposed = false;

  constructor(
    private readonly transport: SessionTransport,
    private readonly db: TandemDb,
    private session: () => MemorySession,
    private changed: () => void,
  ) {}

  /** Asks the agent what the device is, then follows its memories as they change. */
  async load(): Promise<void> {
    const { target } = await this.transport.request('session.target', {
      sessionId: this.session().id,
    });
    if (target === undefined || this.disposed) return;
    this.target = target;
    this.changed();
    this.subscription = liveQuery(aroundQuery(this.db, target.key)).subscribe({
      next: ({ system, memories }) => {
        this.system = system;
        this.memories = memories;
        this.changed();
        this.tellCopilot();
      },
      error: (error: unknown) => {
        this.error = error instanceof Error ? error.message : String(error);
        this.changed();
      },
    });
  }

  /** The memories shown in this session: all of the device's but those dismissed here. */
  get shown(): Memory[] {
    return this.memories.filter((m) => m.id === undefined || !this.dismissed.has(m.id));
  }

  dismiss(ids: number[]): void {
    for (const id of ids) this.dismissed.add(id);
    this.changed();
    this.tellCopilot();
  }

  /** Opens the form, with `text` (a selection, a Copilot answer) to start from. */
  open(text = ''): void {
    this.draft = text.trim();
    this.error = undefined;
    this.changed();
  }

  cancel(): void {
    this.draft = undefined;
    this.error = undefined;
    this.changed();
  }

  /**
   * Saves a memory about the device, or, with `system`, about the named system (linking the
   * device to it first, so it is shown here and on every other device of that system).
   */
  async save(text: string, system?: string): Promise<void> {
    const target = this.target;
    if (target === undefined) throw new Error('This device cannot have memories');
    const session = this.session();
    try {
      const about =
        system === undefined
          ? { targetKey: target.key, targetLabel: target.label }
          : await this.linkTo(system);
      await addMemory(this.db, {
        ...about,
        text,
        sessionName: session.name,
        ...(session.recordingId === undefined
          ? {}
          : { recordingId: session.recordingId, t: Math.max(0, Date.now() - session.startedAt) }),
      });
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.changed();
      return;
    }
    this.savedHere += 1;
    this.draft = undefined;
    this.error = undefined;
    this.changed();
  }

  /** Makes the device part of a named system without saving a memory. */
  async link(system: string): Promise<void> {
    try {
      await this.linkTo(system);
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.changed();
      return;
    }
    this.draft = undefined;
    this.error = undefined;
    this.changed();
  }

  /** The device leaves its named system; the system's memories stay with the system. */
  async unlink(): Promise<void> {
    if (this.target !== undefined) await unlinkSystem(this.db, this.target.key);
  }

  /** The system names in use, for the name field. */
  async systemNames(): Promise<string[]> {
    return systemNames(this.db);
  }

  /** Whether a memory is the named system's rather than the device's own. */
  isSystemMemory(memory: Memory): boolean {
    return isSystemKey(memory.targetKey);
  }

  private async linkTo(system: string): Promise<{ targetKey: string; targetLabel: string }> {
    const target = this.target;
    if (target === undefined) throw new Error('This device cannot have memories');
    const link = await linkSystem(this.db, target, system);
    return { targetKey: systemKey(link.name), targetLabel: link.name };
  }

  dispose(): void {
    this.disposed = true;
    // Dexie keeps the subscriber (this) for 3 s after it leaves (see aroundQuery): let go of
    // the callbacks, whose scope holds the closed session's view, terminal and scrollback.
    const last = this.session();
    this.session = () => last;
    this.changed = () => undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    // Dexie aborts the query with a DOMException whose stack keeps every receiver on it (the
    // closing SessionView, its terminal and scrollback), and its cache holds that for 3 s (see
    // aroundQuery). Unsubscribed from a microtask, nothing of the view is on that stack.
    if (subscription !== undefined) queueMicrotask(() => subscription.unsubscribe());
  }

  /** The session's Copilot gets what is shown here, once per change. */
  private tellCopilot(): void {
    // A system's memories say which system: the Copilot's note lists them with the device's.
    const memories = this.shown
      .slice(0, COPILOT_MAX_MEMORIES)
      .map((m) => (isSystemKey(m.targetKey) ? `(${m.targetLabel}) ${m.text}` : m.text))
      .map((text) => text.slice(0, MEMORY_MAX_CHARS));
    const key = JSON.stringify(memories);
    if (key === this.told) return;
    this.told = key;
    this.transport
      .request('copilot.memories', { sessionId: this.session().id, memories })
      .catch(() => {
        // The session ended meanwhile: nothing to tell.
        this.told = undefined;
      });
  }
}
