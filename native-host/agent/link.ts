import os from 'node:os';
import type { AgentMessage, Participant, Role } from '../../protocol/index.js';

/**
 * One connected client as the agent sees it: stamped at ingress with who it is and its role.
 * Messages never name their own sender.
 */
export interface ClientLink {
  readonly id: string;
  /** Mutable: the owner can change a participant's role live. */
  role: Role;
  /**
   * Who is behind the connection, for attribution (recordings, typing). Several links (side
   * panel, popup) may be the same participant. Local links are `local:<os user>`.
   */
  readonly participant: Participant;
  /** A team member's own avatar colour, from their relay; others get one nobody present has. */
  readonly color?: string;
  /** The user's own views (socket/native host). Only these may pause a device for flow control. */
  readonly local: boolean;
  send(message: AgentMessage): void;
  /**
   * The hot path: a `session.output` event whose data is already a JSON string literal.
   * Equivalent to send(event('session.output', …)); links that lack it get send().
   */
  sendOutput?(sessionId: string, seq: number, json: string): void;
  /** Remote participants reach only the session they were invited to. */
  readonly scope?: string;
  /** Bytes queued towards a remote participant and not yet sent. */
  backlog?(): number;
  /** Hangs up on the client (removed participant, ended session). */
  close?(): void;
}

/** The local user: whoever can open the agent socket. */
export function localParticipant(): Participant {
  let name = process.env.USER ?? 'local';
  try {
    name = os.userInfo().username;
  } catch {
    // no passwd entry: keep $USER
  }
  return { id: `local:${name}`, name };
}

/**
 * The JSON text of a `session.output` event whose data is already a JSON string literal: the
 * same bytes as JSON.stringify(event('session.output', …)), with the data escaped only once.
 */
export function outputEventJson(sessionId: string, seq: number, json: string): string {
  return `{"v":1,"type":"session.output","sessionId":${JSON.stringify(sessionId)},"seq":${seq},"data":${json}}`;
}
