import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import {
  TandemError,
  event,
  type AgentMessage,
  type CallMedia,
  type CallerInfo,
  type CopilotAction,
  type CopilotEntry,
  type DeviceDescription,
  type EventMap,
  type Participant,
  type ParticipantInfo,
  type RecordingState,
  type DeviceTarget,
  type ResultMap,
  type Role,
  type SessionInfo,
  type SessionState,
} from '../../protocol/index.js';
import { endpointOf, modelConfig, streamChat, type ModelConfig } from '../copilot/model.js';
import { SessionCopilot, type AskContext } from '../copilot/session-copilot.js';
import type { Device, DeviceExit } from '../devices/index.js';
import type { Logger } from '../log.js';
import { SessionCall } from './call.js';
import type { ClientLink } from './link.js';
import { OutputBuffer, type OutputChunk } from './output-buffer.js';
import { Presence, type PresenceChange } from './presence.js';
import type { Recorder } from '../recording/index.js';
import { SessionRecording } from './session-recording.js';
import type { Snapshotter } from './snapshotter.js';

/**
 * Flow control for the user's own views: output a view has not yet acknowledged (it acks what
 * its terminal has parsed) is bounded by this window, in characters (each at most 3 bytes of
 * UTF-8). Past it the device is paused; it resumes once half the window is acknowledged.
 * Sized by measurement (docs/performance.md, the window sweep): whatever is in flight is drawn
 * before the prompt that follows a Ctrl-C, so the window trades flood speed for Ctrl-C time —
 * 512 K drew a flood ~25 % faster than 256 K and doubled Ctrl-C → prompt (~300 ms against
 * ~150 ms at p50). TANDEM_FLOW_WINDOW_CHARS overrides it for the sweep.
 */
export const FLOW_WINDOW_CHARS = flowWindow(process.env.TANDEM_FLOW_WINDOW_CHARS);
const FLOW_RESUME_CHARS = FLOW_WINDOW_CHARS / 2;

function flowWindow(value: string | undefined): number {
  const chars = Number(value);
  return Number.isInteger(chars) && chars >= 16 * 1024 ? chars : 256 * 1024;
}

/** Output events carry at most this many characters, well under the 1 MiB frame limit. */
export const MAX_CHUNK_CHARS = 64 * 1024;
/** A device read at least this long probably filled the PTY's buffer: more output follows. */
const FULL_READ_CHARS = 2048;
/** How long a flood's output may wait to be batched; a keystroke's echo never waits. */
const COALESCE_MS = 4;
export const DEFAULT_BUFFER_CHARS = 2 * 1024 * 1024;
/**
 * A remote view with this much queued in its data channel is cut off and, once drained,
 * resynced from a snapshot. Above what one resync sends (snapshot + the 2 MiB buffer), and
 * below the 8 MiB past which PeerJS would start queueing in memory without a bound.
 */
const REMOTE_MAX_BACKLOG_BYTES = 6 * 1024 * 1024;
const REMOTE_RESUME_BACKLOG_BYTES = 256 * 1024;

export interface SessionOptions {
  id: string;
  name: string;
  device: Device;
  cols: number;
  rows: number;
  snapshotter: Snapshotter;
  logger: Logger;
  bufferChars?: number;
  /** The session's recording; absent when it is not recorded. */
  recorder?: Recorder;
  onEnded: (session: Session) => void;
  /** The owner's display name (sharing.json), used in what everyone sees of the session. */
  ownerName?: string;
}

/** One client's view of one session, with its flow-control account. */
class Attachment {
  /** Characters sent (or queued for sending) and not yet acknowledged. */
  unacked = 0;
  /** While a snapshot is being made, live output waits here, in order. */
  held: OutputChunk[] | undefined;
  /** A remote view that fell too far behind: gets no output until it is resynced. */
  lagging = false;

  constructor(readonly link: ClientLink) {}
}

