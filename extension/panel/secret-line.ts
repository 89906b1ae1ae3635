/**
 * The "type a secret" lock of a terminal view. While it is on, what is typed up to and including
 * the next Enter goes out as `session.input` with `secret: true`: the agent withholds that line
 * from the recording, local echo and anything shown to others, whatever its own prompt detection
 * says. It turns itself off after Enter, so one click covers one line and never more.
 */
export interface InputPart {
  data: string;
  secret: boolean;
}

export class SecretLine {
  private on = false;

  constructor(private readonly changed: () => void = () => undefined) {}

  get active(): boolean {
    return this.on;
  }

  toggle(): void {
    this.set(!this.on);
  }

  set(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    this.changed();
  }

  /**
   * Splits typed (or pasted) `data` into what goes out as secret and what does not: while on,
   * everything up to and including the first Enter is secret, and the lock turns off there.
   */
  take(data: string): InputPart[] {
    if (!this.on) return [{ data, secret: false }];
    const enter = data.search(/[\r\n]/);
    if (enter < 0) return [{ data, secret: true }];
    // "\r\n" from a paste is one Enter.
    const end = data.startsWith('\r\n', enter) ? enter + 2 : enter + 1;
    this.set(false);
    const parts = [{ data: data.slice(0, end), secret: true }];
    if (end < data.length) parts.push({ data: data.slice(end), secret: false });
    return parts;
  }
}
