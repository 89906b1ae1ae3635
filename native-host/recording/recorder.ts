import path from 'node:path';
import type {
  CopilotEntry,
  DeviceDescription,
  Participant,
  RecordingIndex,
  RecordingMarker,
  RecordingState,
  Role,
} from '../../protocol/index.js';
import {
  DEVICE_MARK,
  markKind,
  FILE_SUFFIX,
  FORMAT_VERSION,
  encodeEvent,
  encodeHeader,
  type RecordingEvent,
} from './format.js';
import type { Keyframe } from './keyframer.js';
import { LineWriter } from './writer.js';

/**
 * Keyframes are made off the main thread from the file itself. The recorder tells the maker how
 * far the file is written, on a tick, and not during a flood (parsing would only steal CPU from
 * the flood); it catches up when the flood ends.
 */
export interface KeyframeMaker {
  advance(upTo: number): void;
  /** Makes what is left up to `upTo`, then stops. */
  finish(upTo: number): Promise<void>;
}

export type KeyframeMakerFactory = (
  file: string,
  fromOffset: number,
  cols: number,
  rows: number,
  onKeyframe: (keyframe: Keyframe) => void,
) => KeyframeMaker;

const TICK_MS = 250;
const FLOOD_BYTES = 1024 * 1024;
/** Waiting for the keyframe maker to catch up at the end is bounded by this. */
const FINISH_MS = 3000;

export interface RecorderOptions {
  dir: string;
  recordingId: string;
  sessionId: string;
  name: string;
  device: DeviceDescription;
  cols: number;
  rows: number;
  agentVersion: string;
  keyframes?: KeyframeMakerFactory;
  onClosed?: (index: RecordingIndex) => void;
  /** Writing failed for good (for the log); the recording closes itself. */
  onStopped?: (error: NodeJS.ErrnoException) => void;
}

/** One session's recording: an append-only file and what is known about it in memory. */
export class Recorder {
  readonly file: string;
  readonly startedAt = new Date();
  private readonly start = performance.now();
  private readonly writer: LineWriter;
  private readonly eventsOffset: number;
  private state: 'on' | 'paused' = 'on';
  private readonly participants = new Map<string, Participant>();
  private readonly markers: RecordingMarker[] = [];
  private readonly keyframes: RecordingIndex['keyframes'] = [];
  private readonly maker: KeyframeMaker | undefined;
  private tick: NodeJS.Timeout | undefined;
  private tickStartBytes = 0;
  private lastT = 0;
  private closed: Promise<RecordingIndex> | undefined;
  /** Why recording stopped by itself (the disk is full), for everyone's banner. */
  private stoppedBecause: string | undefined;
  private readonly stopListeners = new Set<(why: string) => void>();

  constructor(private readonly options: RecorderOptions) {
    this.file = path.join(options.dir, `${options.recordingId}${FILE_SUFFIX}`);
    this.writer = new LineWriter(this.file);
    this.writer.append(
      encodeHeader({
        tandem: 'recording',
        version: FORMAT_VERSION,
        recordingId: options.recordingId,
        sessionId: options.sessionId,
        name: options.name,
        device: { kind: options.device.kind, label: options.device.label },
        startedAt: this.startedAt.toISOString(),
        cols: options.cols,
        rows: options.rows,
        agent: options.agentVersion,
      }),
    );
    this.writer.flush();
    this.eventsOffset = this.writer.flushedBytes;
    // A disk already full: the session opens all the same, its recording stopped from the start.
    this.writer.onFailed((error) => this.stop(error));
    if (this.stoppedBecause !== undefined) return;
    this.maker = options.keyframes?.(
      this.file,
      this.eventsOffset,
      options.cols,
      options.rows,
      (keyframe) => this.addKeyframe(keyframe),
    );
    this.tick = setInterval(() => this.onTick(), TICK_MS);
    this.tick.unref();
  }

  get recordingId(): string {
    return this.options.recordingId;
  }

  get recording(): RecordingState {
    return this.stoppedBecause === undefined ? this.state : 'off';
  }

  /** Set once recording has stopped by itself: the sentence for everyone's banner. */
  get stopped(): string | undefined {
    return this.stoppedBecause;
  }

  /** Called once when recording stops by itself; at once if it already has. */
  onStopped(listener: (why: string) => void): void {
    if (this.stoppedBecause !== undefined) listener(this.stoppedBecause);
    else this.stopListeners.add(listener);
  }

  /** `json`, when given, is JSON.stringify(data), already made for the output frames. */
  output(data: string, json?: string): void {
    if (this.state !== 'on') return;
    if (json === undefined) return this.write([this.now(), 'o', data]);
    const t = this.now();
    this.lastT = t;
    // Byte for byte what encodeEvent([t, 'o', data]) writes, without escaping data twice.
    this.writer.append(`[${JSON.stringify(t)},"o",${json}]\n`);
  }

  /** Ordinary input, attributed. */
  input(participant: Participant, data: string): void {
    if (this.state !== 'on') return;
    this.write([this.now(), 'i', participant.id, data]);
  }