/** A terminal that lives in the agent, independent of any client. */
export class Session {
  readonly id: string;
  readonly name: string;
  readonly description: DeviceDescription;
  readonly createdAt = new Date();
  cols: number;
  rows: number;
  state: SessionState = 'running';
  /** When the device last dropped, while it is away. */
  private disconnectedAt: number | undefined;
  private seq = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer: OutputBuffer;
  private readonly attachments = new Map<string, Attachment>();
  private paused = false;
  private closing: Promise<void> | undefined;
  private closeReason: string | undefined;
  private readonly recording: SessionRecording;
  private readonly copilot: SessionCopilot;
  /** Participants who agreed to what a question sends to the language model. */
  private readonly consented = new Set<string>();
  readonly presence: Presence;
  /** Who holds the keyboard: the terminal size follows this participant's view. */
  private keyboard: string | undefined;
  /** Who is on the session's call (the media goes browser to browser, never through here). */
  private readonly call = new SessionCall(() => this.broadcast(this.callEvent()));

  constructor(private readonly options: SessionOptions) {
    this.id = options.id;
    this.name = options.name;
    this.description = options.device.description;
    this.cols = options.cols;
    this.rows = options.rows;
    this.buffer = new OutputBuffer(options.bufferChars ?? DEFAULT_BUFFER_CHARS, (chunk) =>
      options.snapshotter.feed(chunk),
    );
    const { device } = options;
    this.copilot = new SessionCopilot(options.cols, options.ownerName);
    this.recording = new SessionRecording(
      options.recorder,
      device,
      (text) => this.echoLocally(text),
      this.copilot,
    );
    // Everyone sees the banner; the terminal carries on unrecorded.
    this.recording.onStopped(() => this.broadcast(this.recordingEvent()));
    this.presence = new Presence((change) => this.onPresence(change));
    device.onData((data) => this.onData(this.decoder.write(data)));
    device.onLinkState((state, message) => this.setState(state, message));
    device.onExit((exit) => this.onExit(exit));
  }

  info(): SessionInfo {
    return {
      sessionId: this.id,
      name: this.name,
      device: this.description,
      state: this.state,
      cols: this.cols,
      rows: this.rows,
      createdAt: this.createdAt.toISOString(),
      seq: this.seq,
      clients: this.attachments.size,
      recording: this.recording.state,
      ...(this.recording.recordingId === undefined
        ? {}
        : { recordingId: this.recording.recordingId }),
    };
  }

  /**
   * Sends the client what it missed since `fromSeq` (exactly, if still buffered; else a
   * snapshot of screen + scrollback), then live output. Nothing is lost or sent twice.
   * The caller sends the reply, then calls `start()`: output never overtakes the reply.
   */
  attach(
    link: ClientLink,
    fromSeq: number | undefined,
  ): { result: ResultMap['session.attach']; start: () => Promise<void> | undefined } {
    const again = this.attachments.delete(link.id);
    if (!again) {
      // Others hear of the newcomer now; the newcomer gets the list after its reply.
      this.recording.attached(link);
      this.presence.add(link);
    }
    const attachment = new Attachment(link);
    this.attachments.set(link.id, attachment);
    const nextSeq = this.seq + 1;
    const wanted = Math.min(fromSeq ?? 1, nextSeq);
    const missed = this.buffer.from(wanted, nextSeq);
    const mode = missed === undefined ? 'snapshot' : 'replay';
    const afterSeq = (missed === undefined ? this.buffer.firstSeq(nextSeq) : wanted) - 1;
    attachment.held = [];
    for (const chunk of missed ?? this.buffer.from(afterSeq + 1, nextSeq) ?? []) {
      this.deliver(attachment, chunk);
    }
    const result = { session: this.info(), mode, afterSeq, role: link.role } as const;
    /** Resolves once the snapshot is sent, when there is one. */
    const start = (): Promise<void> | undefined => {
      // The banner: every view learns the recording state as it joins.
      if (this.recording.state !== 'off' || this.recording.stopped !== undefined) {
        link.send(this.recordingEvent());
      }
      link.send(this.participantsEvent());
      link.send(event('session.size', { sessionId: this.id, cols: this.cols, rows: this.rows }));
      if (this.call.size > 0) link.send(this.callEvent());
      if (mode === 'replay') {
        this.release(attachment, 0);
        return undefined;
      }
      return this.sendSnapshot(attachment);
    };
    return { result, start };
  }

