import type { AgentEvent, RequestMap, RequestType } from '../../protocol/index.js';
import type { AgentLink } from './agent-link.js';
import {
  LinkError,
  parseViewMessage,
  type BackgroundToView,
  type ViewToBackground,
} from './view-protocol.js';

/** The slice of `chrome.runtime.Port` the hub uses. */
export interface ViewPort {
  postMessage(message: unknown): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

class View {
  constructor(readonly port: ViewPort) {}
  alive = true;
  send(message: BackgroundToView): void {
    if (!this.alive) return;
    try {
      this.port.postMessage(message);
    } catch {
      this.alive = false;
    }
  }
}

/**
 * Connects views to the agent link: forwards their requests, routes each session's events to
 * the views attached to it, and passes on acks only from the view that attached last (the agent
 * counts one consumer per native port, so one view must speak for it).
 */
export class ViewHub {
  private readonly views = new Set<View>();
  private readonly subscribers = new Map<string, Set<View>>();
  private readonly ackOwner = new Map<string, View>();

  constructor(private readonly link: AgentLink) {
    link.onEvent((event) => this.route(event));
    link.onStatus((status) => {
      if (status.state !== 'connected') {
        // A new agent connection starts with no attachments: views re-attach when it is back.
        this.subscribers.clear();
        this.ackOwner.clear();
      }
      for (const view of this.views) view.send({ kind: 'status', status });
    });
  }

  get viewCount(): number {
    return this.views.size;
  }

  addView(port: ViewPort): void {
    const view = new View(port);
    this.views.add(view);
    port.onMessage.addListener((raw) => {
      const message = parseViewMessage(raw);
      if (message !== undefined) this.handle(view, message);
    });
    port.onDisconnect.addListener(() => this.removeView(view));
    view.send({ kind: 'status', status: this.link.status });
    this.link.retryNow();
  }

  private removeView(view: View): void {
    view.alive = false;
    this.views.delete(view);
    for (const [sessionId, set] of this.subscribers) {
      if (!set.delete(view)) continue;
      if (this.ackOwner.get(sessionId) === view) this.ackOwner.delete(sessionId);
      if (set.size === 0) {
        this.subscribers.delete(sessionId);
        // Nobody shows it any more: stop the agent counting unacked output for this port.
        this.link.notify('session.detach', { sessionId });
      }
    }
  }

  private handle(view: View, message: ViewToBackground): void {
    switch (message.kind) {
      case 'request':
        this.forward(view, message.id, message.type, message.fields, message.timeoutMs);
        return;
      case 'notify':
        if (message.type === 'session.ack') {
          const owner = this.ackOwner.get(message.fields.sessionId);
          if (owner !== undefined && owner !== view) return;
        }
        this.link.notify(message.type, message.fields);
        return;
      case 'unsubscribe': {
        const set = this.subscribers.get(message.sessionId);
        set?.delete(view);
        if (this.ackOwner.get(message.sessionId) === view) this.ackOwner.delete(message.sessionId);
        if (set !== undefined && set.size === 0) {
          this.subscribers.delete(message.sessionId);
          this.link.notify('session.detach', { sessionId: message.sessionId });
        }
        return;
      }
      case 'retry':
        this.link.retryNow();
        return;
    }
  }

  private forward(
    view: View,
    id: number,
    type: RequestType,
    fields: RequestMap[RequestType],
    timeoutMs: number | undefined,
  ): void {
    if (type === 'session.attach' && 'sessionId' in fields) {
      // Subscribe before asking: events for this attachment may follow the reply at once.
      const set = this.subscribers.get(fields.sessionId) ?? new Set<View>();
      set.add(view);
      this.subscribers.set(fields.sessionId, set);
      this.ackOwner.set(fields.sessionId, view);
    }
    this.link.request(type, fields, timeoutMs).then(
      (result) => view.send({ kind: 'reply', id, ok: true, result }),
      (error: unknown) =>
        view.send({
          kind: 'reply',
          id,
          ok: false,
          error:
            error instanceof LinkError
              ? error.toBody()
              : {
                  code: 'internal',
                  message: error instanceof Error ? error.message : String(error),
                },
        }),
    );
  }

  private route(event: AgentEvent): void {
    const set = this.subscribers.get(event.sessionId);
    if (set === undefined) return;
    for (const view of set) view.send({ kind: 'event', event });
  }
}