  /** One line typed at a prompt that hides it: only the fact, never the keys or their number. */
  withheld(participant: Participant): void {
    if (this.state !== 'on') return;
    this.write([this.now(), 's', participant.id]);
  }

  /** A Copilot answer joins the recording (not while paused: nothing of that time is kept). */
  copilot(entry: CopilotEntry): void {
    if (this.state !== 'on') return;
    this.write([this.now(), 'c', entry]);
  }

  resize(cols: number, rows: number): void {
    this.write([this.now(), 'r', cols, rows]);
  }

  join(participant: Participant, role: Role): void {
    this.participants.set(participant.id, participant);
    const t = this.now();
    this.write([t, 'j', participant.id, participant.name, role]);
    this.markers.push({ t, kind: 'join', label: participant.name });
  }

  leave(participant: Participant): void {
    const t = this.now();
    this.write([t, 'l', participant.id]);
    this.markers.push({ t, kind: 'leave', label: participant.name });
  }

  roleChanged(participant: Participant, role: Role): void {
    const t = this.now();
    this.write([t, 'role', participant.id, role]);
    this.markers.push({ t, kind: 'role', label: `${participant.name}: ${role}` });
  }

  /** Returns false when there was nothing to change. */
  pause(by: Participant): boolean {
    if (this.state !== 'on') return false;
    const t = this.now();
    this.write([t, 'pause', by.id]);
    this.markers.push({ t, kind: 'pause', label: `paused by ${by.name}` });
    this.state = 'paused';
    return true;
  }

  resume(by: Participant): boolean {
    if (this.state !== 'paused') return false;
    this.state = 'on';
    const t = this.now();
    this.write([t, 'resume', by.id]);
    this.markers.push({ t, kind: 'resume', label: `resumed by ${by.name}` });
    return true;
  }

  mark(label: string, by: Participant): void {
    this.markAs(label, by.id);
  }

  /** A mark no person made: the device went away or came back (a gap in the output). */
  deviceMark(label: string): void {
    this.markAs(label, DEVICE_MARK);
  }

  private markAs(label: string, participantId: string): void {
    const t = this.now();
    this.write([t, 'm', label, participantId]);
    this.markers.push({ t, kind: markKind(participantId), label });
  }

  index(live = true): RecordingIndex {
    const { options } = this;
    return {
      recordingId: options.recordingId,
      sessionId: options.sessionId,
      name: options.name,
      device: options.device,
      participants: [...this.participants.values()],
      startedAt: this.startedAt.toISOString(),
      durationMs: this.lastT,
      bytes: this.writer.flushedBytes,
      live,
      cols: options.cols,
      rows: options.rows,
      eventsOffset: this.eventsOffset,
      keyframes: [...this.keyframes],
      markers: [...this.markers],
    };
  }

  /** Writes the end event once the keyframe maker has caught up (or given up), then closes. */
  close(reason: string): Promise<RecordingIndex> {
    this.closed ??= (async () => {
      if (this.tick !== undefined) clearInterval(this.tick);
      this.writer.flush();
      if (this.maker !== undefined) {
        const upTo = this.writer.flushedBytes;
        await Promise.race([
          this.maker.finish(upTo).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, FINISH_MS).unref()),
        ]);
      }
      const t = this.now();
      this.write([t, 'end', reason]);
      this.markers.push({ t, kind: 'end', label: reason });
      this.writer.close();
      const index = this.index(false);
      this.options.onClosed?.(index);
      return index;
    })();
    return this.closed;
  }

  hasParticipant(participantId: string): boolean {
    return this.participants.has(participantId);
  }

  /**
   * The file cannot be written any more: recording ends here (the file keeps what was written)
   * and the session carries on unrecorded. Never throws into the keystroke or output that found
   * out.
   */
  private stop(error: NodeJS.ErrnoException): void {
    if (this.stoppedBecause !== undefined) return;
    const full = error.code === 'ENOSPC' || error.code === 'EDQUOT';
    this.stoppedBecause = full
      ? 'Recording stopped: the disk is full'
      : `Recording stopped: the recording could not be written (${error.code ?? error.message})`;
    this.options.onStopped?.(error);
    // Not now: this may run inside the constructor, before the store knows the recorder.
    queueMicrotask(() => void this.close(full ? 'disk full' : 'write failed'));
    for (const listener of this.stopListeners) listener(this.stoppedBecause);
    this.stopListeners.clear();
  }

  private addKeyframe(keyframe: Keyframe): void {
    if (!this.writer.isOpen) return;
    this.writer.flush();
    const offset = this.writer.flushedBytes;
    const { at, eventsOffset, cols, rows, data } = keyframe;
    this.write([this.now(), 'k', at, eventsOffset, cols, rows, data]);
    this.writer.flush();
    this.keyframes.push({ t: at, offset, eventsOffset });
  }

  private onTick(): void {
    const written = this.writer.flushedBytes;
    const flooding = written - this.tickStartBytes > FLOOD_BYTES;
    this.tickStartBytes = written;
    if (!flooding) this.maker?.advance(written);
  }

  private write(event: RecordingEvent): void {
    this.lastT = event[0];
    this.writer.append(encodeEvent(event));
  }

  private now(): number {
    return Math.round(performance.now() - this.start);
  }
}
