/**
 * Who typed when, and which commands they ran, from a recording's input events: the typist
 * lane and the command markers of the replay timeline. Fed once, front to back.
 */

/** One stretch of typing by one participant. */
export interface TypingSpan {
  participantId: string;
  start: number;
  end: number;
}

export interface CommandMarker {
  t: number;
  participantId: string;
  label: string;
}

/** Keystrokes closer than this belong to one span. */
export const SPAN_GAP_MS = 1500;
const MAX_COMMANDS = 5000;
const MAX_LINE = 200;

export class ActivityBuilder {
  readonly spans: TypingSpan[] = [];
  readonly commands: CommandMarker[] = [];
  private readonly lines = new Map<string, string>();
  private readonly open = new Map<string, TypingSpan>();

  /** Input typed by `participantId` at `t`; `data` is undefined for withheld (no-echo) input. */
  input(t: number, participantId: string, data: string | undefined): void {
    this.extendSpan(t, participantId);
    if (data === undefined) {
      // A password typed at a no-echo prompt ends with Enter; nothing of it is a command.
      this.lines.delete(participantId);
      return;
    }
    let line = this.lines.get(participantId) ?? '';
    // Escape sequences (arrows, function keys) do not add text.
    // eslint-disable-next-line no-control-regex -- keystrokes are control characters
    const text = data.replace(/\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)/g, '');
    for (const ch of text) {
      if (ch === '\r' || ch === '\n') {
        const label = line.trim();
        if (label !== '' && this.commands.length < MAX_COMMANDS) {
          this.commands.push({ t, participantId, label });
        }
        line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        line = line.slice(0, -1);
      } else if (ch === '\x03' || ch === '\x15') {
        line = ''; // Ctrl+C, Ctrl+U
      } else if (ch >= ' ' && line.length < MAX_LINE) {
        line += ch;
      }
    }
    this.lines.set(participantId, line);
  }

  private extendSpan(t: number, participantId: string): void {
    const span = this.open.get(participantId);
    if (span !== undefined && t - span.end <= SPAN_GAP_MS) {
      span.end = t;
      return;
    }
    const fresh = { participantId, start: t, end: t };
    this.spans.push(fresh);
    this.open.set(participantId, fresh);
  }
}
