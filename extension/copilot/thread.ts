import type { CopilotAction, CopilotEntry, EventMap, ResultMap } from '../../protocol/index.js';
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
  /** The owner's switch: off, the agent reads nothing and answers nothing. */
  enabled = true;
  /** The language model questions go to, when the agent has one. */
  model: string | undefined;
  /** A model's answer while it streams (the finished one arrives as an entry). */
  draft: EventMap['session.copilotDraft'] | undefined;
  /** This person agreed to what questions send, in this session (the agent keeps the record). */
  private consented = false;
  /** What a question would send, shown before the first one is sent; cleared on send/cancel. */
  preview: (ResultMap['copilot.preview'] & { question: string }) | undefined;
  /** A question is on its way to the model. */
  asking = false;
  /** Hypotheses typed into handoff notes, by entry id: this view's own, never sent. */
  readonly hypotheses = new Map<number, string>();
  private loading: Promise<void> | undefined;
  private loaded = false;

  constructor(
    private readonly transport: SessionTransport,
    private readonly sessionId: () => string,
    private readonly changed: () => void,
  ) {}

  /** The agent's news about the Copilot; returns whether this view must redraw. */
  handle(
    event:
      | { type: 'session.copilot'; entry: CopilotEntry }
      | ({ type: 'session.copilotDraft' } & EventMap['session.copilotDraft'])
      | ({ type: 'session.copilotState' } & EventMap['session.copilotState']),
  ): boolean {
    switch (event.type) {
      case 'session.copilot':
        return this.add(event.entry);
      case 'session.copilotDraft':
        this.draft = event;
        return true;
      case 'session.copilotState':
        this.enabled = event.enabled;
        // Off: an answer still streaming is dropped by the agent; so is its draft here.
        if (!event.enabled) this.draft = undefined;
        return true;
    }
  }

  /** Adds entries not seen yet (by id); returns whether any was new. */
  add(...entries: CopilotEntry[]): boolean {
    // A model's finished answer replaces its streaming draft.
    const draft = this.draft;
    if (
      draft !== undefined &&
      entries.some((e) => e.question === draft.question && e.askedBy.id === draft.askedBy.id)
    ) {
      this.draft = undefined;
    }
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
      .then(({ entries, enabled, model }) => {
        this.loaded = true;
        this.enabled = enabled;
        this.model = model;
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

  /** The owner turns the Copilot off or on for everyone in the session. */
  async setEnabled(enabled: boolean): Promise<void> {
    this.error = undefined;
    try {
      const result = await this.transport.request('copilot.set', {
        sessionId: this.sessionId(),
        enabled,
      });
      this.enabled = result.enabled;
    } catch (error) {
      this.error = refusal(error);
    }
    this.changed();
  }

  /**
   * Asks the model. The first question in a session shows the preview (exactly what would be
   * sent) and waits for `send`; after the agent has this person's consent, questions go at once.
   */
  async question(text: string): Promise<void> {
    const question = text.trim();
    if (question === '' || this.asking) return;
    this.error = undefined;
    // Agreed once already: ask at once (a preview would cost a second request for nothing).
    // An agent that forgot (it restarted) says so, and the preview comes after all.
    if (this.consented && (await this.send(question, false))) return;
    try {
      const preview = await this.transport.request('copilot.preview', {
        sessionId: this.sessionId(),
        question,
      });
      if (!preview.consented) {
        this.preview = { ...preview, question };
        this.changed();
        return;
      }
    } catch (error) {
      this.error = refusal(error);
      this.changed();
      return;
    }
    await this.send(question, false);
  }

  /**
   * Sends the question (`consent`: the person agreed to what the preview showed). False when
   * the agent wants the preview seen first.
   */
  async send(question: string, consent: boolean): Promise<boolean> {
    this.preview = undefined;
    this.asking = true;
    this.error = undefined;
    this.changed();
    try {
      const { entry } = await this.transport.request(
        'copilot.question',
        { sessionId: this.sessionId(), question, ...(consent ? { consent } : {}) },
        // A model may take its time; the answer streams in as drafts meanwhile.
        150_000,
      );
      this.consented = true;
      this.add(entry);
      return true;
    } catch (error) {
      if (needsConsent(error)) {
        this.consented = false;
        return false;
      }
      this.error = refusal(error);
      return true;
    } finally {
      this.asking = false;
      this.changed();
    }
  }

  cancelPreview(): void {
    this.preview = undefined;
    this.changed();
  }

  setHypothesis(id: number, text: string): void {
    this.hypotheses.set(id, text);
    this.changed();
  }
}

/** The agent wants the preview seen and agreed to first (it keeps consent per session). */
function needsConsent(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('details' in error)) return false;
  const { details } = error;
  return typeof details === 'object' && details !== null && 'needsConsent' in details
    ? details.needsConsent === true
    : false;
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
