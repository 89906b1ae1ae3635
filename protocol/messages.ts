import type { ErrorBody } from './errors.js';
import type { Role } from './roles.js';

/** The protocol version every envelope carries as `v`. */
export const PROTOCOL_VERSION = 1;

/* ------------------------------------------------------------------ devices */

export type SshAuth =
  | { method: 'agent' }
  | { method: 'key'; path: string; passphrase?: string }
  | { method: 'password'; password: string }
  | { method: 'keyboard-interactive'; responses: string[] };

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export type FlowControl = 'none' | 'rtscts' | 'xonxoff';
export type LineEnding = 'cr' | 'lf' | 'crlf';

export type DeviceSpec =
  | { kind: 'pty'; shell?: string; args?: string[]; cwd?: string }
  | {
      kind: 'ssh';
      /** A host name, address, or a Host alias from ~/.ssh/config. */
      host: string;
      port?: number;
      username?: string;
      auth: SshAuth;
      /** The SHA256 fingerprint the user accepted for a host seen for the first time. */
      acceptHostKey?: string;
    }
  | {
      kind: 'serial';
      path: string;
      baudRate: number;
      dataBits?: 5 | 6 | 7 | 8;
      parity?: Parity;
      stopBits?: 1 | 1.5 | 2;
      flowControl?: FlowControl;
      dtr?: boolean;
      rts?: boolean;
      /** What the Enter key sends: CR, LF or CRLF. */
      lineEnding?: LineEnding;
      localEcho?: boolean;
    }
  | { kind: 'echo' };

export type DeviceKind = DeviceSpec['kind'];

/** A device as shown to people: never holds a secret. */
export interface DeviceDescription {
  kind: DeviceKind;
  /** One line, e.g. "bash", "admin@db1:22", "/dev/ttyUSB0 115200 8N1". */
  label: string;
}

/**
 * What a device is, for the memories kept about it: an SSH server by its host key (a renamed
 * host keeps its memories; another machine answering to the same name does not inherit them),
 * a serial adapter by its USB serial number (else its path), this machine by its host name.
 */
export interface DeviceTarget {
  /** `ssh-host-key:SHA256:…`, `usb-serial:…`, `serial-path:/dev/…` or `system:<host name>`. */
  key: string;
  /** How people name it: "db1 (SHA256:abc…)", "FTDI FT232R A12345", "this machine (box)". */
  label: string;
}

/** Most memories the Copilot is given for a session, and most characters of each. */
export const COPILOT_MAX_MEMORIES = 20;
export const MEMORY_MAX_CHARS = 2000;

/* ----------------------------------------------------------------- requests */

