/**
 * Decides which input is a secret (typed at a prompt that hides it) so that it is never
 * recorded, broadcast or echoed locally as keystrokes. Input always reaches the device at once
 * (on a PTY right after output it first waits a few ms for the flags, see `input`); what is held
 * is its *record*: nothing typed is reported before the output shows how the device took it.
 *
 * Input is judged line by line (a line ends with Enter, Ctrl+C or Ctrl+D), against the prompt the
 * line ends up answering — not the one on screen when it was typed: a field tech on a slow
 * console types `root⏎s3cr3t⏎` before `Password:` is even printed.
 *
 * - A local PTY in canonical (line) mode tells us its flags: echo off = secret (`read -s`,
 *   getpass, sudo). Raw mode (vim, ssh, tmux) says nothing, so the rules below apply.
 * - Otherwise a line is ordinary once the device *echoes* it: the output that follows starts
 *   with exactly what was typed (a log line that merely contains the characters does not count).
 * - A line is secret when a secret prompt (see secret-prompt.ts) was waiting when the device
 *   answered it (the line break that follows the prompt) and it was not echoed. Until then the
 *   prompt stays pending across log lines that interrupt it.
 * - A line answered, unechoed, at a prompt that asks for nothing secret (`Username:`) is
 *   ordinary; one neither echoed nor answered at a prompt is ordinary once output has gone quiet
 *   with the device settled: no secret prompt waiting and the cursor on a line that is not blank
 *   (a blank one means the device is still answering: `Password:` may yet come), or in a
 *   full-screen program (keys it does not echo).
 * - A line typed with the lock (`session.input` with `secret: true`) is secret whatever the rest
 *   says.
 *
 * A secret line is reported once, as one withheld marker when it ends: neither its keystrokes
 * nor their number (the secret's length) leave the guard.
 */
import type { Participant } from '../../protocol/index.js';
import {
  looksLikePrompt,
  looksLikeSecretPrompt,
  PROMPT_MAX_CHARS,
  visibleLine,
} from './secret-prompt.js';

export interface EchoState {
  echo: boolean;
  canonical: boolean;
}

/** Reads the terminal's flags now; undefined when it cannot. */
export type EchoProbe = () => Promise<EchoState | undefined>;

/**
 * Where judged input goes, in the order it was typed: `data` for ordinary input, undefined for
 * one withheld (secret) line.
 */
export type InputSink = (participant: Participant, data: string | undefined) => void;

export interface InputGuardOptions {
  /** The device's flags (local PTY). */
  probe?: EchoProbe;
  /**
   * The device never echoes; the session echoes locally what is judged ordinary (a serial port
   * with local echo). Then a line typed while the device has been quiet for a moment at no
   * prompt is ordinary at once (so local echo keeps up with typing); one typed before the device
   * answered the previous line waits for that answer.
   */
  localEcho?: boolean;
}

/** Characters of the cursor's line kept to look for a prompt. */
const TAIL_CHARS = 400;
/** Held input beyond this is withheld as secret whatever follows. */
const HOLD_CHARS = 4096;
const HOLD_LINES = 64;
/** The flag is read this long after output goes quiet. */
const FLAGS_QUIET_MS = 25;
/** Input the device neither echoes nor answers at a prompt is ordinary after this much quiet. */
export const RELEASE_QUIET_MS = 1000;
/** Local echo: the device is settled (not about to print a prompt) after this much quiet. */
export const CALM_MS = 400;

type Verdict = 'ordinary' | 'secret' | undefined;

/** One line of input, from its first key to Enter. */
class Line {
  /** Who typed first: a withheld line is reported as theirs. */
  by: Participant | undefined;
  /** Held entries, each with who typed it (several people may type into one line). */
  entries: { participant: Participant; data: string }[] = [];
  /**
   * The printable characters typed and not echoed yet, as the device would echo them. The
   * echoed ones are let go: a line never ended (keys with no Enter, a long paste) would
   * otherwise make every chunk of output compare against all it ever typed.
   */
  typed = '';
  /** How many typed characters the device has echoed. */
  echoed = 0;
  ended = false;
  /** Output arrived after this line became the oldest one waiting. */
  outputSinceHead = false;
  /** Typed with everything before it judged and answered (local echo: may go on quiet). */
  settledWhenTyped = false;

