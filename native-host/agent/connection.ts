import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  FrameDecoder,
  MAX_FRAME_BYTES,
  errorReply,
  type AgentMessage,
  type ErrorBody,
  type Participant,
  type Role,
} from '../../protocol/index.js';
import type { Logger } from '../log.js';
import type { Agent } from './agent.js';
import { localParticipant, outputEventJson, type ClientLink } from './link.js';

/** A client that stops reading its connection past this many queued bytes is cut off. */
export const MAX_UNREAD_BYTES = 32 * 1024 * 1024;

/**
 * The link of a connection that carries the protocol's JSON messages: `write` puts one
 * message's JSON text on the wire (its framing is the transport's). Output events are built
 * from their already-escaped data, the hot path.
 */
export function jsonLink(
  options: { role: Role; local: boolean; participant?: Participant; close?: () => void },
  write: (json: string, type: string) => void,
): ClientLink {
  return {
    id: randomUUID(),
    role: options.role,
    local: options.local,
    participant: options.participant ?? localParticipant(),
    send: (message: AgentMessage) => write(JSON.stringify(message), message.type),
    sendOutput: (sessionId, seq, json) =>
      write(outputEventJson(sessionId, seq, json), 'session.output'),
    ...(options.close === undefined ? {} : { close: options.close }),
  };
}

/** encodeFrame with one copy instead of two: this is the output hot path. */
function encodeJsonFrame(json: string): Buffer | undefined {
  const length = Buffer.byteLength(json);
  if (length > MAX_FRAME_BYTES) return undefined;
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32LE(length, 0);
  frame.write(json, 4);
  return frame;
}

/**
 * Serves one framed byte stream (the agent socket; the host shim pipes Chrome's stdio into it).
 * Everything that arrives is validated here; a bad message gets an error reply, never a hang-up.
 */
export function serveConnection(
  agent: Agent,
  stream: Duplex,
  options: { role: Role; local: boolean; logger: Logger; participant?: Participant },
): ClientLink {
  const { logger } = options;
  const decoder = new FrameDecoder();
  const write = (json: string, type: string): void => {
    if (stream.destroyed || !stream.writable) return;
    const frame = encodeJsonFrame(json);
    if (frame === undefined) {
      logger.error('frame.too_large', { type });
      return;
    }
    stream.write(frame);
    if (stream.writableLength > MAX_UNREAD_BYTES) {
      logger.warn('client.not_reading', { client: link.id, bytes: stream.writableLength });
      stream.destroy();
    }
  };
  const link = jsonLink(options, write);
  logger.info('client.connected', { client: link.id, role: link.role });
  const handle = agent.handlerFor(link);

  stream.on('data', (data: Buffer) => {
    for (const frame of decoder.push(data)) {
      switch (frame.kind) {
        case 'message':
          handle(frame.value);
          break;
        case 'malformed':
          link.send(errorReply(null, { code: 'bad_request', message: frame.reason }));
          break;
        case 'too_large':
          // The length is all we know, and it may be garbage: what follows cannot be framed.
          logger.warn('client.frame_too_large', { client: link.id, bytes: frame.bytes });
          link.send(errorReply(null, tooLarge(frame.bytes)));
          stream.end();
          // A client that keeps writing and never closes its end still loses the socket.
          setTimeout(() => stream.destroy(), 1000).unref();
          break;
      }
    }
  });
  stream.on('error', (error) =>
    logger.warn('client.error', { client: link.id, error: error.message }),
  );
  stream.on('close', () => {
    logger.info('client.disconnected', { client: link.id });
    agent.disconnect(link);
  });
  return link;
}

export function tooLarge(bytes: number): ErrorBody {
  return {
    code: 'too_large',
    message: `A frame of ${bytes} bytes is over the ${MAX_FRAME_BYTES}-byte limit — the agent closes this connection; reconnect and send smaller messages`,
  };
}
