import type { CopilotEntry, Participant, RecordingState, Role } from '../../protocol/index.js';
import type { Device } from '../devices/index.js';
import type { SessionCopilot } from '../copilot/session-copilot.js';
import { InputGuard, type Recorder } from '../recording/index.js';
import type { ClientLink } from './link.js';

/**
 * What a session feeds its recording: output, attributed input (secrets withheld), resizes and
 * who is there. A participant joins with their first view and leaves with their last.
 *
 * Input passes the InputGuard whether or not the session is recorded: it is the one place input
 * is judged secret, and local echo (serial) shows only what it judged ordinary. Anything that
 * would show keystrokes to others (typing previews) must take them from here too.
 */
export class SessionRecording {
  private readonly views = new Map<string, number>();
  private readonly guard: InputGuard;

  /** `echo` shows local echo to every view (and the recording) as output. */
  constructor(
    private readonly recorder: Recorder | undefined,
    device: Device,
    echo: (text: string) => void,
    private readonly copilot?: SessionCopilot,
  ) {
    const { localEcho } = device;
    this.guard = new InputGuard(
      (participant, data) => {
        if (data === undefined) {
          copilot?.withheld(participant);
          return this.recorder?.withheld(participant);
        }
        copilot?.input(participant, data);
        this.recorder?.input(participant, data);
        if (localEcho !== undefined) echo(localEcho(data));
      },
      { probe: device.echoState?.bind(device), localEcho: localEcho !== undefined },
    );
  }

  get state(): RecordingState {
    return this.recorder?.recording ?? 'off';
  }

  get recordingId(): string | undefined {
    return this.recorder?.recordingId;
  }

  /** Why recording stopped by itself (the disk is full), once it has. */
  get stopped(): string | undefined {
    return this.recorder?.stopped;
  }

  /** Called once if recording stops by itself. */
  onStopped(listener: (why: string) => void): void {
    this.recorder?.onStopped(listener);
  }

  attached(link: ClientLink): void {
    const { id } = link.participant;
    const count = this.views.get(id) ?? 0;
    this.views.set(id, count + 1);
    if (count === 0 && this.recorder?.hasParticipant(id) !== true) {
      this.recorder?.join(link.participant, link.role);
    }
  }

  detached(link: ClientLink): void {
    const { id } = link.participant;
    const count = (this.views.get(id) ?? 0) - 1;
    if (count > 0) {
      this.views.set(id, count);
      return;
    }
    this.views.delete(id);
    this.recorder?.leave(link.participant);
  }

  roleChanged(participant: Participant, role: Role): void {
    this.recorder?.roleChanged(participant, role);
  }

  /** `local`: the session's own local echo, not something the device printed. */
  output(data: string, json?: string, local = false): void {
    this.recorder?.output(data, json);
    if (local) this.guard.localOutput(data);
    else this.guard.output(data);
    // After the guard: a line the guard held until its echo is reported while it reads this
    // output, and the Copilot must see that line typed before the echo that shows it (readline
    // echoes a line and its line break in one chunk; read the other way round, the line was a
    // prompt nobody had pressed Enter at, and the command went missing).
    this.copilot?.output(data);
  }

  /**
   * Judges the input and has `write` send it to the device (at once, or after the probe).
   * `locked`: typed with the lock on, withheld whatever the guard would say.
   */
  input(link: ClientLink, data: string, write: () => void, locked = false): void {
    if (this.recorder?.hasParticipant(link.participant.id) === false) {
      this.recorder.join(link.participant, link.role);
    }
    this.guard.input(link.participant, data, write, locked);
  }

  /** An answer in the Copilot thread, kept with the recording. */
  copilotAnswer(entry: CopilotEntry): void {
    this.recorder?.copilot(entry);
  }

  resize(cols: number, rows: number): void {
    this.recorder?.resize(cols, rows);
    this.copilot?.resize(cols);
  }

  pause(by: Participant): boolean {
    return this.recorder?.pause(by) ?? false;
  }

  resume(by: Participant): boolean {
    return this.recorder?.resume(by) ?? false;
  }

  mark(label: string, by: Participant): void {
    this.recorder?.mark(label, by);
  }

  deviceMark(label: string): void {
    this.recorder?.deviceMark(label);
  }

  close(reason: string): void {
    this.guard.dispose();
    void this.recorder?.close(reason);
  }
}