export interface RequestMap {
  hello: { client: { name: string; version?: string }; protocol: number };
  'session.open': {
    device: DeviceSpec;
    cols: number;
    rows: number;
    name?: string;
    /** Record this session; defaults to the `recording.settings` `enabled` setting. */
    record?: boolean;
  };
  'session.list': PageRequest;
  'session.attach': { sessionId: string; fromSeq?: number };
  'session.detach': { sessionId: string };
  /**
   * `secret`: typed with the lock on ("type a secret"): the agent withholds the line this input
   * belongs to from the recording, local echo and anything shown to others, whatever its own
   * prompt detection says. Views send it on every key up to and including Enter.
   */
  'session.input': { sessionId: string; data: string; secret?: boolean };
  'session.resize': { sessionId: string; cols: number; rows: number };
  'session.ack': { sessionId: string; chars: number };
  'session.break': { sessionId: string; durationMs?: number };
  'session.close': { sessionId: string };
  /** The local user only: what the session's device is, for the memories kept about it. */
  'session.target': { sessionId: string };
  /** `paths`: ports the user opened before (ptys, own symlinks), listed too when present. */
  'serial.list': { paths?: string[] };
  'ssh.hosts': Record<string, never>;
  'agent.stop': Record<string, never>;
  /** The local user's pages only: a one-time ticket for the agent's loopback WebSocket. */
  'agent.link': Record<string, never>;
  /**
   * The local user's pages only: share through a team relay, named as the member, with its ICE
   * servers; `null` goes back to the settings file (sharing.json). The extension sends it when
   * enrolled in a team (docs/relay.md); it lasts until the agent stops.
   */
  'sharing.configure': { team: TeamSharing | null };
  'recording.pause': { sessionId: string };
  'recording.resume': { sessionId: string };
  'recording.mark': { sessionId: string; label: string };
  'recording.list': PageRequest;
  'recording.index': { recordingId: string } & PageRequest;
  'recording.read': {
    recordingId: string;
    format: RecordingFormat;
    /** Always a byte offset into the native file: 0, or a `nextOffset` / keyframe `offset`. */
    offset: number;
    /** Most bytes of `data` wanted (capped at RECORDING_READ_MAX_BYTES). */
    length?: number;
  };
  'recording.delete': { recordingId: string };
  /**
   * The local user's recordings only: what an artifact starts from, read from the recording
   * by the Copilot's offline rules (a summary, and every command run with who typed it).
   */
  'artifact.draft': { recordingId: string };
  /** Changes the given settings (null clears a limit); answers with all of them. */
  'recording.settings': {
    enabled?: boolean;
    maxAgeDays?: number | null;
    maxTotalBytes?: number | null;
  };
  'invite.create': { sessionId: string; role: Role; ttlMs?: number; lobby?: boolean };
  'invite.list': { sessionId: string } & PageRequest;
  /** `disconnect`: also remove everyone who joined with this link. */
  'invite.revoke': { inviteId: string; disconnect?: boolean };
  'participant.setRole': { sessionId: string; participantId: string; role: Role };
  /** `revokeInvite`: also revoke the link they joined with, in the same click. */
  'participant.remove': { sessionId: string; participantId: string; revokeInvite?: boolean };
  'lobby.admit': { sessionId: string; participantId: string; admit: boolean };
  'keyboard.request': { sessionId: string };
  'keyboard.decline': { sessionId: string; participantId: string };
  'chat.send': { sessionId: string; text: string };
  /** Runs one of the Copilot's offline actions; the answer joins the session's thread. */
  'copilot.ask': { sessionId: string; action: CopilotAction; lines?: number };
  /** The session's Copilot thread so far (a late joiner reads it once). */
  'copilot.thread': { sessionId: string };
  /**
   * The owner turns the session's Copilot off or on. Off, it reads nothing of the session
   * (what happens meanwhile is never segmented) and refuses to answer; the thread stays.
   */
  'copilot.set': { sessionId: string; enabled: boolean };
  /** What a question to the language model would send now, redacted; nothing is sent. */
  'copilot.preview': { sessionId: string; question: string };
  /**
   * A free-form question for the configured language model. The first one a participant asks
   * in a session needs `consent: true` (they saw the preview); the answer streams to every
   * view as `session.copilotDraft` and joins the thread as a model's draft.
   */
  'copilot.question': { sessionId: string; question: string; consent?: boolean };
  /**
   * The local user only: what the owner remembers about this session's device (the memories
   * the panel shows, not dismissed). The Copilot's handoff notes and model questions use them;
   * its answers go to everyone in the session.
   */
  'copilot.memories': { sessionId: string; memories: string[] };
  /** Where a caller's media peer registers (the relay) and the session's ICE servers. */
  'call.config': { sessionId: string };
  /**
   * Joins the session's call with a PeerJS id this caller registered on the relay for media
   * (`tcall-` + random). Everyone in the session may call, viewers too.
   */
  'call.join': { sessionId: string; peerId: string } & CallMedia;
  /** The caller's own microphone, camera and screen state, for everyone's tiles. */
  'call.update': { sessionId: string } & Partial<CallMedia>;
  'call.leave': { sessionId: string };
}

/** What a caller sends: its microphone muted, camera off, screen shared. */
export interface CallMedia {
  muted: boolean;
  camera: boolean;
  screen: boolean;
}

/** One person on a session's call. */
export interface CallerInfo extends CallMedia {
  participant: Participant & { color: string };
  /** The PeerJS id its media comes from: only a current caller's id may call another. */
  peerId: string;
  /** When they joined (ISO 8601). */
  since: string;
}