  /** An attach from `fromSeq` would need a snapshot built (what it missed is no longer buffered). */
  needsSnapshot(fromSeq: number | undefined): boolean {
    const nextSeq = this.seq + 1;
    return Math.min(fromSeq ?? 1, nextSeq) < this.buffer.firstSeq(nextSeq);
  }

  /**
   * Screen + scrollback, then what is held for the view (chunks the snapshot covers are
   * skipped). Used on attach, and to resync a remote view that fell behind.
   */
  private sendSnapshot(attachment: Attachment): Promise<void> {
    const { link } = attachment;
    return this.options.snapshotter.snapshot().then((snapshot) => {
      if (this.attachments.get(link.id) !== attachment) return;
      const parts = splitChars(snapshot.data, MAX_CHUNK_CHARS);
      parts.forEach((data, index) => {
        attachment.unacked += data.length;
        link.send(
          event('session.snapshot', {
            sessionId: this.id,
            seq: snapshot.seq,
            cols: snapshot.cols,
            rows: snapshot.rows,
            data,
            final: index === parts.length - 1,
          }),
        );
      });
      this.release(attachment, snapshot.seq);
    });
  }

  /** A lagging remote view has drained: start it again from a snapshot. */
  private resync(attachment: Attachment): void {
    attachment.lagging = false;
    attachment.unacked = 0;
    const nextSeq = this.seq + 1;
    attachment.held = [];
    for (const chunk of this.buffer.from(this.buffer.firstSeq(nextSeq), nextSeq) ?? []) {
      this.deliver(attachment, chunk);
    }
    void this.sendSnapshot(attachment);
  }

  /** Sends what waited for the reply (or the snapshot), then lets live output flow. */
  private release(attachment: Attachment, coveredSeq: number): void {
    const held = attachment.held ?? [];
    attachment.held = undefined;
    for (const chunk of held) {
      attachment.unacked -= chunk.data.length;
      if (chunk.seq > coveredSeq) this.deliver(attachment, chunk);
    }
    this.applyFlowControl();
  }

  detach(link: ClientLink): void {
    if (!this.attachments.delete(link.id)) return;
    this.recording.detached(link);
    this.call.detached(link);
    this.presence.remove(link);
    this.applyFlowControl();
  }

  hasAttachment(link: ClientLink): boolean {
    return this.attachments.has(link.id);
  }

  ack(link: ClientLink, chars: number): void {
    const attachment = this.attachments.get(link.id);
    if (attachment === undefined) return;
    attachment.unacked = Math.max(0, attachment.unacked - chars);
    this.applyFlowControl();
  }

  /**
   * `locked`: the participant typed with the lock on ("type a secret"): the line is withheld
   * from the recording and local echo whatever the prompt detection says.
   */
  input(data: string, from?: ClientLink, locked = false): void {
    this.assertLive();
    if (from !== undefined) this.takeKeyboard(from);
    const write = (): void => this.options.device.write(data);
    if (from === undefined) write();
    else this.recording.input(from, data, write, locked);
  }

  /** Pauses or resumes the recording; every view is told. False if nothing changed. */
  setRecording(state: 'on' | 'paused', by: Participant): RecordingState {
    const { stopped } = this.recording;
    if (stopped !== undefined) {
      throw new TandemError(
        'bad_request',
        `${stopped} — free some space; new sessions record again`,
      );
    }
    if (this.recording.state === 'off') {
      throw new TandemError(
        'bad_request',
        `Session "${this.name}" is not recorded — recording was off when it opened`,
      );
    }
    const changed = state === 'paused' ? this.recording.pause(by) : this.recording.resume(by);
    if (changed) this.broadcast(this.recordingEvent(by));
    return this.recording.state;
  }

  mark(label: string, by: Participant): void {
    this.recording.mark(label, by);
  }

