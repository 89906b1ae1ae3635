/**
 * What views (side panel, later popup and popout) and the background worker say to each other
 * over a `chrome.runtime` port named VIEW_PORT_NAME. The background owns the one native port.
 */
import type {
  AgentEvent,
  ErrorCode,
  ErrorDetails,
  RequestMap,
  RequestType,
} from '../../protocol/index.js';

export const VIEW_PORT_NAME = 'tandem-view';

/** Codes a view can see: the agent's, plus the link's own failures. */
export type LinkErrorCode = ErrorCode | 'agent_unreachable' | 'timeout';

export interface LinkErrorBody {
  code: LinkErrorCode;
  message: string;
  details?: ErrorDetails;
}

export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'not_installed';

export interface LinkStatus {
  state: LinkState;
  /** What went wrong and what to do next, when not connected. */
  message?: string;
  agentVersion?: string;
  /** When the next automatic retry happens (ms since epoch), while disconnected. */
  retryAt?: number;
}

export type ViewToBackground =
  | {
      kind: 'request';
      id: number;
      type: RequestType;
      fields: RequestMap[RequestType];
      timeoutMs?: number;
    }
  | {
      kind: 'notify';
      type: 'session.ack' | 'session.input';
      fields: { sessionId: string } & Record<string, unknown>;
    }
  | { kind: 'unsubscribe'; sessionId: string }
  | { kind: 'retry' };

export type BackgroundToView =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: LinkErrorBody }
  | { kind: 'status'; status: LinkStatus }
  | { kind: 'event'; event: AgentEvent };

/** An error a view's request ended with; `code` says which kind, `message` what to do next. */
export class LinkError extends Error {
  readonly code: LinkErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(body: LinkErrorBody) {
    super(body.message);
    this.name = 'LinkError';
    this.code = body.code;
    this.details = body.details;
  }

  toBody(): LinkErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Ingress check for messages from a view port. */
export function parseViewMessage(value: unknown): ViewToBackground | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.kind) {
    case 'request':
      if (
        typeof value.id === 'number' &&
        typeof value.type === 'string' &&
        isRecord(value.fields)
      ) {
        return value as ViewToBackground;
      }
      return undefined;
    case 'notify':
      if (
        (value.type === 'session.ack' || value.type === 'session.input') &&
        isRecord(value.fields) &&
        typeof value.fields.sessionId === 'string'
      ) {
        return value as ViewToBackground;
      }
      return undefined;
    case 'unsubscribe':
      return typeof value.sessionId === 'string'
        ? { kind: 'unsubscribe', sessionId: value.sessionId }
        : undefined;
    case 'retry':
      return { kind: 'retry' };
    default:
      return undefined;
  }
}
