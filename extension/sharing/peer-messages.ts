/**
 * Ingress check for what arrives from a remote agent over a data connection. Another person's
 * machine sends these, so every field the views use is validated here, once; inside, they are
 * the protocol's types.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../../protocol/errors.js';
import { CALL_MAX_CALLERS, CALL_PEER_ID, COPILOT_ACTIONS } from '../../protocol/messages.js';
import type { AgentEvent, ErrorDetails, JoinResult, ResultMap } from '../../protocol/index.js';
import { ROLES } from '../../protocol/roles.js';

const text = z.string().max(64 * 1024 + 16);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const size = z.number().int().min(1).max(1000);
const sessionId = z.string().min(1).max(64);
const role = z.enum(ROLES);
const sessionState = z.enum(['connecting', 'running', 'disconnected', 'exited']);
const recordingState = z.enum(['on', 'paused', 'off']);

const participant = z.object({
  id: z.string().min(1).max(128),
  name: z.string().max(128),
  role,
  color: z.string().regex(/^#[0-9a-fA-F]{3,8}$/),
  typing: z.boolean(),
  local: z.boolean(),
  waiting: z.boolean(),
});

const sessionInfo = z.object({
  sessionId,
  name: z.string().max(256),
  device: z.object({ kind: z.enum(['pty', 'ssh', 'serial', 'echo']), label: z.string().max(512) }),
  state: sessionState,
  cols: size,
  rows: size,
  createdAt: z.string().max(64),
  seq: count,
  clients: count,
  recording: recordingState,
  recordingId: z.string().max(64).optional(),
});

/** A caller as another person's agent describes it: its peer id is what this page will accept. */
const caller = z.object({
  participant: z.object({
    id: z.string().min(1).max(128),
    name: z.string().max(128),
    color: z.string().regex(/^#[0-9a-fA-F]{3,8}$/),
  }),
  peerId: z.string().regex(CALL_PEER_ID),
  muted: z.boolean(),
  camera: z.boolean(),
  screen: z.boolean(),
  since: z.string().max(64),
});
const callers = z.array(caller).max(CALL_MAX_CALLERS);
const iceServer = z.object({
  urls: z.union([z.string().max(512), z.array(z.string().max(512)).max(8)]),
  username: z.string().max(512).optional(),
  credential: z.string().max(512).optional(),
});

const copilotAction = z.enum(COPILOT_ACTIONS);
const copilotEntry = z.object({
  id: count,
  action: z.union([copilotAction, z.literal('question')]),
  askedBy: z.object({ id: z.string().max(128), name: z.string().max(128) }),
  at: z.string().max(64),
  title: z.string().max(1000),
  markdown: z.string().max(64 * 1024),
  changes: z
    .array(
      z.object({
        command: z.string().max(4000),
        changesState: z.boolean().nullable(),
        reason: z.string().max(1000),
        typedBy: z.array(z.string().max(128)).max(100),
        at: z.string().max(64),
        t: z.number().min(0),
        where: z.string().max(1000),
      }),
    )
    .max(500)
    .optional(),
  hypothesis: z
    .string()
    .max(64 * 1024)
    .optional(),
  recordingId: z.string().max(64).optional(),
  question: z.string().max(2000).optional(),
  draftBy: z.string().max(200).optional(),
});

const event = z.discriminatedUnion('type', [
  z.object({
    v: z.literal(1),
    type: z.literal('session.output'),
    sessionId,
    seq: count,
    data: text,
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.snapshot'),
    sessionId,
    seq: count,
    cols: size,
    rows: size,
    data: z.string().max(1024 * 1024),
    final: z.boolean(),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.state'),
    sessionId,
    state: sessionState,
    message: z.string().max(1000).optional(),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.exit'),
    sessionId,
    code: z.number().int().optional(),
    reason: z.string().max(1000),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.participants'),
    sessionId,
    participants: z.array(participant).max(500),
  }),
  z.object({ v: z.literal(1), type: z.literal('session.size'), sessionId, cols: size, rows: size }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.chat'),
    sessionId,
    from: participant,
    text: z.string().max(4000),
    at: z.string().max(64),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.recording'),
    sessionId,
    state: recordingState,
    recordingId: z.string().max(64).optional(),
    by: z.object({ id: z.string().min(1).max(128), name: z.string().max(128) }).optional(),
    stopped: z.string().max(1000).optional(),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.notice'),
    sessionId,
    kind: z.enum([
      'joined',
      'left',
      'role',
      'removed',
      'keyboard-request',
      'keyboard-declined',
      'lobby',
    ]),
    participant,
    text: z.string().max(1000),
  }),
  z.object({ v: z.literal(1), type: z.literal('session.copilot'), sessionId, entry: copilotEntry }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.copilotDraft'),
    sessionId,
    draftId: z.string().max(64),
    question: z.string().max(2000),
    askedBy: z.object({ id: z.string().max(128), name: z.string().max(128) }),
    model: z.string().max(200),
    text: z.string().max(64 * 1024),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('session.copilotState'),
    sessionId,
    enabled: z.boolean(),
    by: participant,
  }),
  z.object({ v: z.literal(1), type: z.literal('session.call'), sessionId, callers }),
]);

