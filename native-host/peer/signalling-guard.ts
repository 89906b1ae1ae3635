/**
 * What reaches the agent's PeerJS from the relay is written by whoever knows its peer id —
 * that is, anyone holding a link. PeerJS trusts it: an OFFER with an unknown `serialization`
 * makes it call `new undefined(...)` and throw inside the socket's message handler, which
 * kills the process. So every signalling message is checked here before PeerJS sees it, and
 * one that this agent would never act on is dropped (and logged by the caller).
 *
 * Beyond shapes: the agent never offers a connection, so an ANSWER is never one it asked for;
 * and a CANDIDATE for a connection PeerJS does not hold would be kept forever (PeerJS stores
 * such "lost messages" in case an OFFER follows, without a limit), so a flood of them with
 * made-up connection ids would grow the process without bound. Both are dropped. An ERROR
 * from the relay without `payload.msg` made PeerJS throw reading it.
 */
import { z } from 'zod';

const description = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().max(64_000) });

const candidate = z.object({
  candidate: z.string().max(1000),
  sdpMid: z.string().max(16).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullish(),
  usernameFragment: z.string().max(256).nullish(),
});

const connectionId = z.string().min(1).max(64);
const peerId = z.string().min(1).max(128);

/** Only data connections in the raw serialization Tandem speaks: the agent takes no calls. */
const offer = z.object({
  type: z.literal('OFFER'),
  src: peerId,
  payload: z
    .object({
      type: z.literal('data'),
      serialization: z.literal('raw'),
      connectionId,
      sdp: description,
      reliable: z.boolean().optional(),
      label: z.string().max(64).optional(),
      metadata: z.unknown().optional(),
    })
    .loose(),
});

const ice = z.object({
  type: z.literal('CANDIDATE'),
  src: peerId,
  payload: z.object({ type: z.literal('data'), connectionId, candidate }).loose(),
});

const fromPeer = z.object({ type: z.enum(['LEAVE', 'EXPIRE']), src: peerId });

/** What the relay itself says: registration, keep-alive and errors. */
const fromRelay = z.object({
  type: z.enum(['OPEN', 'ID-TAKEN', 'INVALID-KEY', 'HEARTBEAT']),
});
const relayError = z.object({
  type: z.literal('ERROR'),
  payload: z.object({ msg: z.string().max(1000) }).loose(),
});

const signalling = z.union([offer, ice, fromPeer, fromRelay, relayError]);

/** Whether PeerJS holds this connection of this remote peer (PeerJS's `getConnection`). */
export type KnownConnection = (peer: string, connectionId: string) => boolean;

/** Why a signalling message is dropped, or undefined when PeerJS may have it. */
export function refuseSignalling(message: unknown, known: KnownConnection): string | undefined {
  const parsed = signalling.safeParse(message);
  if (parsed.success) {
    const value = parsed.data;
    if (value.type === 'CANDIDATE' && !known(value.src, value.payload.connectionId)) {
      return 'CANDIDATE for no connection';
    }
    return undefined;
  }
  const type =
    typeof message === 'object' && message !== null && 'type' in message
      ? String(message.type).slice(0, 32)
      : typeof message;
  return `unexpected ${type} message`;
}

interface Emitter {
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * Puts the check between PeerJS's signalling socket and PeerJS: the socket emits each parsed
 * server message as a `message` event, which is where the check sits.
 */
export function guardSignalling(
  socket: Emitter,
  known: KnownConnection,
  dropped: (reason: string) => void,
): void {
  const emit = socket.emit.bind(socket);
  socket.emit = (event: string, ...args: unknown[]): boolean => {
    if (event === 'message') {
      const reason = refuseSignalling(args[0], known);
      if (reason !== undefined) {
        dropped(reason);
        return false;
      }
    }
    return emit(event, ...args);
  };
}