export const CALL_MAX_CALLERS = 9;
/**
 * `tcall-` + 16–64 characters, random so nobody can guess or take it first; letters and digits
 * in runs joined by single `-` or `_`, as PeerJS requires of an id (`invalid-id` otherwise).
 */
export const CALL_PEER_ID = /^tcall-(?=[A-Za-z0-9_-]{16,64}$)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/;

export interface RelayPlace {
  host: string;
  port: number;
  path: string;
  secure: boolean;
}

export type RequestType = keyof RequestMap;

export const COPILOT_ACTIONS = ['catchup', 'changes', 'handoff', 'procedure'] as const;
export type CopilotAction = (typeof COPILOT_ACTIONS)[number];

/** A command the Copilot found that changed state (`true`) or may have (`null`). */
export interface CopilotChange {
  command: string;
  changesState: boolean | null;
  reason: string;
  /** Display names of whoever typed it. */
  typedBy: string[];
  at: string;
  /** Milliseconds into the session's recording, for a replay link. */
  t: number;
  where: string;
}

/**
 * A procedure draft's steps: each command with `<NAME>` placeholders where a value from this
 * session (an address, an interface, a port) should be a parameter, and the start of what it
 * printed.
 */
export interface CopilotProcedure {
  parameters: { name: string; example: string }[];
  steps: { command: string; expected: string[]; changesState: boolean | null }[];
}

/** One answer in a session's Copilot thread, the same for every participant. */
export interface CopilotEntry {
  id: number;
  /** `question`: a free-form question answered by a language model. */
  action: CopilotAction | 'question';
  askedBy: { id: string; name: string };
  at: string;
  title: string;
  markdown: string;
  changes?: CopilotChange[];
  /** Handoff notes: the hypothesis is a person's to write. */
  hypothesis?: string;
  /** Procedure drafts: the steps as data, for "Save as procedure". */
  procedure?: CopilotProcedure;
  /** Replay links point into this recording. */
  recordingId?: string;
  /** A question's text. */
  question?: string;
  /** The language model that drafted this answer (absent: Tandem's own rules wrote it). */
  draftBy?: string;
}

/**
 * Replies that can grow (lists, a recording's index) come in pages, each well under the 1 MiB
 * frame limit: ask without `cursor`, then again with the reply's `next` until it has none.
 */
export interface PageRequest {
  /** The `next` of the previous page; absent for the first. */
  cursor?: string;
  /** Most entries wanted in this page (the agent may send fewer, never more). */
  limit?: number;
}

/** In a paged reply: where the next page starts; absent on the last page. */
export interface PageResult {
  next?: string;
}

/** A page holds at most this many entries… */
export const PAGE_MAX_ENTRIES = 5000;
/** …and at most this many bytes of JSON: two of them would still fit in one frame. */
export const PAGE_MAX_BYTES = 384 * 1024;
/** A `recording.list` entry names at most this many participants (the index has them all). */
export const LIST_MAX_PARTICIPANTS = 50;

export type SessionState = 'connecting' | 'running' | 'disconnected' | 'exited';

/** `off`: this session is not recorded (the setting was off when it opened). */
export type RecordingState = 'on' | 'paused' | 'off';
export type RecordingFormat = 'native' | 'asciicast-v2';
/** `recording.read` returns at most this many bytes of data per reply (frames stay < 1 MiB). */
export const RECORDING_READ_MAX_BYTES = 256 * 1024;

/** Who did something in a session. Local views are `local:<os user>`. */
export interface Participant {
  id: string;
  name: string;
}

/** A person in a session as everyone in it sees them. */
export interface ParticipantInfo extends Participant {
  role: Role;
  /** A colour for avatars and the typing lane, stable per participant. */
  color: string;
  /** Sent input in the last ~1.5 s. */
  typing: boolean;
  /** The owner's own views (the agent's machine). */
  local: boolean;
  /** Waiting in the lobby for the owner to admit them. */
  waiting: boolean;
}

export interface InviteInfo {
  inviteId: string;
  sessionId: string;
  role: Role;
  createdAt: string;
  expiresAt?: string;
  lobby: boolean;
  uses: number;
}

