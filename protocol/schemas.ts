/**
 * Runtime schemas, used only at ingress (host stdin, agent socket, peer data, relay sockets).
 * Inside a component, messages that passed here are trusted types.
 */
import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import {
  CALL_PEER_ID,
  COPILOT_ACTIONS,
  COPILOT_MAX_MEMORIES,
  MEMORY_MAX_CHARS,
  PAGE_MAX_ENTRIES,
  PROTOCOL_VERSION,
  type Request,
  type RequestType,
} from './messages.js';
import { ROLES } from './roles.js';
import { iceServersSchema } from './team.js';

const sessionId = z.string().min(1).max(64);
const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(1000);
const empty = z.object({}).strict();
/** `cursor`/`limit` of a paged request (see PageRequest). */
const page = {
  cursor: z.string().min(1).max(256).optional(),
  limit: z.number().int().min(1).max(PAGE_MAX_ENTRIES).optional(),
};
const participantId = z.string().min(1).max(128);
const role = z.enum(ROLES);
/** Recording ids name files, so they are restricted to a safe alphabet. */
const recordingId = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'a recording id is letters, digits and dashes');

const sshAuth = z.discriminatedUnion('method', [
  z.object({ method: z.literal('agent') }),
  z.object({
    method: z.literal('key'),
    path: z.string().min(1).max(4096),
    passphrase: z.string().max(1024).optional(),
  }),
  z.object({ method: z.literal('password'), password: z.string().max(1024) }),
  z.object({
    method: z.literal('keyboard-interactive'),
    responses: z.array(z.string().max(1024)).max(16),
  }),
]);

const deviceSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('pty'),
    shell: z.string().min(1).max(4096).optional(),
    args: z.array(z.string().max(4096)).max(64).optional(),
    cwd: z.string().min(1).max(4096).optional(),
  }),
  z.object({
    kind: z.literal('ssh'),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1).max(255).optional(),
    auth: sshAuth,
    acceptHostKey: z.string().min(1).max(128).optional(),
  }),
  z.object({
    kind: z.literal('serial'),
    path: z.string().min(1).max(4096),
    baudRate: z.number().int().min(50).max(16_000_000),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).optional(),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).optional(),
    stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).optional(),
    flowControl: z.enum(['none', 'rtscts', 'xonxoff']).optional(),
    dtr: z.boolean().optional(),
    rts: z.boolean().optional(),
    lineEnding: z.enum(['cr', 'lf', 'crlf']).optional(),
    localEcho: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('echo') }),
]);