  private recordingEvent(by?: Participant): Parameters<ClientLink['send']>[0] {
    const { recordingId, stopped } = this.recording;
    return event('session.recording', {
      sessionId: this.id,
      state: this.recording.state,
      ...(recordingId === undefined ? {} : { recordingId }),
      ...(by === undefined ? {} : { by }),
      ...(stopped === undefined ? {} : { stopped }),
    });
  }

  /**
   * A view reports its size. The device takes the size of whoever holds the keyboard (the
   * owner, or the co-worker who typed last); other views only show it, fitted.
   */
  resize(cols: number, rows: number, from?: ClientLink): void {
    this.assertLive();
    if (from !== undefined) {
      this.presence.setSize(from, cols, rows);
      if (!this.holdsKeyboard(from)) return;
    }
    this.applySize(cols, rows);
  }

  private holdsKeyboard(link: ClientLink): boolean {
    if (this.keyboard === undefined) return link.local;
    return this.keyboard === link.participant.id;
  }

  private takeKeyboard(link: ClientLink): void {
    this.presence.typed(link);
    if (this.keyboard === link.participant.id) return;
    this.keyboard = link.participant.id;
    const size = this.presence.sizeOf(link.participant.id);
    if (size !== undefined) this.applySize(size.cols, size.rows);
  }