  constructor(
    public verdict: Verdict,
    readonly locked: boolean,
  ) {}

  get heldChars(): number {
    return this.entries.reduce((sum, entry) => sum + entry.data.length, 0);
  }

  add(participant: Participant, data: string): void {
    this.by ??= participant;
    // A secret line keeps nothing of what is typed into it.
    if (this.verdict === 'secret') return;
    this.entries.push({ participant, data });
    for (const char of data) {
      if (char === '\x7f' || char === '\b') {
        // Rubbing out what is not echoed yet; an echoed character is rubbed out on screen
        // ("\b \b"), which is not what anyone typed, so matching simply skips it.
        if (this.typed.length > 0) this.typed = this.typed.slice(0, -1);
      } else if (char >= ' ') {
        this.typed += char;
      }
    }
  }

  /** The device echoed the next `count` typed characters. */
  echo(count: number): void {
    this.echoed += count;
    this.typed = this.typed.slice(count);
  }

  /** Judged secret: forget what was typed. */
  withhold(): void {
    this.verdict = 'secret';
    this.entries = [];
    this.typed = '';
    this.echoed = 0;
  }
}

export class InputGuard {
  /** The cursor's line of output, raw. */
  private tail = '';
  /** Lines not yet reported in full, oldest first. */
  private lines: Line[] = [];
  /** A secret prompt was shown and the line answering it has not been judged yet. */
  private promptPending = false;
  /** An Enter was typed and the device has printed nothing since (local echo only). */
  private enterUnanswered = false;
  private lastOutputAt = 0;
  /** A full-screen program holds the alternate screen: its cursor line says nothing. */
  private altScreen = false;
  /** The line whose echo has begun and not finished: its echo comes before anything later. */
  private echoing: Line | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;

  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;
  private state: EchoState | undefined;
  /** The cached flags are current: no output since the probe that read them started. */
  private fresh = false;
  private outputSerial = 0;
  private quiet: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  private readonly probe: EchoProbe | undefined;
  private readonly localEcho: boolean;

  constructor(
    private readonly sink: InputSink,
    options: InputGuardOptions = {},
  ) {
    this.probe = options.probe;
    this.localEcho = options.localEcho === true;
  }

  /** Every output chunk from the device. */
  output(text: string): void {
    if (text.length === 0) return;
    this.lastOutputAt = performance.now();
    this.enterUnanswered = false;
    if (text.includes('\x1b[?')) this.trackAltScreen(text);
    const head = this.head();
    if (head !== undefined) head.outputSinceHead = true;
    // The echo of a line already being echoed comes first (its next key may equal the next
    // line's first).
    const echoing = this.echoing;
    let echoed = 0;
    if (echoing !== undefined && echoing.typed.length > 0) {
      echoed = this.matchEcho(echoing, text);
    }
    if (echoed === 0 && head !== undefined && head !== echoing) echoed = this.matchEcho(head, text);
    if (echoed === 0 && head !== undefined) echoed = this.matchEchoAfterPrompt(head, text);
    this.scan(text, echoed);
    this.flush();
    this.scheduleRelease();
    if (this.probe !== undefined) {
      this.fresh = false;
      this.outputSerial += 1;
      // One timer per quiet spell, not one per chunk: a flood sends thousands of chunks.
      this.quiet ??= setTimeout(() => this.whenQuiet(), FLAGS_QUIET_MS).unref();
    }
  }

  /**
   * Output the session made itself (local echo of ordinary input): it moves the cursor's line
   * but is no answer from the device.
   */
  localOutput(text: string): void {
    const newline = text.lastIndexOf('\n');
    this.tail = (newline >= 0 ? text.slice(newline + 1) : this.tail + text).slice(-TAIL_CHARS);
  }

