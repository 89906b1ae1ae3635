import { liveQuery } from 'dexie';
import { COPILOT_MAX_MEMORIES, type DeviceTarget } from '../../protocol/index.js';
import type { TandemDb } from '../lib/db.js';
import type { SessionTransport } from '../sharing/transport.js';
import type { Memory } from './memory.js';
import { addMemory, memoriesOf } from './store.js';

/** What a session's memories need to know of it. */
export interface MemorySession {
  id: string;
  name: string;
  recordingId?: string;
  /** When the session (and its recording) started, ms since epoch. */
  startedAt: number;
}

/**
 * One of the owner's sessions and the memories of its device: found again whenever a session
 * opens on the same device, dismissible for this session, handed to the session's Copilot
 * (those not dismissed), and the form that saves a new one.
 */
export class SessionMemories {
  target: DeviceTarget | undefined;
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
    private readonly session: () => MemorySession,
    private readonly changed: () => void,
  ) {}

  /** Asks the agent what the device is, then follows its memories as they change. */
  async load(): Promise<void> {
    const { target } = await this.transport.request('session.target', {
      sessionId: this.session().id,
    });
    if (target === undefined || this.disposed) return;
    this.target = target;
    this.changed();
    this.subscription = liveQuery(() => memoriesOf(this.db, target.key)).subscribe({
      next: (rows) => {
        this.memories = rows;
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

  async save(text: string): Promise<void> {
    const target = this.target;
    if (target === undefined) throw new Error('This device cannot have memories');
    const session = this.session();
    try {
      await addMemory(this.db, {
        targetKey: target.key,
        targetLabel: target.label,
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

  dispose(): void {
    this.disposed = true;
    this.subscription?.unsubscribe();
  }

  /** The session's Copilot gets what is shown here, once per change. */
  private tellCopilot(): void {
    const memories = this.shown.slice(0, COPILOT_MAX_MEMORIES).map((m) => m.text);
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