/** What a remote participant gets back from `join`. */
export interface JoinResult {
  /** Public: everyone in the session sees it. Never enough to re-join. */
  participantId: string;
  /**
   * Issued on a first join only, to that connection only: a re-join after a drop presents it
   * with `participantId`. The agent keeps its hash; the browser keeps it in memory.
   */
  rejoinSecret?: string;
  sessionId: string;
  role: Role;
  session: SessionInfo;
}

export interface RecordingInfo {
  recordingId: string;
  sessionId: string;
  name: string;
  device: DeviceDescription;
  participants: Participant[];
  startedAt: string;
  durationMs: number;
  /** Size of the native file. */
  bytes: number;
  /** Still being written (its session is open). */
  live: boolean;
  /** In `recording.list` only: how many more took part than `participants` names. */
  moreParticipants?: number;
}

/** A command an artifact lists: who typed it, when, and whether it changed state. */
export interface ArtifactCommand {
  command: string;
  /** Display names of whoever typed it, first typist first. */
  typedBy: string[];
  at: string;
  /** Milliseconds into the recording, for a replay link. */
  t: number;
  /** `null`: the rules cannot tell, so it may have. */
  changesState: boolean | null;
  reason: string;
  exitCode?: number;
}

/** The start of an artifact, from a recording: the person edits it from here. */
export interface ArtifactDraft {
  recordingId: string;
  sessionId: string;
  name: string;
  device: DeviceDescription;
  startedAt: string;
  durationMs: number;
  participants: { name: string; role?: Role }[];
  /** Markdown: where the session ended up, the errors seen, the last command. */
  summary: string;
  commands: ArtifactCommand[];
  /** More commands ran than one reply holds: this many of the oldest are left out. */
  omittedCommands?: number;
}

/** Where to start replaying: `offset` is the keyframe line; events resume at `eventsOffset`. */
export interface RecordingKeyframe {
  /** Milliseconds since the recording started that the keyframe's screen shows. */
  t: number;
  offset: number;
  eventsOffset: number;
}

export interface RecordingMarker {
  t: number;
  /** `gap`: the device went away or came back (a mark the device made, not a person). */
  kind: 'marker' | 'gap' | 'pause' | 'resume' | 'join' | 'leave' | 'role' | 'end';
  label: string;
}

export interface RecordingIndex extends RecordingInfo {
  cols: number;
  rows: number;
  /** Byte offset of the first event line (just after the header line). */
  eventsOffset: number;
  keyframes: RecordingKeyframe[];
  markers: RecordingMarker[];
}

export interface RecordingSettings {
  /** New sessions are recorded. */
  enabled: boolean;
  maxAgeDays: number | null;
  maxTotalBytes: number | null;
}

export interface SessionInfo {
  sessionId: string;
  name: string;
  device: DeviceDescription;
  state: SessionState;
  cols: number;
  rows: number;
  createdAt: string;
  /** The seq of the newest output chunk. */
  seq: number;
  clients: number;
  recording: RecordingState;
  /** The recording of this session, when it has one. */
  recordingId?: string;
}

