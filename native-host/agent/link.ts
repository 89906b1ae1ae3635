import type { AgentMessage, Role } from '../../protocol/index.js';

/**
 * One connected client as the agent sees it: stamped at ingress with who it is and its role.
 * Messages never name their own sender.
 */
export interface ClientLink {
  readonly id: string;
  readonly role: Role;
  /** The user's own views (socket/native host). Only these may pause a device for flow control. */
  readonly local: boolean;
  send(message: AgentMessage): void;
}
