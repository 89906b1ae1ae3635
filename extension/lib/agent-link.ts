import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import type { AgentEvent, RequestMap, RequestType } from '../../protocol/index.js';
import { parseAgentMessage } from './agent-message.js';
import { Backoff } from './backoff.js';
import { LinkError, type LinkStatus } from './view-protocol.js';

export const HOST_NAME = 'dev.tandem.agent';
export const DEFAULT_TIMEOUT_MS = 15_000;

/** The slice of `chrome.runtime.Port` the link uses, so tests can hand it a fake. */
export interface NativePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export interface AgentLinkOptions {
  /** `chrome.runtime.connectNative(HOST_NAME)`. */
  connect: () => NativePort;
  /** `chrome.runtime.lastError?.message`, read inside onDisconnect. */
  disconnectReason: () => string | undefined;
  clientName?: string;
  backoff?: Backoff;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: LinkError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const NOT_FOUND = /not found/i;
const FORBIDDEN = /forbidden/i;

/**
 * The background's one native port to the agent. Every request has an id and a timeout; when
 * the port drops, every pending request is rejected and the link reconnects with backoff.
 */
export class AgentLink {
  private port: NativePort | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: AgentEvent) => void>();
  private readonly statusListeners = new Set<(status: LinkStatus) => void>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff: Backoff;
  private stopped = false;
  status: LinkStatus = { state: 'connecting' };

  constructor(private readonly options: AgentLinkOptions) {
    this.backoff = options.backoff ?? new Backoff();
  }

  start(): void {
    this.stopped = false;
    if (this.port === undefined) this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const port = this.port;
    this.port = undefined;
    port?.disconnect();
    this.failPending('The Tandem background stopped.');
  }

  /** Connect now instead of waiting for the next backoff step. */
  retryNow(): void {
    if (this.port !== undefined || this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  onEvent(listener: (event: AgentEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  request(
    type: RequestType,
    fields: RequestMap[RequestType],
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<unknown> {
    const port = this.port;
    if (port === undefined || (this.status.state !== 'connected' && type !== 'hello')) {
      return Promise.reject(
        new LinkError({ code: 'agent_unreachable', message: this.unreachableMessage() }),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new LinkError({
            code: 'timeout',
            message: `The Tandem agent did not answer "${type}" within ${Math.round(timeoutMs / 1000)} s — check \`tandem-agent status\` and the agent log.`,
          }),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        port.postMessage({ v: PROTOCOL_VERSION, type, id, ...fields });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new LinkError({ code: 'agent_unreachable', message: messageOf(error) }));
      }
    });
  }

  /** A message that wants no reply (acks, keystrokes): dropped while disconnected. */
  notify(type: RequestType, fields: object): void {
    if (this.status.state !== 'connected') return;
    try {
      this.port?.postMessage({ v: PROTOCOL_VERSION, type, ...fields });
    } catch {
      // The disconnect handler reports the drop.
    }
  }

  private connect(): void {
    this.setStatus({ state: 'connecting' });
    let port: NativePort;
    try {
      port = this.options.connect();
    } catch (error) {
      this.onDrop(messageOf(error));
      return;
    }
    this.port = port;
    port.onMessage.addListener((message) => {
      if (this.port === port) this.onMessage(message);
    });
    port.onDisconnect.addListener(() => {
      const reason = this.options.disconnectReason();
      if (this.port !== port) return;
      this.port = undefined;
      this.onDrop(reason ?? 'The Tandem agent closed the connection.');
    });
    void this.request('hello', {
      client: { name: this.options.clientName ?? 'tandem-extension' },
      protocol: PROTOCOL_VERSION,
    }).then(
      (result) => {
        if (this.port !== port) return;
        this.backoff.reset();
        this.setStatus({ state: 'connected', agentVersion: agentVersionOf(result) });
      },
      () => {
        // A failed hello shows up as a drop (the host exits) or a timeout; drop and retry.
        if (this.port === port) {
          this.port = undefined;
          port.disconnect();
          this.onDrop('The Tandem agent did not answer hello.');
        }
      },
    );
  }

  private onMessage(raw: unknown): void {
    const message = parseAgentMessage(raw);
    if (message === undefined) return;
    if (message.type === 'event') {
      for (const listener of this.eventListeners) listener(message.event);
      return;
    }
    if (message.id === null) {
      // The host shim reports a failure to start the agent this way, then exits.
      if (!message.ok) this.lastHostError = message.error.message;
      return;
    }
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new LinkError(message.error));
  }

  private lastHostError: string | undefined;

  private onDrop(reason: string): void {
    const hostError = this.lastHostError;
    this.lastHostError = undefined;
    const notInstalled = NOT_FOUND.test(reason);
    let message: string;
    if (notInstalled) message = 'The Tandem agent is not installed for this browser profile.';
    else if (FORBIDDEN.test(reason))
      message = 'The Tandem agent is registered for a different extension id — register it again.';
    else message = `Lost the Tandem agent (${hostError ?? reason}). Reconnecting…`;
    this.failPending(
      notInstalled
        ? message
        : `The connection to the Tandem agent dropped (${hostError ?? reason}).`,
    );
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.setStatus({
      state: notInstalled ? 'not_installed' : 'disconnected',
      message,
      retryAt: Date.now() + delay,
    });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped && this.port === undefined) this.connect();
    }, delay);
  }

  private failPending(message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new LinkError({ code: 'agent_unreachable', message }));
    }
  }

  private unreachableMessage(): string {
    return this.status.message ?? 'The Tandem agent is not connected yet — try again in a moment.';
  }

  private setStatus(status: LinkStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function agentVersionOf(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('agent' in result)) return undefined;
  const agent = result.agent;
  if (typeof agent !== 'object' || agent === null || !('version' in agent)) return undefined;
  return typeof agent.version === 'string' ? agent.version : undefined;
}
