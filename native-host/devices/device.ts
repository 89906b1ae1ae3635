import type { DeviceDescription, DeviceTarget } from '../../protocol/index.js';

export interface DeviceExit {
  code?: number;
  /** Human words: "shell exited with code 0", "connection closed by db1". */
  reason: string;
}

/** A device that is still alive but not passing bytes (serial cable pulled, reconnecting). */
export type DeviceLinkState = 'running' | 'disconnected';

export interface TerminalSize {
  cols: number;
  rows: number;
}

/**
 * The one narrow interface every terminal source sits behind (PTY, SSH, serial, echo).
 * Device-specific rules stay inside each module.
 */
export interface Device {
  readonly description: DeviceDescription;
  /** What memories about this device attach to (absent for the echo device). */
  readonly target?: DeviceTarget;
  /** Raw bytes from the far end; the session decodes them. */
  onData(listener: (data: Buffer) => void): void;
  /** Fires once, when the device is gone for good. */
  onExit(listener: (exit: DeviceExit) => void): void;
  onLinkState(listener: (state: DeviceLinkState, message: string) => void): void;
  write(data: string): void;
  /** Absent on devices without a size (serial). */
  resize?(size: TerminalSize): void;
  sendBreak?(durationMs: number): Promise<void>;
  /**
   * The terminal's echo and canonical-mode flags, where the device can see them (local PTY).
   * Used to keep passwords typed at no-echo prompts out of recordings.
   */
  echoState?(): Promise<{ echo: boolean; canonical: boolean } | undefined>;
  /**
   * Set when the far end does not echo and the user asked for local echo (serial): what the
   * terminal shows for typed `data`. The session shows it only for input judged ordinary, never
   * for a line typed at a prompt that hides it.
   */
  readonly localEcho?: ((data: string) => string) | undefined;
  /** Flow control: stop reading from the far end until resume(). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Small helper so each device keeps its listeners the same way. */
export class DeviceEvents {
  private dataListeners: ((data: Buffer) => void)[] = [];
  private exitListeners: ((exit: DeviceExit) => void)[] = [];
  private linkListeners: ((state: DeviceLinkState, message: string) => void)[] = [];
  private exited = false;

  onData(listener: (data: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onExit(listener: (exit: DeviceExit) => void): void {
    this.exitListeners.push(listener);
  }

  onLinkState(listener: (state: DeviceLinkState, message: string) => void): void {
    this.linkListeners.push(listener);
  }

  emitData(data: Buffer): void {
    for (const listener of this.dataListeners) listener(data);
  }

  emitLinkState(state: DeviceLinkState, message: string): void {
    for (const listener of this.linkListeners) listener(state, message);
  }

  emitExit(exit: DeviceExit): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners) listener(exit);
  }

  get hasExited(): boolean {
    return this.exited;
  }
}
