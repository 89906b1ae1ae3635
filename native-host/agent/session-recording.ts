import type { Participant, RecordingState, Role } from '../../protocol/index.js';
import type { Device } from '../devices/index.js';
import { InputGuard, type Recorder } from '../recording/index.js';
import type { ClientLink } from './link.js';

/**
 * What a session feeds its recording: output, attributed input (secrets withheld), resizes and
 * who is there. A participant joins with their first view and leaves with their last.
 */
export class SessionRecording {
  private readonly views = new Map<string, number>();
  private readonly guard: InputGuard | undefined;

  constructor(
    private readonly recorder: Recorder | undefined,
    device: Device,
  ) {
    if (recorder !== undefined) {
      const probe = device.echoState?.bind(device);
      // The one place input is judged secret; a keystroke broadcast (typing previews) must
      // take its input from here too.
      this.guard = new InputGuard(
        (participant, data, secret) => recorder.input(participant, data, secret),
        probe,
      );
    }
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

  output(data: string, json?: string): void {
    if (this.recorder === undefined) return;
    this.recorder.output(data, json);
    this.guard?.output(data);
  }

  /** Judges the input and has `write` send it to the device (at once, or after the probe). */
  input(link: ClientLink, data: string, write: () => void): void {
    if (this.recorder === undefined || this.guard === undefined) return write();
    if (!this.recorder.hasParticipant(link.participant.id)) {
      this.recorder.join(link.participant, link.role);
    }
    this.guard.input(link.participant, data, write);
  }

  resize(cols: number, rows: number): void {
    this.recorder?.resize(cols, rows);
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
    this.guard?.dispose();
    void this.recorder?.close(reason);
  }
}