  /**
   * `write` sends the input to the device. On a PTY whose flags may have changed since the last
   * read (output arrived since), the flags are read first and the input waits for them (a few
   * ms): read after the write, they could already show the program's next state (e.g. echo
   * turned off for the password prompt that the input's Enter led to). `locked`: typed with the
   * lock on, a secret whatever the detection says.
   */
  input(participant: Participant, data: string, write: () => void, locked = false): void {
    if (this.waiting === 0 && (this.probe === undefined || this.fresh)) {
      write();
      this.classify(participant, data, locked);
      return;
    }
    this.waiting += 1;
    this.chain = this.chain.then(async () => {
      if (!this.fresh) await this.refresh();
      this.waiting -= 1;
      write();
      this.classify(participant, data, locked);
    });
  }

  /** The session ends: what is still held is withheld (it was never shown to be harmless). */
  dispose(): void {
    if (this.quiet !== undefined) clearTimeout(this.quiet);
    if (this.releaseTimer !== undefined) clearTimeout(this.releaseTimer);
    for (const line of this.lines) {
      if (line.verdict === undefined) line.withhold();
      line.ended = true;
    }
    this.flush();
  }

  private classify(participant: Participant, data: string, locked: boolean): void {
    const flags = this.probe === undefined ? undefined : this.state;
    const byFlags: Verdict =
      flags?.canonical === true ? (flags.echo && !locked ? 'ordinary' : 'secret') : undefined;
    for (const part of splitLines(data)) {
      let line = this.openLine();
      if (locked || byFlags !== undefined) {
        const verdict = locked ? 'secret' : byFlags;
        // A line keeps one verdict: a different one starts a new line (unless it is already
        // secret, which nothing makes less secret).
        if (line === undefined || (line.verdict !== verdict && line.verdict !== 'secret')) {
          if (line !== undefined) line.ended = true;
          line = this.newLine(verdict, locked);
        }
      } else if (line === undefined) {
        const settled = !this.enterUnanswered && this.head() === undefined;
        line = this.newLine(this.calm() ? 'ordinary' : undefined, false);
        line.settledWhenTyped = settled;
      }
      line.add(participant, part);
      // eslint-disable-next-line no-control-regex -- Ctrl+C and Ctrl+D end a line too
      if (/[\r\n\x03\x04]$/.test(part)) {
        line.ended = true;
        this.enterUnanswered = true;
      }
    }
    this.flush();
    this.limitHeld();
    this.scheduleRelease();
  }

