import type {
  AgentEvent,
  RelayPlace,
  RequestMap,
  RequestType,
  ResultMap,
} from '../../protocol/index.js';

/**
 * What a session's view needs from whatever carries it: the background port for local
 * sessions (ViewClient), a PeerJS data connection for joined ones (PeerLink).
 */
export interface SessionTransport {
  request<K extends RequestType>(
    type: K,
    fields: RequestMap[K],
    timeoutMs?: number,
  ): Promise<ResultMap[K]>;
  notify(
    type: 'session.ack' | 'session.input',
    fields: { sessionId: string } & Record<string, unknown>,
  ): void;
  /**
   * The relay a joined session came through: its callers register there. Undefined for the
   * agent's own sessions (the agent names its relay in call.config).
   */
  readonly callRelay?: RelayPlace;
  /** Every event that reaches this transport; returns the unsubscribe. */
  onEvent(listener: (event: AgentEvent) => void): () => void;
}
