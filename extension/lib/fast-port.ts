import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import type { NativePort } from './agent-link.js';

/**
 * How long the socket may take to open once the agent handed out a ticket, before the page
 * stays native. (Until the ticket comes, the agent may still be starting: the link's own hello
 * timeout bounds that wait.)
 */
const SWITCH_TIMEOUT_MS = 5000;
/** The id of the one request this port makes itself (the link numbers its own from 1). */
const TICKET_ID = 0;

type State = 'asking' | 'native' | 'socket' | 'closed';

/**
 * A NativePort that moves to the agent's loopback WebSocket once it can (see
 * native-host/agent/local-websocket.ts): it opens the native port (which also starts the
 * agent), asks it for a one-time ticket, opens the socket with it, and then lets the native
 * port go (its host process exits). Messages sent meanwhile wait and keep their order. If
 * anything on the way fails (an older agent, no socket within 5 s) it stays on the native
 * port: slower, never broken.
 */
export class FastPort implements NativePort {
  /** Why it closed, when the socket closed it (the native port's reason is lastError). */
  reason: string | undefined;
  state: State = 'asking';
  private readonly messageListeners: ((message: unknown) => void)[] = [];
  private readonly disconnectListeners: (() => void)[] = [];
  private readonly queued: unknown[] = [];
  private socket: WebSocket | undefined;
  private readonly native: NativePort;
  private timer: ReturnType<typeof setTimeout> | undefined;

  readonly onMessage = {
    addListener: (listener: (message: unknown) => void) => this.messageListeners.push(listener),
  };
  readonly onDisconnect = {
    addListener: (listener: () => void) => this.disconnectListeners.push(listener),
  };

  constructor(connectNative: () => NativePort, openSocket = (url: string) => new WebSocket(url)) {
    this.native = connectNative();
    this.native.onMessage.addListener((message) => this.fromNative(message, openSocket));
    this.native.onDisconnect.addListener(() => {
      // Once on the socket, the native port's end is expected (it was let go).
      if (this.state === 'asking' || this.state === 'native') this.closed();
    });
    this.native.postMessage({ v: PROTOCOL_VERSION, type: 'agent.link', id: TICKET_ID });
  }

  postMessage(message: unknown): void {
    switch (this.state) {
      case 'asking':
        this.queued.push(message);
        return;
      case 'native':
        this.native.postMessage(message);
        return;
      case 'socket':
        this.socket?.send(JSON.stringify(message));
        return;
      case 'closed':
        throw new Error('The connection to the Tandem agent is closed');
    }
  }

  disconnect(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    this.socket?.close();
    try {
      this.native.disconnect();
    } catch {
      // already let go
    }
  }

  private fromNative(message: unknown, openSocket: (url: string) => WebSocket): void {
    if (this.state === 'asking' && isReplyTo(message, TICKET_ID)) {
      const ticket = ticketOf(message);
      if (ticket === undefined) this.stayNative();
      else this.open(ticket, openSocket);
      return;
    }
    if (this.state !== 'socket') this.emit(message);
  }

  private open(ticket: { url: string; token: string }, openSocket: (url: string) => WebSocket) {
    let socket: WebSocket;
    try {
      socket = openSocket(ticket.url);
    } catch {
      this.stayNative();
      return;
    }
    this.socket = socket;
    this.timer = setTimeout(() => this.stayNative(), SWITCH_TIMEOUT_MS);
    socket.onopen = () => socket.send(ticket.token);
    socket.onmessage = (event: MessageEvent) => {
      let message: unknown;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (this.state === 'socket') this.emit(message);
      else if (this.state === 'asking' && isReady(message)) this.switched();
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.state === 'asking') this.stayNative();
      else if (this.state === 'socket') {
        this.reason = `The agent's local socket closed (${event.code})`;
        this.closed();
      }
    };
  }

  private switched(): void {
    clearTimeout(this.timer);
    this.state = 'socket';
    for (const message of this.queued.splice(0)) this.socket?.send(JSON.stringify(message));
    // Nothing more goes over the native port: Chrome ends its host process.
    this.native.disconnect();
  }

  private stayNative(): void {
    if (this.state !== 'asking') return;
    clearTimeout(this.timer);
    this.state = 'native';
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    for (const message of this.queued.splice(0)) this.native.postMessage(message);
  }

  private emit(message: unknown): void {
    for (const listener of this.messageListeners) listener(message);
  }

  private closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    for (const listener of this.disconnectListeners) listener();
  }
}

function isReplyTo(message: unknown, id: number): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    'type' in message &&
    message.type === 'reply' &&
    'id' in message &&
    message.id === id
  );
}

function isReady(message: unknown): boolean {
  return (
    typeof message === 'object' && message !== null && 'type' in message && message.type === 'ready'
  );
}

function ticketOf(reply: unknown): { url: string; token: string } | undefined {
  if (typeof reply !== 'object' || reply === null || !('ok' in reply) || reply.ok !== true) {
    return undefined;
  }
  const result = 'result' in reply ? reply.result : undefined;
  if (typeof result !== 'object' || result === null) return undefined;
  const url = 'url' in result ? result.url : undefined;
  const token = 'token' in result ? result.token : undefined;
  if (typeof url !== 'string' || typeof token !== 'string') return undefined;
  // Only ever to this machine: a reply that named another host would send the token there.
  if (!/^ws:\/\/127\.0\.0\.1:\d{1,5}\/agent$/.test(url)) return undefined;
  return { url, token };
}
