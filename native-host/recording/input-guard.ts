/**
 * Decides which input is a secret (typed at a no-echo prompt) so it is never recorded nor
 * broadcast as keystrokes. Input reaches the device at once, except on a PTY
 * right after output, where it waits for the flags to be read (see `input`).
 *
 * - A local PTY tells us its line discipline: echo off while canonical (line) mode is on is a
 *   password prompt (`read -s`, getpass, sudo). Raw mode (vim, ssh, tmux) turns echo off for
 *   every key, so there the flag says nothing and the heuristic below applies.
 * - SSH and serial consoles hide the flag. After output whose last line looks like a password
 *   prompt, input is held until either the device echoes it (then it is ordinary input) or
 *   Enter arrives with no echo (then it was a secret).
 */
import type { Participant } from '../../protocol/index.js';

export interface EchoState {
  echo: boolean;
  canonical: boolean;
}

/** Reads the terminal's flags now; undefined when it cannot. */
export type EchoProbe = () => Promise<EchoState | undefined>;

export type InputSink = (participant: Participant, data: string, secret: boolean) => void;

const PROMPT =
  /(pass(word|phrase|code)?|\bpin\b|one-time code|otp|verification code|secret)[^\n]{0,40}[:?>]\s*$/i;
const TAIL_CHARS = 200;
/** Held input beyond this is a secret whatever follows (nobody's password is this long…). */
const HOLD_CHARS = 1024;
/** The flag is read this long after output goes quiet. */
const QUIET_MS = 25;

export function looksLikePasswordPrompt(line: string): boolean {
  return PROMPT.test(line);
}

export class InputGuard {
  private tail = '';
  private held: { participant: Participant; data: string }[] = [];
  private heldChars = 0;
  private holding = false;
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;
  private state: EchoState | undefined;
  /** The cached state is current: no output since the probe that read it started. */
  private fresh = false;
  private outputSerial = 0;
  private quiet: NodeJS.Timeout | undefined;
  private lastOutputAt = 0;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly sink: InputSink,
    private readonly probe?: EchoProbe,
  ) {}

  /** Every output chunk; only its last line is looked at. */
  output(text: string): void {
    const newline = text.lastIndexOf('\n');
    this.tail = (newline >= 0 ? text.slice(newline + 1) : this.tail + text).slice(-TAIL_CHARS);
    if (this.holding) this.checkEcho(text);
    if (this.probe !== undefined) {
      this.fresh = false;
      this.outputSerial += 1;
      // One timer per quiet spell, not one per chunk: a flood sends thousands of chunks.
      this.lastOutputAt = performance.now();
      this.quiet ??= setTimeout(() => this.whenQuiet(), QUIET_MS).unref();
    }
  }

  /**
   * `write` sends the input to the device. On a PTY whose flags may have changed since the last
   * read (output arrived since), the flags are read first and the input waits for them (a few
   * ms): read after the write, they could already show the program's next state (e.g. echo
   * turned off for the password prompt that the input's Enter led to).
   */
  input(participant: Participant, data: string, write: () => void): void {
    if (this.waiting === 0 && (this.probe === undefined || this.fresh)) {
      write();
      this.classify(participant, data);
      return;
    }
    this.waiting += 1;
    this.chain = this.chain.then(async () => {
      if (!this.fresh) await this.refresh();
      this.waiting -= 1;
      write();
      this.classify(participant, data);
    });
  }

  dispose(): void {
    if (this.quiet !== undefined) clearTimeout(this.quiet);
  }

  /** Reads the flags once output has been quiet for QUIET_MS. */
  private whenQuiet(): void {
    const quietFor = performance.now() - this.lastOutputAt;
    if (quietFor < QUIET_MS) {
      this.quiet = setTimeout(() => this.whenQuiet(), QUIET_MS - quietFor).unref();
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

  private classify(participant: Participant, data: string): void {
    const flags = this.state;
    if (this.probe !== undefined && flags !== undefined && flags.canonical) {
      this.sink(participant, data, !flags.echo);
      return;
    }
    if (!this.holding && looksLikePasswordPrompt(this.tail)) this.holding = true;
    if (!this.holding) {
      this.sink(participant, data, false);
      return;
    }
    this.held.push({ participant, data });
    this.heldChars += data.length;
    if (/[\r\n]/.test(data) || this.heldChars > HOLD_CHARS) this.release(true);
  }

  /** Output while holding: if it shows what was typed, the device echoes: not a secret. */
  private checkEcho(text: string): void {
    const typed = this.held.at(-1)?.data ?? '';
    let last: string | undefined;
    for (const char of typed) if (char >= ' ' && char !== '\x7f') last = char;
    if (last !== undefined && text.includes(last)) this.release(false);
  }

  private release(secret: boolean): void {
    const held = this.held;
    this.held = [];
    this.heldChars = 0;
    this.holding = false;
    for (const { participant, data } of held) this.sink(participant, data, secret);
  }
}
