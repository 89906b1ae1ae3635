import { Peer, type MediaConnection } from 'peerjs';
import type { CallMedia, CallerInfo, IceServerConfig, RelayPlace } from '../../protocol/index.js';
import type { ReceiveStats } from './call-hook-types.js';
import { activeSpeaker } from './layout.js';
import { iceRoute } from '../lib/ice-route.js';

/**
 * What a call needs from the session it belongs to: the agent's say on who is on the call. The
 * guest page asks its own link; the pop-out window asks the side panel that holds the session.
 */
export interface CallControl {
  config(): Promise<{
    relay: RelayPlace;
    iceServers: IceServerConfig[];
    iceTransportPolicy?: 'relay';
  }>;
  join(peerId: string, media: CallMedia): Promise<CallerInfo[]>;
  update(media: Partial<CallMedia>): Promise<void>;
  leave(): Promise<void>;
  /** Every `session.call` list; `undefined` when the session itself is gone. */
  onCallers(listener: (callers: CallerInfo[] | undefined) => void): () => void;
}

/** Remembers the devices chosen in this browser. */
export interface DeviceMemory {
  load(): Promise<ChosenDevices>;
  save(chosen: ChosenDevices): Promise<void>;
}

export interface ChosenDevices {
  mic?: string;
  camera?: string;
  speaker?: string;
}

export type CallPhase = 'idle' | 'preview' | 'joining' | 'in-call' | 'left' | 'ended' | 'failed';
export type TileStatus = 'connecting' | 'live' | 'reconnecting';

/** One square of the grid: a caller (or this browser itself) with what it sends. */
export interface CallTile extends CallMedia {
  peerId: string;
  /** The session participant behind the tile, once the agent has listed it. */
  participantId: string | undefined;
  name: string;
  color: string;
  self: boolean;
  stream: MediaStream | undefined;
  status: TileStatus;
  speaking: boolean;
}

export interface DeviceLists {
  mic: MediaDeviceInfo[];
  camera: MediaDeviceInfo[];
  speaker: MediaDeviceInfo[];
}

interface Remote {
  caller: CallerInfo;
  connection: MediaConnection | undefined;
  stream: MediaStream | undefined;
  status: TileStatus;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  retries: number;
  analyser: AnalyserNode | undefined;
}

/** An incoming call waits this long for the agent to list its caller, then is refused. */
const UNLISTED_WAIT_MS = 4000;
/** A connection ICE calls "disconnected" this long is taken as failed and dialled again. */
const DISCONNECTED_MS = 4000;
const RETRY_MS = [500, 1000, 2000, 4000, 5000];
const LEVEL_EVERY_MS = 200;
/**
 * Faces beside a terminal: 640×360 at 15 frames a second is plenty for a tile, and halves what
 * each of the mesh's encoders and decoders costs against 30 (the terminal's echo shares the
 * machine with them).
 */
const CAMERA: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 15, max: 15 },
};

/** How a connection's video is encoded for a call of `callers` people. */
export function videoScale(
  callers: number,
  screen: boolean,
): { scaleResolutionDownBy: number; maxFramerate: number; maxBitrate: number } {
  if (screen) return { scaleResolutionDownBy: 1, maxFramerate: 5, maxBitrate: 1_200_000 };
  if (callers <= 2) return { scaleResolutionDownBy: 1, maxFramerate: 15, maxBitrate: 600_000 };
  if (callers <= 4) return { scaleResolutionDownBy: 2, maxFramerate: 15, maxBitrate: 250_000 };
  return { scaleResolutionDownBy: 3, maxFramerate: 10, maxBitrate: 150_000 };
}

