import type { AgentEvent, RequestMap, RequestType, ResultMap } from '../../protocol/index.js';
import {
  LinkError,
  VIEW_PORT_NAME,
  type BackgroundToView,
  type LinkStatus,
  type ViewToBackground,
} from './view-protocol.js';
import type { ViewPort } from './view-hub.js';

export interface ViewClientOptions {
  /** `chrome.runtime.connect({name: VIEW_PORT_NAME})`. */
  connect: (name: string) => ViewPort & { disconnect(): void };
  /** Extra time the background gets beyond the agent's own timeout. */
  slackMs?: number;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: LinkError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A view's side of the runtime port to the background. Requests are typed by the protocol;
 * when the port drops (the service worker restarted) pending requests fail and the client
 * reconnects, then tells listeners so they re-attach.
 */
export class ViewClient {
  private port: (ViewPort & { disconnect(): void }) | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: AgentEvent) => void>();
  private readonly statusListeners = new Set<(status: LinkStatus) => void>();
  private closed = false;
  status: LinkStatus = { state: 'connecting' };

  constructor(private readonly options: ViewClientOptions) {
    this.open();
  }

  request<K extends RequestType>(
    type: K,
    fields: RequestMap[K],
    timeoutMs = 15_000,
  ): Promise<ResultMap[K]> {
    const id = this.nextId++;
    const port = this.port;
    return new Promise<ResultMap[K]>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.pending.delete(id);
          reject(
            new LinkError({
              code: 'timeout',
              message: `No answer to "${type}" — is the Tandem agent busy?`,
            }),
          );
        },
        timeoutMs + (this.options.slackMs ?? 2000),
      );
      this.pending.set(id, {
        // The background relays the agent's reply to exactly this request type.
        resolve: (result) => resolve(result as ResultMap[K]),
        reject,
        timer,
      });
      const message: ViewToBackground = { kind: 'request', id, type, fields, timeoutMs };
      try {
        if (port === undefined) throw new Error('no port');
        port.postMessage(message);
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(
          new LinkError({
            code: 'agent_unreachable',
            message: 'The Tandem background is restarting — try again.',
          }),
        );
      }
    });
  }

  notify(
    type: 'session.ack' | 'session.input',
    fields: { sessionId: string } & Record<string, unknown>,
  ): void {
    const message: ViewToBackground = { kind: 'notify', type, fields };
    try {
      this.port?.postMessage(message);
    } catch {
      // Reconnect handles it.
    }
  }

  unsubscribe(sessionId: string): void {
    this.port?.postMessage({ kind: 'unsubscribe', sessionId } satisfies ViewToBackground);
  }

  retry(): void {
    this.port?.postMessage({ kind: 'retry' } satisfies ViewToBackground);
  }

  onEvent(listener: (event: AgentEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.port?.disconnect();
    this.port = undefined;
  }

  private open(): void {
    const port = this.options.connect(VIEW_PORT_NAME);
    this.port = port;
    port.onMessage.addListener((message) => this.onMessage(message as BackgroundToView));
    port.onDisconnect.addListener(() => {
      if (this.port !== port) return;
      this.port = undefined;
      this.failPending();
      this.setStatus({ state: 'connecting', message: 'Reconnecting to the Tandem background…' });
      if (!this.closed) setTimeout(() => this.open(), 100);
    });
  }

  private onMessage(message: BackgroundToView): void {
    switch (message.kind) {
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (pending === undefined) return;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new LinkError(message.error));
        return;
      }
      case 'status':
        this.setStatus(message.status);
        return;
      case 'event':
        for (const listener of this.eventListeners) listener(message.event);
        return;
    }
  }

  private failPending(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(
        new LinkError({
          code: 'agent_unreachable',
          message: 'The Tandem background restarted — try again.',
        }),
      );
    }
    this.pending.clear();
  }

  private setStatus(status: LinkStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
