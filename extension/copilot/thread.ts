import type { CopilotAction, CopilotEntry } from '../../protocol/index.js';
import type { SessionTransport } from '../sharing/transport.js';

/** The one-click actions, in the pane's order, with the words a person reads. */
export const COPILOT_BUTTONS: { action: CopilotAction; label: string }[] = [
  { action: 'catchup', label: 'Catch me up' },
  { action: 'changes', label: 'What changed state' },
  { action: 'handoff', label: 'Draft handoff note' },
  { action: 'procedure', label: 'Draft procedure' },
];

/** Entries kept per view; the agent keeps the last 50, a long-open pane may hold more. */
const MAX_ENTRIES = 200;

/** What the handoff note's Markdown holds where the hypothesis goes. */
export const HYPOTHESIS_PLACEHOLDER = '_(to be written by a person)_';

/**
 * A session's Copilot thread as one view holds it: the entries (from `copilot.thread` once, then
 * `session.copilot` events, one per id, oldest first), the pane's open state, the ask in flight
 * and the last refusal. Plain state, no DOM; the view re-renders on `changed`.
 */
export class CopilotThread {
  entries: CopilotEntry[] = [];
  open = false;
  /** The action being asked, while its answer is on its way. */
  busy: CopilotAction | undefined;
  error: string | undefined;
  /** Hypotheses typed into handoff notes, by entry id: this view's own, never sent. */
  readonly hypotheses = new Map<number, string>();
  private loading: Promise<void> | undefined;
  private loaded = false;

  constructor(
    private readonly transport: SessionTransport,
    private readonly sessionId: () => string,
    private readonly changed: () => void,
  ) {}

  /** Adds entries not seen yet (by id); returns whether any was new. */
  add(...entries: CopilotEntry[]): boolean {
    const known = new Set(this.entries.map((e) => e.id));
    const fresh = entries.filter((e) => !known.has(e.id) && known.add(e.id));
    if (fresh.length === 0) return false;
    this.entries = [...this.entries, ...fresh].sort((a, b) => a.id - b.id).slice(-MAX_ENTRIES);
    return true;
  }

  /** Reads the thread so far (on attach, or when the pane opens before that worked). */
  load(): Promise<void> {
    this.loading ??= this.transport
      .request('copilot.thread', { sessionId: this.sessionId() })
      .then(({ entries }) => {
        this.loaded = true;
        this.add(...entries);
      })
      .catch(() => {
        // Not attached yet, or the link dropped: the next attach or opening reads it again.
      })
      .finally(() => {
        this.loading = undefined;
        this.changed();
      });
    return this.loading;
  }

  setOpen(open: boolean): void {
    this.open = open;
    if (open && !this.loaded) void this.load();
    this.changed();
  }

  async ask(action: CopilotAction): Promise<void> {
    if (this.busy !== undefined) return;
    this.busy = action;
    this.error = undefined;
    this.changed();
    try {
      const { entry } = await this.transport.request(
        'copilot.ask',
        { sessionId: this.sessionId(), action },
        30_000,
      );
      this.add(entry);
    } catch (error) {
      this.error = refusal(error);
    } finally {
      this.busy = undefined;
      this.changed();
    }
  }

  setHypothesis(id: number, text: string): void {
    this.hypotheses.set(id, text);
    this.changed();
  }
}

/** The agent's refusal as it said it (rate limits say how long to wait), or the link's error. */
function refusal(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `Not answered: ${message}`;
}

/** The handoff note as text to paste elsewhere, with the person's hypothesis written in. */
export function handoffText(entry: CopilotEntry, hypothesis: string): string {
  const written = hypothesis.trim();
  if (entry.hypothesis === undefined || written === '') return entry.markdown;
  return entry.markdown.replace(HYPOTHESIS_PLACEHOLDER, () => written);
}