const reply = z.object({
  v: z.literal(1),
  type: z.literal('reply'),
  id: z.number().int().nullable(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z
    .object({
      code: z.enum(ERROR_CODES),
      message: z.string().max(2000),
      // What a client may act on (e.g. needsConsent): small scalars only.
      details: z
        .record(
          z.string().max(64),
          z.union([
            z.string().max(1000),
            z.number(),
            z.boolean(),
            z.array(z.string().max(1000)).max(50),
          ]),
        )
        .optional(),
    })
    .optional(),
});

export type PeerMessage =
  | { kind: 'event'; event: AgentEvent }
  | { kind: 'reply'; id: number | null; ok: true; result: unknown }
  | {
      kind: 'reply';
      id: number | null;
      ok: false;
      code: string;
      message: string;
      details?: ErrorDetails;
    };

/** Undefined for anything this side does not understand (it is ignored, not trusted). */
export function parsePeerMessage(value: unknown): PeerMessage | undefined {
  const asReply = reply.safeParse(value);
  if (asReply.success) {
    const r = asReply.data;
    if (r.ok) return { kind: 'reply', id: r.id, ok: true, result: r.result };
    return {
      kind: 'reply',
      id: r.id,
      ok: false,
      code: r.error?.code ?? 'internal',
      message: r.error?.message ?? 'The other side refused the request',
      ...(r.error?.details === undefined ? {} : { details: r.error.details }),
    };
  }
  const asEvent = event.safeParse(value);
  return asEvent.success ? { kind: 'event', event: asEvent.data } : undefined;
}

const empty = z
  .object({})
  .passthrough()
  .transform(() => ({}));

/** Results a remote participant reads, checked like events. */
export const RESULT_SCHEMAS = {
  'session.attach': z.object({
    session: sessionInfo,
    mode: z.enum(['replay', 'snapshot']),
    afterSeq: count,
    role,
  }),
  'session.list': z.object({ sessions: z.array(sessionInfo).max(100) }),
  'session.detach': empty,
  'session.input': empty,
  'session.resize': empty,
  'session.ack': empty,
  'participant.setRole': empty,
  'participant.remove': empty,
  'lobby.admit': empty,
  'keyboard.request': empty,
  'keyboard.decline': empty,
  'chat.send': empty,
  'copilot.ask': z.object({ entry: copilotEntry }),
  'copilot.thread': z.object({
    entries: z.array(copilotEntry).max(500),
    enabled: z.boolean(),
    model: z.string().max(200).optional(),
  }),
  'copilot.set': z.object({ enabled: z.boolean() }),
  'copilot.preview': z.object({
    endpoint: z.string().max(2000),
    model: z.string().max(200),
    messages: z
      .array(
        z.object({
          role: z.enum(['system', 'user']),
          content: z.string().max(512 * 1024),
        }),
      )
      .max(4),
    redacted: z.record(z.string().max(64), count),
    consented: z.boolean(),
  }),
  'copilot.question': z.object({ entry: copilotEntry }),
  // A remote participant registers on the relay it came from: a relay named here is ignored.
  'call.config': z.object({
    iceServers: z.array(iceServer).max(16),
    iceTransportPolicy: z.literal('relay').optional(),
  }),
  'call.join': z.object({ callers }),
  'call.update': empty,
  'call.leave': empty,
  'recording.pause': z.object({ recording: recordingState }),
  'recording.resume': z.object({ recording: recordingState }),
} satisfies { [K in keyof ResultMap]?: z.ZodType<ResultMap[K]> };

export type RemoteRequestType = keyof typeof RESULT_SCHEMAS;

export const joinResult: z.ZodType<JoinResult> = z.object({
  participantId: z.string().min(1).max(128),
  rejoinSecret: z.string().min(1).max(128).optional(),
  sessionId,
  role,
  session: sessionInfo,
});
