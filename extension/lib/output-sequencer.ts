import type { EventMap } from '../../protocol/index.js';

/** What a view does with one output or snapshot event. */
export interface Step {
  /** Clear the terminal first (a snapshot replaces what the view showed). */
  reset: boolean;
  /** Terminal data to write (may be empty). */
  write: string;
  /** Characters to acknowledge to the agent: everything received, shown or skipped. */
  ack: number;
}

/**
 * Turns a session's output and snapshot events into terminal writes with nothing lost or shown
 * twice: output is deduped by seq; a snapshot replaces the screen unless the view already has
 * everything it covers. `lastSeq` is what the view asks to resume from when it re-attaches.
 */
export class OutputSequencer {
  lastSeq = 0;
  /** 'showing' while a snapshot's chunks are being written, 'skipping' while ignoring one. */
  private snapshot: 'none' | 'showing' | 'skipping' = 'none';

  output(event: EventMap['session.output']): Step {
    const ack = event.data.length;
    if (event.seq <= this.lastSeq) return { reset: false, write: '', ack };
    this.lastSeq = event.seq;
    return { reset: false, write: event.data, ack };
  }

  snapshotChunk(event: EventMap['session.snapshot']): Step {
    const ack = event.data.length;
    let reset = false;
    if (this.snapshot === 'none') {
      if (this.lastSeq > 0 && event.seq <= this.lastSeq) this.snapshot = 'skipping';
      else {
        this.snapshot = 'showing';
        reset = true;
      }
    }
    const write = this.snapshot === 'showing' ? event.data : '';
    if (event.final) {
      if (this.snapshot === 'showing') this.lastSeq = Math.max(this.lastSeq, event.seq);
      this.snapshot = 'none';
    }
    return { reset, write, ack };
  }

  /** The `fromSeq` to re-attach with. */
  get resumeFrom(): number {
    return this.lastSeq + 1;
  }
}
