import { AgentLink, type NativePort } from './agent-link.js';
import { FastPort } from './fast-port.js';
import { ViewClient } from './view-client.js';
import { ViewHub, type ViewPort } from './view-hub.js';

type Listener<T extends unknown[]> = (...args: T) => void;

/** One end of an in-page port pair: messages are handed over as they are, in order. */
class LocalPort implements ViewPort {
  other: LocalPort | undefined;
  private readonly messageListeners: Listener<[unknown]>[] = [];
  private readonly disconnectListeners: Listener<[]>[] = [];
  private open = true;

  readonly onMessage = {
    addListener: (listener: (message: unknown) => void) => this.messageListeners.push(listener),
  };
  readonly onDisconnect = {
    addListener: (listener: () => void) => this.disconnectListeners.push(listener),
  };

  postMessage(message: unknown): void {
    const other = this.other;
    if (!this.open || other === undefined) throw new Error('port closed');
    // A microtask, as a real port delivers later than the call: no re-entrant handlers.
    queueMicrotask(() => {
      if (other.open) for (const listener of other.messageListeners) listener(message);
    });
  }

  disconnect(): void {
    if (!this.open) return;
    this.open = false;
    const other = this.other;
    if (other === undefined || !other.open) return;
    other.open = false;
    queueMicrotask(() => {
      for (const listener of other.disconnectListeners) listener();
    });
  }
}

function localPortPair(): [LocalPort, LocalPort] {
  const a = new LocalPort();
  const b = new LocalPort();
  a.other = b;
  b.other = a;
  return [a, b];
}

/**
 * A view client with its own connection to the agent, for the page that carries a terminal's
 * output (the side panel): a native port that moves to the agent's loopback WebSocket (see
 * FastPort). The same hub and client the background uses run in the page itself, joined by an
 * in-page port that copies nothing: output no longer crosses the service worker, whose
 * postMessage serialized every event again, nor native messaging, which caps a flood at ~5 MB/s
 * (docs/performance.md); and the terminal keeps streaming while the service worker sleeps.
 */
export function directViewClient(
  connectNative: () => NativePort,
  lastError: () => string | undefined,
): ViewClient {
  let port: FastPort | undefined;
  const link = new AgentLink({
    connect: () => (port = new FastPort(connectNative)),
    disconnectReason: () => port?.reason ?? lastError(),
  });
  const hub = new ViewHub(link);
  link.start();
  return new ViewClient({
    connect: () => {
      const [view, background] = localPortPair();
      hub.addView(background);
      return view;
    },
  });
}