  private trackAltScreen(text: string): void {
    // eslint-disable-next-line no-control-regex -- the escape sequences that switch screens
    for (const match of text.matchAll(/\x1b\[\?(?:1049|1047|47)([hl])/g)) {
      this.altScreen = match[1] === 'h';
    }
  }

  /**
   * The device has settled where input is read: the cursor's line holds something and asks for
   * no secret (`router> `, `$ `). A blank line means it is still busy answering (a slow PAM
   * after `root⏎`, a `Password:` still to come); a full-screen program is always settled.
   */
  private settled(): boolean {
    if (this.promptPending || looksLikeSecretPrompt(this.tail)) return false;
    return this.altScreen || visibleLine(this.tail).trim() !== '';
  }

  /** The line still being typed, if any. */
  private openLine(): Line | undefined {
    const last = this.lines.at(-1);
    return last !== undefined && !last.ended ? last : undefined;
  }

  private newLine(verdict: Verdict, locked: boolean): Line {
    const line = new Line(verdict, locked);
    this.lines.push(line);
    return line;
  }

  /** The oldest line not judged yet. */
  private head(): Line | undefined {
    return this.lines.find((line) => line.verdict === undefined);
  }

  /**
   * Local echo only: a line may be judged ordinary as it is typed when the device has settled
   * at no prompt and has answered everything typed before.
   */
  private calm(): boolean {
    return (
      this.localEcho &&
      !this.enterUnanswered &&
      this.head() === undefined &&
      performance.now() - this.lastOutputAt >= CALM_MS &&
      this.settled()
    );
  }

  /**
   * How many characters at the start of `text` are the device echoing `line`: the output must
   * begin with what was typed and not echoed yet. Output that diverges before either runs out
   * is no echo (a log line starting with the same letter); while a secret prompt waits, the
   * echo must also stand alone (end the chunk, or be followed by the line's own newline).
   */
  private matchEcho(line: Line, text: string): number {
    if (line.verdict === 'secret') return 0;
    const pending = line.typed;
    let k = 0;
    while (k < pending.length && k < text.length && pending[k] === text[k]) k += 1;
    if (k === 0) return 0;
    if (k < pending.length && k < text.length) return 0;
    if (k === pending.length && k < text.length && this.promptPending) {
      if (!line.ended || !/^[\r\n]/.test(text.slice(k))) return 0;
    }
    line.echo(k);
    this.echoing = line;
    if (line.verdict === undefined) {
      line.verdict = 'ordinary';
      this.promptPending = false;
    }
    return k;
  }

  /**
   * A prompt drawn (or redrawn, after a resize) and the line's first keys echoed after it, in
   * one chunk: `\r\x1b[K\r$ l` at the chunk's end, or `$ pwd⏎/root⏎` at its start when the
   * keys were typed ahead of a slow prompt. That line must be exactly a prompt and then the
   * start of what was typed; never while a secret prompt waits (its answer must echo on its
   * own, see matchEcho). Returns where the echo ends in `text`: a prompt after it is new.
   */
  private matchEchoAfterPrompt(line: Line, text: string): number {
    if (line.verdict === 'secret' || line.echoed > 0 || this.promptPending) return 0;
    const firstBreak = text.indexOf('\n');
    const candidates: [string, number][] = [[text.slice(text.lastIndexOf('\n') + 1), text.length]];
    if (firstBreak >= 0) candidates.push([text.slice(0, firstBreak), firstBreak]);
    for (const [raw, end] of candidates) {
      const shown = visibleLine(raw);
      // The prompt is shown[0, p), at most PROMPT_MAX_CHARS; the echo is the rest: longest first.
      for (let p = Math.max(0, shown.length - line.typed.length); p < shown.length; p++) {
        if (p > PROMPT_MAX_CHARS) break;
        if (shown[p] !== line.typed[0] || !line.typed.startsWith(shown.slice(p))) continue;
        const prompt = shown.slice(0, p);
        if (!looksLikePrompt(prompt) || looksLikeSecretPrompt(prompt)) continue;
        line.echo(shown.length - p);
        this.echoing = line;
        line.verdict ??= 'ordinary';
        return end;
      }
    }
    return 0;
  }

  /**
   * Follows the cursor's line through `text`. At each line break: a secret prompt before it,
   * while input waits, is pending; a pending prompt is answered by the oldest waiting line that
   * has ended (its Enter reached the device): that line is secret.
   */
  private scan(text: string, echoed: number): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline < 0) break;
      const head = this.head();
      if (head === undefined) {
        // Nothing waits for an answer: only the last line matters (a flood passes here).
        start = text.lastIndexOf('\n') + 1;
        this.tail = '';
        break;
      }
      const line = this.tail + text.slice(start, newline);
      this.tail = '';
      start = newline + 1;
      if (looksLikeSecretPrompt(line)) this.promptPending = true;
      if (!head.ended) continue;
      if (this.promptPending) {
        head.withhold();
        this.promptPending = false;
      } else if (looksLikePrompt(line)) {
        // Answered, unechoed, at a prompt that asks for nothing secret (`Username: `).
        head.verdict = 'ordinary';
      } else {
        // A log line, or an answer at no prompt: says nothing yet (see releaseIfQuiet).
        continue;
      }
      const next = this.head();
      if (next !== undefined) next.outputSinceHead = newline + 1 < text.length;
    }
    this.tail = (this.tail + text.slice(start)).slice(-TAIL_CHARS);
    if (looksLikeSecretPrompt(this.tail)) {
      this.promptPending = true;
      // A prompt that is not the line's own echo starts a new line: what was typed before it
      // (and judged) does not carry its verdict over to what answers the prompt.
      const open = this.openLine();
      if (open?.verdict === 'ordinary' && echoed < text.length) open.ended = true;
    }
  }

  private flush(): void {
    for (;;) {
      const line = this.lines[0];
      if (line === undefined || line.verdict === undefined) return;
      if (line.verdict === 'ordinary') {
        for (const { participant, data } of line.entries) this.sink(participant, data);
        line.entries = [];
      } else {
        line.withhold();
        // One marker per line, once it ends: no count of keys, so no length.
        if (line.ended && line.by !== undefined) this.sink(line.by, undefined);
      }
      if (!line.ended) return;
      this.lines.shift();
    }
  }

  /** Holding is bounded: past the limits the oldest waiting lines are withheld as secret. */
  private limitHeld(): void {
    let held = this.lines.reduce((sum, line) => sum + line.heldChars, 0);
    while (held > HOLD_CHARS || this.lines.length > HOLD_LINES) {
      const head = this.head();
      if (head === undefined) break;
      held -= head.heldChars;
      head.withhold();
      head.ended = true;
      this.flush();
    }
  }

  /** Quiet with no prompt waiting: the oldest waiting line, if the device answered it, is ordinary. */
  private scheduleRelease(): void {
    if (this.head() === undefined || this.releaseTimer !== undefined) return;
    this.releaseTimer = setTimeout(() => this.releaseIfQuiet(), this.quietNeeded()).unref();
  }

  /** Local echo must keep up with typing: the device counts as settled sooner. */
  private quietNeeded(): number {
    return this.localEcho ? CALM_MS : RELEASE_QUIET_MS;
  }

  private releaseIfQuiet(): void {
    this.releaseTimer = undefined;
    const head = this.head();
    if (head === undefined) return;
    const quietFor = performance.now() - this.lastOutputAt;
    const needed = this.quietNeeded();
    if (quietFor < needed) {
      this.releaseTimer = setTimeout(() => this.releaseIfQuiet(), needed - quietFor).unref();
      return;
    }
    if (!this.settled()) return;
    // Before the device has printed anything after it, a line may still be type-ahead for a
    // prompt to come; with local echo, a line typed once everything before was answered may go.
    if (!head.outputSinceHead && !(this.localEcho && head.settledWhenTyped)) return;
    head.verdict = 'ordinary';
    this.flush();
    this.scheduleRelease();
  }

  /** Reads the flags once output has been quiet for FLAGS_QUIET_MS. */
  private whenQuiet(): void {
    const quietFor = performance.now() - this.lastOutputAt;
    if (quietFor < FLAGS_QUIET_MS) {
      this.quiet = setTimeout(() => this.whenQuiet(), FLAGS_QUIET_MS - quietFor).unref();
      return;
    }
    this.quiet = undefined;
    void this.refresh();
  }

  private refresh(): Promise<void> {
    const probe = this.probe;
    if (probe === undefined) return Promise.resolve();
    this.probing ??= (async () => {
      const serial = this.outputSerial;
      try {
        this.state = await probe();
      } catch {
        this.state = undefined;
      }
      this.fresh = serial === this.outputSerial;
      this.probing = undefined;
    })();
    return this.probing;
  }
}

/** Splits input after each line end (Enter, Ctrl+C, Ctrl+D), keeping the ends. */
function splitLines(data: string): string[] {
  // eslint-disable-next-line no-control-regex -- keystrokes are control characters
  const parts = data.match(/[^\r\n\x03\x04]*(?:\r\n|[\r\n\x03\x04])|[^\r\n\x03\x04]+$/g);
  return parts ?? [data];
}