const bodies = {
  hello: z.object({
    client: z.object({ name: z.string().min(1).max(128), version: z.string().max(64).optional() }),
    protocol: z.number().int(),
  }),
  'session.open': z.object({
    device: deviceSpec,
    cols,
    rows,
    name: z.string().max(128).optional(),
    record: z.boolean().optional(),
  }),
  'session.list': z.object(page).strict(),
  'session.attach': z.object({ sessionId, fromSeq: z.number().int().min(0).optional() }),
  'session.detach': z.object({ sessionId }),
  'session.input': z.object({
    sessionId,
    data: z.string().max(256 * 1024),
    secret: z.boolean().optional(),
  }),
  'session.resize': z.object({ sessionId, cols, rows }),
  'session.ack': z.object({ sessionId, chars: z.number().int().min(0) }),
  'session.break': z.object({
    sessionId,
    durationMs: z.number().int().min(1).max(5000).optional(),
  }),
  'session.close': z.object({ sessionId }),
  'session.target': z.object({ sessionId }),
  'serial.list': z
    .object({ paths: z.array(z.string().min(1).max(4096)).max(32).optional() })
    .strict(),
  'ssh.hosts': empty,
  'agent.stop': empty,
  'agent.link': empty,
  'sharing.configure': z
    .object({
      team: z
        .object({
          relayUrl: z
            .string()
            .max(2048)
            .regex(
              /^https?:\/\/[^/?#\s]+\/?$/,
              'an http(s) origin such as https://relay.example.com',
            ),
          displayName: z.string().trim().min(1).max(64),
          token: z.string().min(1).max(256),
          iceServers: iceServersSchema,
          icePolicy: z.enum(['all', 'relay']).optional(),
        })
        .strict()
        .nullable(),
    })
    .strict(),
  'recording.pause': z.object({ sessionId }),
  'recording.resume': z.object({ sessionId }),
  'recording.mark': z.object({ sessionId, label: z.string().max(200) }),
  'recording.list': z.object(page).strict(),
  'recording.index': z.object({ recordingId, ...page }),
  'recording.read': z.object({
    recordingId,
    format: z.enum(['native', 'asciicast-v2']),
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    length: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  }),
  'recording.delete': z.object({ recordingId }),
  'artifact.draft': z.object({ recordingId }),
  'recording.settings': z
    .object({
      enabled: z.boolean().optional(),
      maxAgeDays: z.number().min(0).max(100_000).nullable().optional(),
      maxTotalBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    })
    .strict(),
  'invite.create': z.object({
    sessionId,
    role,
    ttlMs: z
      .number()
      .int()
      .min(1000)
      .max(30 * 24 * 3600 * 1000)
      .optional(),
    lobby: z.boolean().optional(),
  }),
  'invite.list': z.object({ sessionId, ...page }),
  'invite.revoke': z.object({
    inviteId: z.string().min(1).max(64),
    disconnect: z.boolean().optional(),
  }),
  'participant.setRole': z.object({ sessionId, participantId, role }),
  'participant.remove': z.object({
    sessionId,
    participantId,
    revokeInvite: z.boolean().optional(),
  }),
  'lobby.admit': z.object({ sessionId, participantId, admit: z.boolean() }),
  'keyboard.request': z.object({ sessionId }),
  'keyboard.decline': z.object({ sessionId, participantId }),
  'chat.send': z.object({ sessionId, text: z.string().trim().min(1).max(2000) }),
  'copilot.ask': z.object({
    sessionId,
    action: z.enum(COPILOT_ACTIONS),
    lines: z.number().int().min(1).max(10_000).optional(),
  }),
  'copilot.thread': z.object({ sessionId }),
  'copilot.set': z.object({ sessionId, enabled: z.boolean() }),
  'copilot.preview': z.object({ sessionId, question: z.string().trim().min(1).max(2000) }),
  'copilot.memories': z.object({
    sessionId,
    memories: z.array(z.string().max(MEMORY_MAX_CHARS)).max(COPILOT_MAX_MEMORIES),
  }),
  'copilot.question': z.object({
    sessionId,
    question: z.string().trim().min(1).max(2000),
    consent: z.boolean().optional(),
  }),
  'call.config': z.object({ sessionId }),
  'call.join': z.object({
    sessionId,
    peerId: z
      .string()
      .regex(CALL_PEER_ID, 'a call peer id is tcall- and 16 to 64 random characters'),
    muted: z.boolean(),
    camera: z.boolean(),
    screen: z.boolean(),
  }),
  'call.update': z.object({
    sessionId,
    muted: z.boolean().optional(),
    camera: z.boolean().optional(),
    screen: z.boolean().optional(),
  }),
  'call.leave': z.object({ sessionId }),
} satisfies Record<RequestType, z.ZodType>;

const envelope = z.object({
  v: z.unknown(),
  type: z.string().max(64),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export type ParsedRequest =
  { ok: true; request: Request } | { ok: false; id: number | null; error: ErrorBody };

function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(bodies, type);
}

/** Turns whatever arrived into a typed request, or the error to reply with. */
export function parseRequest(value: unknown): ParsedRequest {
  const head = envelope.safeParse(value);
  if (!head.success) {
    const id = rawId(value);
    return fail(id, 'message must be an object with a string "type" (and integer "id")');
  }
  const { v, type, id } = head.data;
  const replyId = id ?? null;
  if (v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      id: replyId,
      error: {
        code: 'unsupported_version',
        message: `protocol version ${String(v)} is not supported; this agent speaks v${PROTOCOL_VERSION} — update the extension and the agent together`,
      },
    };
  }
  if (!isRequestType(type)) return fail(replyId, `unknown message type "${type}"`);
  const { v: _v, type: _t, id: _i, ...fields } = value as Record<string, unknown>;
  const body = bodies[type].safeParse(fields);
  if (!body.success) {
    const issue = body.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    return fail(replyId, `invalid "${type}"${where}: ${issue?.message ?? 'bad fields'}`);
  }
  const request = { v: PROTOCOL_VERSION, type, ...(id === undefined ? {} : { id }), ...body.data };
  return { ok: true, request: request as Request };
}

function rawId(value: unknown): number | null {
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const id = value.id;
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  }
  return null;
}

function fail(id: number | null, message: string): ParsedRequest {
  return { ok: false, id, error: { code: 'bad_request', message } };
}