/** 128 random bits in hex: an id PeerJS accepts (runs of letters and digits). */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `tcall-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One browser's side of a session call: its camera and microphone, a PeerJS peer on the
 * session's relay, and a MediaConnection to every other caller (a mesh). Media goes browser to
 * browser; the agent only lists who is on the call, and a call from a peer id not on that list
 * is refused.
 */
export class CallEngine {
  phase: CallPhase = 'idle';
  message: string | undefined;
  readonly peerId = randomId();
  muted = false;
  camera = true;
  screen = false;
  devices: DeviceLists = { mic: [], camera: [], speaker: [] };
  chosen: ChosenDevices = {};
  /** Calls turned away because their peer id was not on the session's call. */
  refused = 0;
  speaker: string | undefined;
  private local: MediaStream | undefined;
  private micTrack: MediaStreamTrack | undefined;
  private cameraTrack: MediaStreamTrack | undefined;
  private screenTrack: MediaStreamTrack | undefined;
  private placeholder: MediaStreamTrack | undefined;
  private peer: Peer | undefined;
  private callers: CallerInfo[] = [];
  private readonly remotes = new Map<string, Remote>();
  private readonly waiting = new Map<string, MediaConnection>();
  private audio: AudioContext | undefined;
  private selfAnalyser: AnalyserNode | undefined;
  private levelTimer: ReturnType<typeof setInterval> | undefined;
  private readonly stopListening: () => void;
  private readonly listeners = new Set<() => void>();
  private version = 0;

  constructor(
    private readonly control: CallControl,
    private readonly memory: DeviceMemory,
    private readonly media: MediaDevices = navigator.mediaDevices,
  ) {
    this.stopListening = control.onCallers((callers) => this.onCallers(callers));
    this.media.addEventListener('devicechange', this.onDeviceChange);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Everyone on the call as this browser sees them, itself first. */
  tiles(): CallTile[] {
    const self: CallTile = {
      peerId: this.peerId,
      participantId: undefined,
      name: 'You',
      color: '#61afef',
      self: true,
      stream: this.local,
      status: 'live',
      muted: this.muted,
      camera: this.camera && this.cameraTrack !== undefined,
      screen: this.screen,
      speaking: this.speaker === this.peerId,
    };
    const mine = this.callers.find((c) => c.peerId === this.peerId);
    if (mine !== undefined) {
      self.participantId = mine.participant.id;
      self.name = `${mine.participant.name} (you)`;
      self.color = mine.participant.color;
    }
    const others = [...this.remotes.values()].map((r): CallTile => ({
      peerId: r.caller.peerId,
      participantId: r.caller.participant.id,
      name: r.caller.participant.name,
      color: r.caller.participant.color,
      self: false,
      stream: r.stream,
      status: r.status,
      muted: r.caller.muted,
      camera: r.caller.camera,
      screen: r.caller.screen,
      speaking: this.speaker === r.caller.peerId,
    }));
    return [self, ...others];
  }

  /** Opens the microphone and camera for the preview (where the browser asks permission). */
  async preview(): Promise<void> {
    if (this.local !== undefined) return;
    this.chosen = await this.memory.load().catch(() => ({}));
    this.phase = 'preview';
    this.message = undefined;
    try {
      this.micTrack = await this.open('audio', this.chosen.mic);
    } catch (error) {
      this.message = `No microphone could be opened (${errorText(error)}) — you can still listen`;
    }
    try {
      this.cameraTrack = await this.open('video', this.chosen.camera);
    } catch {
      this.camera = false;
    }
    this.local = new MediaStream(
      [this.micTrack, this.cameraTrack ?? this.blankVideo()].filter(
        (t): t is MediaStreamTrack => t !== undefined,
      ),
    );
    this.watchLevel(this.peerId, this.local);
    await this.listDevices();
    this.emit();
  }

  /** Registers on the relay, tells the agent, and calls everyone already on the call. */
  async join(): Promise<void> {
    if (this.phase === 'in-call' || this.phase === 'joining') return;
    await this.preview();
    this.phase = 'joining';
    this.emit();
    try {
      const { relay, iceServers, iceTransportPolicy } = await this.control.config();
      const peer = new Peer(this.peerId, {
        host: relay.host,
        port: relay.port,
        path: relay.path,
        secure: relay.secure,
        config: { iceServers, iceTransportPolicy: iceTransportPolicy ?? 'all' },
        debug: 0,
      });
      this.peer = peer;
      await new Promise<void>((resolve, reject) => {
        peer.once('open', () => resolve());
        peer.once('error', (error) =>
          reject(new Error(`the relay refused the call (${error.type})`)),
        );
      });
      peer.on('call', (connection) => this.incoming(connection));
      peer.on('error', (error) => this.peerError(error));
      peer.on('disconnected', () => {
        // Live calls do not need the relay; a new caller's offer does.
        if (this.phase === 'in-call' && !peer.destroyed) setTimeout(() => peer.reconnect(), 1000);
      });
      const callers = await this.control.join(this.peerId, this.state());
      this.phase = 'in-call';
      this.applyCallers(callers, true);
    } catch (error) {
      this.phase = 'failed';
      this.message = `Could not join the call: ${errorText(error)}`;
      this.teardown();
    }
    this.emit();
  }

  async leave(): Promise<void> {
    if (this.phase === 'in-call' || this.phase === 'joining') {
      await this.control.leave().catch(() => undefined);
    }
    this.phase = 'left';
    this.teardown();
    this.emit();
  }

  /** Stops everything for good (the window or page is going away). */
  dispose(): void {
    if (this.phase === 'in-call') void this.control.leave().catch(() => undefined);
    this.phase = 'left';
    this.teardown();
    this.stopListening();
    this.media.removeEventListener('devicechange', this.onDeviceChange);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.micTrack !== undefined) this.micTrack.enabled = !muted;
    this.changedMedia({ muted });
  }

  setCamera(on: boolean): void {
    this.camera = on && this.cameraTrack !== undefined;
    if (this.cameraTrack !== undefined) this.cameraTrack.enabled = this.camera;
    this.changedMedia({ camera: this.camera });
  }

  /** Shares a screen, window or tab in place of the camera; Chrome's own Stop bar ends it. */
  async shareScreen(): Promise<void> {
    if (this.screenTrack !== undefined) return;
    let stream: MediaStream;
    try {
      stream = await this.media.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      this.message = `Screen sharing did not start: ${errorText(error)}`;
      this.emit();
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (track === undefined) return;
    this.screenTrack = track;
    track.addEventListener('ended', () => this.stopScreen());
    this.swapVideo(track);
    this.screen = true;
    this.tuneSenders();
    this.changedMedia({ screen: true });
  }

  stopScreen(): void {
    const track = this.screenTrack;
    if (track === undefined) return;
    this.screenTrack = undefined;
    track.stop();
    this.swapVideo(this.cameraTrack ?? this.blankVideo());
    this.screen = false;
    this.tuneSenders();
    this.changedMedia({ screen: false });
  }

  /** Switches microphone, camera or speaker live: the same connections carry the new track. */
  async choose(kind: keyof ChosenDevices, deviceId: string): Promise<void> {
    try {
      if (kind === 'speaker') {
        this.chosen = { ...this.chosen, speaker: deviceId };
      } else {
        const track = await this.open(kind === 'mic' ? 'audio' : 'video', deviceId);
        if (kind === 'mic') {
          this.replace(this.micTrack, track);
          this.micTrack = track;
          track.enabled = !this.muted;
          if (this.local !== undefined) this.watchLevel(this.peerId, this.local);
        } else {
          const old = this.cameraTrack;
          this.cameraTrack = track;
          track.enabled = this.camera;
          if (this.screenTrack === undefined) this.replace(old ?? this.placeholder, track);
          else old?.stop();
        }
        this.chosen = { ...this.chosen, [kind]: deviceId };
      }
      await this.memory.save(this.chosen).catch(() => undefined);
    } catch (error) {
      this.message = `That device could not be opened: ${errorText(error)}`;
    }
    this.emit();
  }

  /** What this browser receives from each caller (tests and the bench read it). */
  async stats(): Promise<ReceiveStats[]> {
    const out: ReceiveStats[] = [];
    for (const remote of this.remotes.values()) {
      const pc = remote.connection?.peerConnection;
      if (pc === undefined || remote.connection === undefined) continue;
      let framesDecoded = 0;
      let audioBytes = 0;
      let fps = 0;
      let width = 0;
      const stats = await pc.getStats();
      stats.forEach((report: RTCStats & Record<string, unknown>) => {
        if (report.type !== 'inbound-rtp') return;
        if (report.kind === 'video') {
          framesDecoded += Number(report.framesDecoded ?? 0);
          fps = Number(report.framesPerSecond ?? 0);
          width = Number(report.frameWidth ?? 0);
        }
        if (report.kind === 'audio') audioBytes += Number(report.bytesReceived ?? 0);
      });
      out.push({
        peerId: remote.caller.peerId,
        framesDecoded,
        audioBytes,
        connectionId: remote.connection.connectionId,
        fps,
        width,
        ...iceRoute(stats),
      });
    }
    return out;
  }

  remembered(): Promise<ChosenDevices> {
    return this.memory.load();
  }

  /** Tests: the shared screen's track ends as when Chrome's "Stop sharing" bar is clicked. */
  endShareForTest(): void {
    const track = this.screenTrack;
    if (track === undefined) return;
    track.stop(); // stop() alone fires no "ended"; the browser's bar fires it
    track.dispatchEvent(new Event('ended'));
  }

  /** Tests: the connection to one caller dies, as on a network failure. */
  breakForTest(peerId: string): void {
    this.remotes.get(peerId)?.connection?.close();
  }

  /** The labels of the microphone tracks this browser sends, one per connection. */
  sendingAudio(): string[] {
    const labels: string[] = [];
    for (const remote of this.remotes.values()) {
      for (const sender of remote.connection?.peerConnection.getSenders() ?? []) {
        if (sender.track?.kind === 'audio') labels.push(sender.track.label);
      }
    }
    return labels;
  }

  private state(): CallMedia {
    return { muted: this.muted, camera: this.camera, screen: this.screen };
  }

  private changedMedia(media: Partial<CallMedia>): void {
    this.emit();
    if (this.phase === 'in-call') {
      this.control.update(media).catch((error: unknown) => {
        this.message = errorText(error);
        this.emit();
      });
    }
  }

  private async open(
    kind: 'audio' | 'video',
    deviceId: string | undefined,
  ): Promise<MediaStreamTrack> {
    const wanted = deviceId === undefined ? {} : { deviceId: { exact: deviceId } };
    const constraints: MediaStreamConstraints =
      kind === 'audio'
        ? { audio: deviceId === undefined ? true : wanted }
        : { video: { ...wanted, ...CAMERA } };
    let stream: MediaStream;
    try {
      stream = await this.media.getUserMedia(constraints);
    } catch (error) {
      // A remembered device that is unplugged: fall back to the default one.
      if (deviceId === undefined) throw error;
      stream = await this.media.getUserMedia({ [kind]: true });
    }
    const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    if (track === undefined) throw new Error(`no ${kind} track`);
    return track;
  }

  /** A black frame for a caller without a camera, so a screen can be shared later. */
  private blankVideo(): MediaStreamTrack {
    if (this.placeholder !== undefined) return this.placeholder;
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 180;
    canvas.getContext('2d')?.fillRect(0, 0, 320, 180);
    const track = canvas.captureStream(1).getVideoTracks()[0];
    if (track === undefined) throw new Error('this browser cannot make a video track');
    this.placeholder = track;
    return track;
  }

  private swapVideo(track: MediaStreamTrack): void {
    const current = this.local?.getVideoTracks()[0];
    this.replace(current, track, false);
  }

  /** Puts `next` where `old` was: in the local stream and on every connection's sender. */
  private replace(old: MediaStreamTrack | undefined, next: MediaStreamTrack, stopOld = true): void {
    if (this.local !== undefined) {
      if (old !== undefined) this.local.removeTrack(old);
      this.local.addTrack(next);
    }
    for (const remote of this.remotes.values()) {
      const pc = remote.connection?.peerConnection;
      const sender = pc?.getSenders().find((s) => s.track?.kind === next.kind || s.track === old);
      void sender?.replaceTrack(next);
    }
    if (stopOld && old !== undefined && old !== this.placeholder) old.stop();
  }

  private onCallers(callers: CallerInfo[] | undefined): void {
    if (this.phase === 'ended' && callers === undefined) {
      // The call ended with the session (the agent says so just before the session's end).
      this.message = 'The session ended';
      this.emit();
      return;
    }
    if (this.phase !== 'in-call' && this.phase !== 'joining') {
      this.callers = callers ?? [];
      this.emit();
      return;
    }
    if (
      callers === undefined ||
      (this.phase === 'in-call' && !callers.some((c) => c.peerId === this.peerId))
    ) {
      // The session ended, or the agent let this caller go: the call is over here.
      this.phase = 'ended';
      this.message =
        callers === undefined
          ? 'The session ended'
          : callers.length === 0
            ? 'The call ended'
            : 'You are no longer on the call';
      this.teardown();
      this.emit();
      return;
    }
    if (this.phase === 'in-call') this.applyCallers(callers, false);
    else this.callers = callers;
  }

  /**
   * Brings the mesh in line with the agent's list. A newcomer calls everyone already there; the
   * others wait for its call.
   */
  private applyCallers(callers: CallerInfo[], dialEveryone: boolean): void {
    this.callers = callers;
    const listed = new Set(callers.map((c) => c.peerId));
    for (const [peerId, remote] of this.remotes) {
      if (listed.has(peerId)) continue;
      this.drop(remote);
      this.remotes.delete(peerId);
    }
    for (const caller of callers) {
      if (caller.peerId === this.peerId) continue;
      const remote = this.remotes.get(caller.peerId);
      if (remote !== undefined) {
        remote.caller = caller;
        continue;
      }
      const fresh: Remote = {
        caller,
        connection: undefined,
        stream: undefined,
        status: 'connecting',
        retryTimer: undefined,
        retries: 0,
        analyser: undefined,
      };
      this.remotes.set(caller.peerId, fresh);
      if (dialEveryone) this.dial(fresh);
    }
    for (const [peerId, connection] of this.waiting) {
      if (!listed.has(peerId)) continue;
      this.waiting.delete(peerId);
      this.accept(connection);
    }
    this.tuneSenders();
    this.emit();
  }

  /**
   * What each connection's video encoder sends, by head count, as gallery views do: a mesh
   * encodes once per connection, so a bigger call sends smaller pictures (tiles are smaller
   * too) and the machine keeps its CPU for the terminal. A shared screen keeps its full
   * resolution (text must stay legible) at a few frames a second.
   */
  private tuneSenders(): void {
    const scale = videoScale(this.callers.length, this.screen);
    for (const remote of this.remotes.values()) {
      const sender = remote.connection?.peerConnection
        .getSenders()
        .find((s) => s.track?.kind === 'video');
      if (sender === undefined) continue;
      const parameters = sender.getParameters();
      const encoding = parameters.encodings[0];
      if (encoding === undefined) continue;
      if (
        encoding.scaleResolutionDownBy === scale.scaleResolutionDownBy &&
        encoding.maxFramerate === scale.maxFramerate
      )
        continue;
      Object.assign(encoding, scale);
      void sender.setParameters(parameters).catch(() => undefined);
    }
  }

  private dial(remote: Remote): void {
    const peer = this.peer;
    if (peer === undefined || this.local === undefined || peer.destroyed) return;
    clearTimeout(remote.retryTimer);
    const connection = peer.call(remote.caller.peerId, this.local);
    this.attach(remote, connection);
  }

  private incoming(connection: MediaConnection): void {
    if (this.callers.some((c) => c.peerId === connection.peer && c.peerId !== this.peerId)) {
      this.accept(connection);
      return;
    }
    // The agent may not have told this browser yet about someone who just joined: wait a
    // little for the list, then refuse. Only a caller the agent lists may reach this browser.
    this.waiting.get(connection.peer)?.close();
    this.waiting.set(connection.peer, connection);
    setTimeout(() => {
      if (this.waiting.get(connection.peer) !== connection) return;
      this.waiting.delete(connection.peer);
      this.refused += 1;
      connection.close();
      this.emit();
    }, UNLISTED_WAIT_MS);
  }

  private accept(connection: MediaConnection): void {
    const remote = this.remotes.get(connection.peer);
    if (remote === undefined || this.local === undefined || this.phase !== 'in-call') {
      connection.close();
      return;
    }
    connection.answer(this.local);
    this.attach(remote, connection);
  }

  private attach(remote: Remote, connection: MediaConnection): void {
    const old = remote.connection;
    remote.connection = connection;
    if (old !== undefined && old !== connection) old.close();
    let disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
    connection.on('stream', (stream) => {
      if (remote.connection !== connection) return;
      remote.stream = stream;
      remote.status = 'live';
      remote.retries = 0;
      this.tuneSenders();
      this.watchLevel(remote.caller.peerId, stream);
      this.emit();
    });
    const failed = (): void => {
      clearTimeout(disconnectedTimer);
      if (remote.connection !== connection) return;
      remote.connection = undefined;
      this.reconnect(remote);
    };
    connection.on('close', failed);
    connection.on('error', failed);
    connection.peerConnection.addEventListener('connectionstatechange', () => {
      const state = connection.peerConnection.connectionState;
      if (state === 'failed') {
        connection.close();
        failed();
      } else if (state === 'disconnected') {
        clearTimeout(disconnectedTimer);
        disconnectedTimer = setTimeout(() => {
          connection.close();
          failed();
        }, DISCONNECTED_MS);
      } else if (state === 'connected') {
        clearTimeout(disconnectedTimer);
      }
    });
  }

  /**
   * A caller still on the call whose connection failed: shown as reconnecting; the side with
   * the smaller peer id dials again (so two browsers never call each other at once).
   */
  private reconnect(remote: Remote): void {
    if (this.phase !== 'in-call' || this.remotes.get(remote.caller.peerId) !== remote) return;
    remote.status = 'reconnecting';
    remote.stream = undefined;
    this.emit();
    if (this.peerId > remote.caller.peerId) return;
    const delay = RETRY_MS[Math.min(remote.retries, RETRY_MS.length - 1)] ?? 5000;
    remote.retries += 1;
    clearTimeout(remote.retryTimer);
    remote.retryTimer = setTimeout(() => this.dial(remote), delay);
  }

  private peerError(error: { type: string }): void {
    // A dial to a caller whose peer is gone from the relay: its MediaConnection never opens.
    if (error.type !== 'peer-unavailable') return;
    for (const remote of this.remotes.values()) {
      if (
        remote.status !== 'live' &&
        remote.connection !== undefined &&
        remote.stream === undefined
      ) {
        const connection = remote.connection;
        remote.connection = undefined;
        connection.close();
        this.reconnect(remote);
      }
    }
  }

  private drop(remote: Remote): void {
    clearTimeout(remote.retryTimer);
    const connection = remote.connection;
    remote.connection = undefined;
    connection?.close();
    remote.analyser?.disconnect();
  }

  /** Feeds a stream's audio to an analyser; the loudest caller is highlighted. */
  private watchLevel(peerId: string, stream: MediaStream): void {
    if (stream.getAudioTracks().length === 0) return;
    try {
      // "playback": the largest buffers, so the audio thread wakes least (levels need no speed).
      this.audio ??= new AudioContext({ latencyHint: 'playback' });
      void this.audio.resume().catch(() => undefined);
      const analyser = this.audio.createAnalyser();
      analyser.fftSize = 512;
      this.audio.createMediaStreamSource(stream).connect(analyser);
      if (peerId === this.peerId) {
        this.selfAnalyser?.disconnect();
        this.selfAnalyser = analyser;
      } else {
        const remote = this.remotes.get(peerId);
        remote?.analyser?.disconnect();
        if (remote !== undefined) remote.analyser = analyser;
      }
    } catch {
      return; // No Web Audio here: nobody is highlighted.
    }
    this.levelTimer ??= setInterval(() => this.measure(), LEVEL_EVERY_MS);
  }

  private measure(): void {
    const levels = new Map<string, number>();
    const level = (analyser: AnalyserNode): number => {
      const samples = new Float32Array(analyser.fftSize);
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      return Math.sqrt(sum / samples.length);
    };
    if (this.selfAnalyser !== undefined && !this.muted)
      levels.set(this.peerId, level(this.selfAnalyser));
    for (const remote of this.remotes.values()) {
      if (remote.analyser !== undefined && !remote.caller.muted && remote.status === 'live') {
        levels.set(remote.caller.peerId, level(remote.analyser));
      }
    }
    const next = activeSpeaker(levels, this.speaker);
    if (next !== this.speaker) {
      this.speaker = next;
      this.emit();
    }
  }

  private async listDevices(): Promise<void> {
    const all = await this.media.enumerateDevices().catch(() => []);
    this.devices = {
      mic: all.filter((d) => d.kind === 'audioinput'),
      camera: all.filter((d) => d.kind === 'videoinput'),
      speaker: all.filter((d) => d.kind === 'audiooutput'),
    };
  }

  private readonly onDeviceChange = (): void => {
    void this.listDevices().then(() => this.emit());
  };

  private teardown(): void {
    for (const remote of this.remotes.values()) this.drop(remote);
    this.remotes.clear();
    for (const connection of this.waiting.values()) connection.close();
    this.waiting.clear();
    this.peer?.destroy();
    this.peer = undefined;
    clearInterval(this.levelTimer);
    this.levelTimer = undefined;
    this.selfAnalyser = undefined;
    void this.audio?.close().catch(() => undefined);
    this.audio = undefined;
    for (const track of [this.micTrack, this.cameraTrack, this.screenTrack, this.placeholder]) {
      track?.stop();
    }
    this.micTrack = this.cameraTrack = this.screenTrack = this.placeholder = undefined;
    this.local = undefined;
    this.screen = false;
    this.speaker = undefined;
  }

  private emit(): void {
    this.version += 1;
    for (const listener of [...this.listeners]) listener();
  }
}