export interface SerialPortInfo {
  path: string;
  /** The adapter's maker: its own USB string, else the name of a well-known chip maker. */
  manufacturer?: string;
  /** The adapter's product: its own USB string, else the name of a well-known chip. */
  product?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export interface SshHostAlias {
  alias: string;
  hostName?: string;
  user?: string;
  port?: number;
}

export interface ResultMap {
  /** `pid` only for the user's own views, never for remote participants. */
  hello: { agent: { version: string; pid?: number }; protocol: number; capabilities: string[] };
  'session.open': { sessionId: string };
  'session.list': { sessions: SessionInfo[] } & PageResult;
  'session.attach': {
    session: SessionInfo;
    /** "replay": output events follow from fromSeq; "snapshot": snapshot events come first. */
    mode: 'replay' | 'snapshot';
    /** Output events that follow have seq greater than this. */
    afterSeq: number;
    role: Role;
  };
  'session.detach': Record<string, never>;
  'session.input': Record<string, never>;
  'session.resize': Record<string, never>;
  'session.ack': Record<string, never>;
  'session.break': Record<string, never>;
  'session.close': Record<string, never>;
  /** No target: a device memories cannot attach to (the echo device). */
  'session.target': { target?: DeviceTarget };
  'serial.list': { ports: SerialPortInfo[] };
  'ssh.hosts': { hosts: SshHostAlias[] };
  'agent.stop': Record<string, never>;
  /** `url` takes one socket whose first message is `token` (works once, for `expiresInMs`). */
  'agent.link': { url: string; token: string; expiresInMs: number };
  /**
   * `pending`: sessions are shared through the old relay right now (their links name it); the
   * new one takes over once none is.
   */
  'sharing.configure': { relayUrl: string | null; pending: boolean };
  'recording.pause': { recording: RecordingState };
  'recording.resume': { recording: RecordingState };
  'recording.mark': Record<string, never>;
  'recording.list': { recordings: RecordingInfo[] } & PageResult;
  /**
   * One page of the index: the scalar fields, and the next slices of `keyframes`, `markers` and
   * `participants` (in that order; each page continues where the last stopped).
   */
  'recording.index': RecordingIndex & PageResult;
  'recording.read': {
    data: string;
    /** Pass as the next `offset`; equal to the native file size at the end. */
    nextOffset: number;
    /** No more data now (a live recording may still grow). */
    eof: boolean;
  };
  'recording.delete': Record<string, never>;
  'artifact.draft': ArtifactDraft;
  'recording.settings': RecordingSettings;
  'invite.create': { invite: InviteInfo; url: string };
  'invite.list': { invites: InviteInfo[] } & PageResult;
  'invite.revoke': Record<string, never>;
  'participant.setRole': Record<string, never>;
  'participant.remove': Record<string, never>;
  'lobby.admit': Record<string, never>;
  'keyboard.request': Record<string, never>;
  'keyboard.decline': Record<string, never>;
  'chat.send': Record<string, never>;
  'copilot.ask': { entry: CopilotEntry };
  /** `model`: the language model questions go to, when one is configured. */
  'copilot.thread': { entries: CopilotEntry[]; enabled: boolean; model?: string };
  'copilot.set': { enabled: boolean };
  'copilot.preview': {
    /** Where it would go (no credentials) and to which model. */
    endpoint: string;
    model: string;
    messages: { role: 'system' | 'user'; content: string }[];
    /** Secrets replaced, by kind. */
    redacted: Record<string, number>;
    /** The asker already agreed in this session. */
    consented: boolean;
  };
  'copilot.question': { entry: CopilotEntry };
  'copilot.memories': Record<string, never>;
  /** `relay` only for the owner's own views: a remote participant uses the relay it came from. */
  'call.config': {
    relay?: RelayPlace;
    iceServers: IceServerConfig[];
    /** "relay": media only through TURN, so callers never learn each other's addresses. */
    iceTransportPolicy?: 'relay';
  };
  'call.join': { callers: CallerInfo[] };
  'call.update': Record<string, never>;
  'call.leave': Record<string, never>;
}

export interface TeamSharing {
  relayUrl: string;
  displayName: string;
  iceServers: IceServerConfig[];
  /**
   * The member token: the agent redeems joining teammates' tickets with it (their member name
   * and colour, and their removal) and never sends it anywhere but `relayUrl`.
   */
  token: string;
  /**
   * "relay": the team relay wants every call through its TURN servers (no caller learns
   * another's address); the agent's own `callPolicy: "relay"` holds either way.
   */
  icePolicy?: 'all' | 'relay';
}

export interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** A request as it travels: the envelope plus its fields. `id` asks for a reply. */
export type Request<T extends RequestType = RequestType> = {
  [K in T]: { v: 1; type: K; id?: number } & RequestMap[K];
}[T];

/* ------------------------------------------------------------------ replies */

export type Reply =
  | { v: 1; type: 'reply'; id: number | null; ok: true; result: unknown }
  | { v: 1; type: 'reply'; id: number | null; ok: false; error: ErrorBody };

/* ------------------------------------------------------------------- events */

export interface EventMap {
  'session.output': { sessionId: string; seq: number; data: string };
  /** Screen + scrollback as terminal data, in chunks; `seq` is the last output it covers. */
  'session.snapshot': {
    sessionId: string;
    seq: number;
    cols: number;
    rows: number;
    data: string;
    final: boolean;
  };
  'session.state': { sessionId: string; state: SessionState; message?: string };
  'session.exit': { sessionId: string; code?: number; reason: string };
  /** Sent to every view when recording starts, pauses or resumes (and right after attach). */
  'session.recording': {
    sessionId: string;
    state: RecordingState;
    recordingId?: string;
    /** Who changed it; absent when the recording started with the session. */
    by?: Participant;
    /**
     * Set when recording stopped by itself (state `off`): why, as a banner for everyone, e.g.
     * "Recording stopped: the disk is full". The terminal carries on unrecorded.
     */
    stopped?: string;
  };
  /** Everyone in the session, on every change (join, leave, role, typing, lobby). */
  'session.participants': { sessionId: string; participants: ParticipantInfo[] };
  /** The device size, which follows whoever holds the keyboard. */
  'session.size': { sessionId: string; cols: number; rows: number };
  'session.chat': { sessionId: string; from: ParticipantInfo; text: string; at: string };
  /** A new answer in the session's Copilot thread, sent to every view. */
  'session.copilot': { sessionId: string; entry: CopilotEntry };
  /** A model's answer as it streams: the text so far (the final one comes as session.copilot). */
  'session.copilotDraft': {
    sessionId: string;
    draftId: string;
    question: string;
    askedBy: { id: string; name: string };
    model: string;
    text: string;
  };
  /** The owner turned the Copilot off or on, sent to every view. */
  'session.copilotState': { sessionId: string; enabled: boolean; by: ParticipantInfo };
  /** Everyone on the session's call, on every change; empty when the call is over. */
  'session.call': { sessionId: string; callers: CallerInfo[] };
  /** Things people should be told: joins, leaves, role changes, keyboard requests. */
  'session.notice': {
    sessionId: string;
    kind:
      'joined' | 'left' | 'role' | 'removed' | 'keyboard-request' | 'keyboard-declined' | 'lobby';
    participant: ParticipantInfo;
    text: string;
  };
}

export type EventType = keyof EventMap;

export type AgentEvent<T extends EventType = EventType> = {
  [K in T]: { v: 1; type: K } & EventMap[K];
}[T];

/** Anything the agent sends to a client. */
export type AgentMessage = Reply | AgentEvent;

export function okReply(id: number | null, result: unknown): Reply {
  return { v: 1, type: 'reply', id, ok: true, result };
}

export function errorReply(id: number | null, error: ErrorBody): Reply {
  return { v: 1, type: 'reply', id, ok: false, error };
}

export function event<K extends EventType>(type: K, body: EventMap[K]): AgentEvent<K> {
  return { v: 1, type, ...body } as AgentEvent<K>;
}

/**
 * Over a data connection only, every PING_INTERVAL_MS: the agent is alive. A data channel whose
 * far end froze or vanished says nothing for ~30 s (ICE's timeout); a missed ping says so in
 * seconds, and the participant re-joins. Any message counts as a sign of life.
 */
export interface LinkPing {
  v: 1;
  type: 'link.ping';
  intervalMs: number;
}

export const PING_INTERVAL_MS = 1000;
/** Silence after which a participant takes the agent for gone (well within 3 s). */
export const PING_TIMEOUT_MS = 2200;
/**
 * Participants ping back at the same pace. Silence this long from one that has pinged means its
 * browser crashed or its network went: the agent lets the connection go, with what was queued
 * for it. Longer than the other way round: a background tab's timers may run late.
 */
export const PARTICIPANT_SILENCE_MS = 10_000;

export function isLinkPing(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && 'type' in value && value.type === 'link.ping'
  );
}

export function linkPing(): LinkPing {
  return { v: 1, type: 'link.ping', intervalMs: PING_INTERVAL_MS };
}