  private applySize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.options.device.resize?.({ cols, rows });
    this.options.snapshotter.resize(cols, rows);
    this.recording.resize(cols, rows);
    this.broadcast(event('session.size', { sessionId: this.id, cols, rows }));
  }

  /** Changes a participant's role live; everyone is told and the recording notes it. */
  setRole(participantId: string, role: Role): void {
    const changed = this.presence.setRole(participantId, role);
    if (changed === undefined) {
      throw new TandemError('not_found', 'That person is no longer in the session');
    }
    if (role === 'viewer' && this.keyboard === participantId) this.keyboard = undefined;
    this.recording.roleChanged(changed, role);
    this.notice('role', changed, `${changed.name} is now ${roleName(role)}`);
  }

  /** Sends something to the owners' views only (keyboard requests, the lobby). */
  tellOwners(message: AgentMessage): void {
    for (const attachment of this.attachments.values()) {
      if (attachment.link.role === 'owner') attachment.link.send(message);
    }
  }

  notice(
    kind: EventMap['session.notice']['kind'],
    participant: ParticipantInfo,
    text: string,
  ): void {
    this.broadcast(event('session.notice', { sessionId: this.id, kind, participant, text }));
  }

  chat(from: ClientLink, text: string): void {
    const sender = this.presence.get(from.participant.id);
    if (sender === undefined) {
      throw new TandemError('bad_request', 'Attach to the session before chatting in it');
    }
    this.broadcast(
      event('session.chat', {
        sessionId: this.id,
        from: sender,
        text,
        at: new Date().toISOString(),
      }),
    );
  }

  /** Runs a Copilot action; the answer goes to every view and joins the thread. */
  askCopilot(from: ClientLink, action: CopilotAction, lines?: number): CopilotEntry {
    const entry = this.copilot.ask(action, {
      ...this.askContext(from),
      ...(lines === undefined ? {} : { lines }),
    });
    return this.publishAnswer(entry);
  }

  /** A new answer in the thread: kept with the recording and sent to every view. */
  private publishAnswer(entry: CopilotEntry): CopilotEntry {
    this.recording.copilotAnswer(entry);
    this.broadcast(event('session.copilot', { sessionId: this.id, entry }));
    return entry;
  }

  /** What memories of this session's device attach to. */
  get target(): DeviceTarget | undefined {
    return this.options.device.target;
  }

  /** The owner's memories of this device, for the Copilot's handoff notes and questions. */
  setMemories(memories: string[]): void {
    this.copilot.memories = memories;
  }

  copilotThread(): ResultMap['copilot.thread'] {
    const model = modelConfig()?.model;
    return {
      entries: this.copilot.thread(),
      enabled: this.copilot.enabled,
      ...(model === undefined ? {} : { model }),
    };
  }

  /** What a question would send to the language model now (nothing is sent). */
  previewQuestion(from: ClientLink, question: string): ResultMap['copilot.preview'] {
    const config = this.modelFor();
    const { messages, redacted } = this.copilot.prepareQuestion(question, this.askContext(from));
    return {
      endpoint: endpointOf(config),
      model: config.model,
      messages,
      redacted,
      consented: this.consented.has(from.participant.id),
    };
  }

  /**
   * Asks the language model; its answer streams to every view and joins the thread as a
   * model's draft. A participant agrees once per session to what is sent (they saw the preview).
   */
  async askQuestion(from: ClientLink, question: string, consent: boolean): Promise<CopilotEntry> {
    const config = this.modelFor();
    const id = from.participant.id;
    if (!this.consented.has(id) && !consent) {
      throw new TandemError(
        'bad_request',
        'Look at what would be sent to the language model and agree to it once for this session',
        { needsConsent: true },
      );
    }
    const context = this.askContext(from);
    const { messages } = this.copilot.prepareQuestion(question, context);
    this.consented.add(id);
    const draftId = randomUUID();
    let text = '';
    let sentAt = 0;
    for await (const sofar of streamChat(config, messages)) {
      text = sofar;
      // Turned off while it answered: stop reading; the answer never joins the thread.
      if (this.state === 'exited' || !this.copilot.enabled) break;
      // At most ten drafts a second to every view; the last one comes as the entry.
      if (Date.now() - sentAt < 100) continue;
      sentAt = Date.now();
      this.broadcast(
        event('session.copilotDraft', {
          sessionId: this.id,
          draftId,
          question,
          askedBy: context.askedBy,
          model: config.model,
          text,
        }),
      );
    }
    if (!this.copilot.enabled) {
      throw new TandemError(
        'forbidden',
        'The owner turned the Copilot off while it answered: the answer was dropped',
      );
    }
    return this.publishAnswer(this.copilot.addAnswer(question, text, config.model, context));
  }

  private modelFor(): ModelConfig {
    const config = modelConfig();
    if (config === undefined) {
      throw new TandemError(
        'bad_request',
        'No language model is set up for the Copilot: set TANDEM_AI_BASE_URL (and TANDEM_AI_MODEL, TANDEM_AI_API_KEY) where the agent runs',
      );
    }
    return config;
  }

  private askContext(from: ClientLink): AskContext {
    const asker = this.presence.get(from.participant.id);
    if (asker === undefined) {
      throw new TandemError('bad_request', 'Attach to the session before asking the Copilot');
    }
    const recordingId = this.recording.recordingId;
    return {
      askedBy: { id: asker.id, name: asker.name },
      device: this.description.label,
      ...(recordingId === undefined ? {} : { recordingId }),
    };
  }

  /** The owner turns the Copilot off or on; every view is told. */
  setCopilot(from: ClientLink, enabled: boolean): boolean {
    const by = this.presence.get(from.participant.id);
    if (by === undefined) {
      throw new TandemError('bad_request', 'Attach to the session before changing its Copilot');
    }
    if (this.copilot.enabled !== enabled) {
      this.copilot.setEnabled(enabled);
      this.broadcast(event('session.copilotState', { sessionId: this.id, enabled, by }));
    }
    return enabled;
  }

  /** Joins the call from one of the sender's views in this session (any role may talk). */
  joinCall(link: ClientLink, peerId: string, media: CallMedia): CallerInfo[] {
    this.assertLive();
    const who = this.presence.get(link.participant.id);
    if (who === undefined || !this.attachments.has(link.id)) {
      throw new TandemError('bad_request', 'Open the session before joining its call');
    }
    return this.call.join(link, who, peerId, media);
  }

  updateCall(link: ClientLink, media: Partial<CallMedia>): void {
    this.call.update(link, media);
  }

  leaveCall(link: ClientLink): void {
    this.call.leave(link.participant.id);
  }

  private callEvent(): AgentMessage {
    return event('session.call', { sessionId: this.id, callers: this.call.list() });
  }

  participantsEvent(): AgentMessage {
    return event('session.participants', {
      sessionId: this.id,
      participants: this.presence.list(),
    });
  }

  private onPresence(change: PresenceChange): void {
    if (change.kind !== 'changed') {
      const verb = change.kind === 'joined' ? 'joined' : 'left';
      this.notice(change.kind, change.participant, `${change.participant.name} ${verb}`);
      if (change.kind === 'left' && this.keyboard === change.participant.id)
        this.keyboard = undefined;
    }
    this.broadcast(this.participantsEvent());
  }

  async sendBreak(durationMs: number): Promise<void> {
    this.assertLive();
    const { device } = this.options;
    if (device.sendBreak === undefined) {
      throw new TandemError(
        'bad_request',
        `${this.description.label} has no break signal — only serial ports do`,
      );
    }
    await device.sendBreak(durationMs);
  }

  /**
   * Ends the session: the device is closed and every client told why — `reason` when given (the
   * owner ended it), else the device's own account.
   */
  close(reason?: string): Promise<void> {
    if (this.closing === undefined) {
      this.closeReason = reason;
      this.closing = this.options.device.close();
    }
    return this.closing;
  }

  /** Frees the headless screen once the session is forgotten. */
  dispose(): void {
    this.options.snapshotter.dispose();
  }

  private assertLive(): void {
    if (this.state === 'exited') {
      throw new TandemError('not_found', `Session "${this.name}" has ended — open a new one`);
    }
  }

  /**
   * Output is batched into large chunks (up to MAX_CHUNK_CHARS). A PTY gives at most ~4 KiB per
   * read and libuv reads it once per turn of the event loop, so a flood would otherwise travel
   * as ~13,000 messages per 50 MiB, each through the host, Chrome, the service worker and the
   * panel, with an ack back. A read that filled the PTY's buffer means more is coming: it waits
   * up to COALESCE_MS for the rest. A short read (a keystroke's echo, a prompt) goes out at the
   * end of the current turn.
   */
  private pending = '';
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushScheduled = false;

  private onData(text: string): void {
    if (text.length === 0) return;
    this.pending += text;
    if (this.pending.length >= MAX_CHUNK_CHARS) return this.flushPending();
    if (text.length >= FULL_READ_CHARS) {
      if (this.flushTimer === undefined) {
        this.flushTimer = setTimeout(() => this.flushPending(), COALESCE_MS);
      }
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.pending.length > 0) this.flushPending();
    });
  }

  private flushPending(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const text = this.pending;
    this.pending = '';
    this.onOutput(text);
  }

  /** Local echo waits for the turn's device output, and goes out after it, marked as ours. */
  private echoes: string[] = [];

  private echoLocally(text: string): void {
    if (text.length === 0 || this.state === 'exited') return;
    this.echoes.push(text);
    if (this.echoes.length > 1) return;
    setImmediate(() => {
      if (this.pending.length > 0) this.flushPending();
      const echoes = this.echoes;
      this.echoes = [];
      this.onOutput(echoes.join(''), true);
    });
  }

  private onOutput(text: string, local = false): void {
    if (text.length === 0) return;
    for (const data of splitChars(text, MAX_CHUNK_CHARS)) {
      this.seq += 1;
      const chunk = { seq: this.seq, data, json: JSON.stringify(data) };
      this.buffer.push(chunk);
      this.recording.output(data, chunk.json, local);
      for (const attachment of this.attachments.values()) this.deliver(attachment, chunk);
    }
  }

  private deliver(attachment: Attachment, chunk: OutputChunk): void {
    if (attachment.lagging) return;
    const { link } = attachment;
    if (!link.local && attachment.held === undefined && this.behind(attachment)) {
      // A slow remote view never slows anyone else: it skips ahead via a snapshot later.
      attachment.lagging = true;
      this.watchLagging(attachment);
      return;
    }
    attachment.unacked += chunk.data.length;
    if (attachment.held !== undefined) attachment.held.push(chunk);
    else if (link.sendOutput !== undefined && chunk.json !== undefined) {
      link.sendOutput(this.id, chunk.seq, chunk.json);
    } else {
      link.send(event('session.output', { sessionId: this.id, seq: chunk.seq, data: chunk.data }));
    }
    if (attachment.link.local && attachment.unacked > FLOW_WINDOW_CHARS) {
      this.applyFlowControl();
    }
  }

  private behind(attachment: Attachment): boolean {
    return (attachment.link.backlog?.() ?? 0) > REMOTE_MAX_BACKLOG_BYTES;
  }

  private watchLagging(attachment: Attachment): void {
    const timer = setInterval(() => {
      if (this.attachments.get(attachment.link.id) !== attachment || this.state === 'exited') {
        clearInterval(timer);
        return;
      }
      if ((attachment.link.backlog?.() ?? 0) < REMOTE_RESUME_BACKLOG_BYTES) {
        clearInterval(timer);
        this.resync(attachment);
      }
    }, 100);
    timer.unref();
  }

  /** Pause the device while any of the user's own views lags; resume when all caught up. */
  private applyFlowControl(): void {
    let lagging = false;
    let caughtUp = true;
    for (const attachment of this.attachments.values()) {
      if (!attachment.link.local) continue;
      if (attachment.unacked > FLOW_WINDOW_CHARS) lagging = true;
      if (attachment.unacked > FLOW_RESUME_CHARS) caughtUp = false;
    }
    if (lagging && !this.paused) {
      this.paused = true;
      this.options.device.pause();
    } else if (caughtUp && this.paused) {
      this.paused = false;
      this.options.device.resume();
    }
  }

  private setState(state: SessionState, message: string): void {
    if (this.state === 'exited') return;
    // A device that drops and comes back leaves a gap in the output: the terminal shows a line
    // where it was cut, and the recording marks both ends, so neither a live view nor a replay
    // joins the two sides as if nothing happened.
    if (state === 'disconnected' && this.state !== 'disconnected') {
      this.disconnectedAt = Date.now();
      this.recording.deviceMark(`${message} (${clock(this.disconnectedAt)})`);
    } else if (state === 'running' && this.state === 'disconnected') {
      const now = Date.now();
      const gap = gapText(this.description.kind, this.disconnectedAt ?? now, now);
      this.recording.deviceMark(gap);
      this.disconnectedAt = undefined;
      if (this.pending.length > 0) this.flushPending();
      this.onOutput(`\r\n— ${gap} —\r\n`, true);
    }
    this.state = state;
    this.options.logger.info('session.state', { session: this.id, state });
    this.broadcast(event('session.state', { sessionId: this.id, state, message }));
  }

  private onExit(exit: DeviceExit): void {
    this.pending += this.decoder.end();
    this.flushPending();
    this.state = 'exited';
    const reason = this.closeReason ?? exit.reason;
    this.recording.close(reason);
    this.options.logger.info('session.exit', { session: this.id, code: exit.code });
    // Ending the session ends its call for everyone.
    this.call.end();
    this.broadcast(
      event('session.exit', {
        sessionId: this.id,
        reason,
        ...(exit.code === undefined ? {} : { code: exit.code }),
      }),
    );
    this.options.onEnded(this);
  }

  private broadcast(message: Parameters<ClientLink['send']>[0]): void {
    for (const attachment of this.attachments.values()) attachment.link.send(message);
  }
}

function roleName(role: Role): string {
  return role === 'coworker' ? 'a co-worker' : `the ${role}`.replace('the viewer', 'a viewer');
}

/** Splits text into pieces of at most `max` UTF-16 units without cutting a surrogate pair. */
export function splitChars(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

/**
 * "cable unplugged 12:03:41, reconnected 12:03:52, 11 s": the line a live view and the recording
 * show where a device's output was cut.
 */
export function gapText(kind: DeviceDescription['kind'], fromMs: number, toMs: number): string {
  const lost = kind === 'serial' ? 'cable unplugged' : 'connection lost';
  // Whole seconds of the two clock times shown, so the span always matches them.
  const seconds = Math.floor(toMs / 1000) - Math.floor(fromMs / 1000);
  return `${lost} ${clock(fromMs)}, reconnected ${clock(toMs)}, ${span(seconds)}`;
}

/** 11 s, 4 min 5 s, 2 h 10 min. */
function span(seconds: number): string {
  const total = Math.max(0, seconds);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** 12:03:41, local time: what a field tech reads off the wall clock. */
function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}
