import { fillParameters, type ParsedProcedure } from './procedure.js';

/** What a run does to its session: type into the terminal, and mark the recording. */
export interface RunSession {
  /** Keys into the terminal, as if typed (the session's lock and input rules apply). */
  type(text: string): void;
  /** A marker in the session's recording (a failure is the caller's to show, never fatal). */
  mark(label: string): Promise<void>;
}

export type StepOutcome = 'run' | 'skipped';

/** Recording markers are at most this long (the protocol's limit). */
const MARK_CHARS = 200;

function clip(text: string): string {
  return text.length > MARK_CHARS ? `${text.slice(0, MARK_CHARS - 1)}…` : text;
}

/**
 * One run of a procedure in a session, step by step: nothing is typed until the operator
 * confirms the step (`run`), a step may be skipped, and every start, step and end is a marker in
 * the session's recording, so the replay shows the run.
 */
export class ProcedureRun {
  index = 0;
  readonly outcomes: StepOutcome[] = [];
  /** Each step's command and expected output with the parameters filled in. */
  readonly commands: string[];
  readonly expected: string[];
  private stopped = false;

  constructor(
    readonly procedure: ParsedProcedure,
    readonly version: number,
    readonly values: Readonly<Record<string, string>>,
    private readonly session: RunSession,
  ) {
    // Every parameter must have its value before anything starts (throws naming the first).
    this.commands = procedure.steps.map((s) => fillParameters(s.command, values));
    this.expected = procedure.steps.map((s) => fillParameters(s.expected, values));
  }

  get done(): boolean {
    return this.stopped || this.index >= this.procedure.steps.length;
  }

  private get label(): string {
    return `Procedure “${this.procedure.name}” v${this.version}`;
  }

  start(): Promise<void> {
    const values = Object.entries(this.values).map(([k, v]) => `${k}=${v}`);
    return this.session.mark(
      clip(`${this.label} started${values.length > 0 ? ` (${values.join(', ')})` : ''}`),
    );
  }

  /** Types the current step's command, line by line, and moves on. */
  async run(): Promise<void> {
    if (this.done) return;
    const i = this.index;
    const command = this.commands[i] ?? '';
    await this.session.mark(
      clip(
        `${this.label}, step ${i + 1}/${this.commands.length} run: ${command.split('\n')[0] ?? ''}`,
      ),
    );
    this.session.type(`${command.split('\n').join('\r')}\r`);
    this.next('run');
  }

  async skip(): Promise<void> {
    if (this.done) return;
    const i = this.index;
    await this.session.mark(
      clip(
        `${this.label}, step ${i + 1}/${this.commands.length} skipped: ${this.procedure.steps[i]?.title ?? ''}`,
      ),
    );
    this.next('skipped');
  }

  async stop(): Promise<void> {
    if (this.done) return;
    this.stopped = true;
    await this.session.mark(clip(`${this.label} stopped before step ${this.index + 1}`));
  }

  private next(outcome: StepOutcome): void {
    this.outcomes.push(outcome);
    this.index += 1;
    if (this.index >= this.commands.length) {
      const ran = this.outcomes.filter((o) => o === 'run').length;
      void this.session
        .mark(clip(`${this.label} finished: ${ran} run, ${this.outcomes.length - ran} skipped`))
        .catch(() => undefined);
    }
  }
}
