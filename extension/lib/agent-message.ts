import { ERROR_CODES } from '../../protocol/errors.js';
import type { AgentEvent, ErrorBody, EventType } from '../../protocol/index.js';

/** What can arrive on the native port, after the ingress check. */
export type IncomingMessage =
  | { type: 'reply'; id: number | null; ok: true; result: unknown }
  | { type: 'reply'; id: number | null; ok: false; error: ErrorBody }
  | { type: 'event'; event: AgentEvent };

const EVENT_TYPES: readonly EventType[] = [
  'session.output',
  'session.snapshot',
  'session.state',
  'session.exit',
  // Recording: the banner on start, pause and resume.
  'session.recording',
  // Sharing: presence, the device size, chat and notices.
  'session.participants',
  'session.size',
  'session.chat',
  'session.notice',
  // The Copilot: an answer joins the session's thread in every view.
  'session.copilot',
  'session.copilotDraft',
  'session.copilotState',
  // Calls: who is on the session's call.
  'session.call',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    isRecord(value) &&
    typeof value.message === 'string' &&
    ERROR_CODES.some((code) => code === value.code)
  );
}

function isEventType(value: unknown): value is EventType {
  return EVENT_TYPES.some((type) => type === value);
}

/**
 * Ingress check for the agent's messages. The agent is the user's own process, so this checks
 * the envelope and the fields the background routes on; bodies are the protocol's types.
 */
export function parseAgentMessage(value: unknown): IncomingMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.type === 'reply') {
    const id = typeof value.id === 'number' ? value.id : null;
    if (value.ok === true) return { type: 'reply', id, ok: true, result: value.result };
    if (value.ok === false && isErrorBody(value.error)) {
      return { type: 'reply', id, ok: false, error: value.error };
    }
    return undefined;
  }
  if (isEventType(value.type) && typeof value.sessionId === 'string') {
    // The agent's events are the protocol's EventMap bodies; only the routing fields are checked.
    return { type: 'event', event: value as unknown as AgentEvent };
  }
  return undefined;
}
