/**
 * The call window and the side panel that opened it, over a BroadcastChannel (both are pages of
 * the extension, one origin). The panel holds the session's link to the agent; the window holds
 * the camera and microphone, which a side panel cannot ask for. The window asks the panel to
 * join, update and leave; the panel forwards who is on the call and the strip's buttons, and
 * takes the window for gone (leaving the call for it) when it stops reporting.
 */
import { browser } from 'wxt/browser';
import type { CallerInfo } from '../../protocol/index.js';
import type { CallWindowStatus, SessionView } from '../panel/session-view.js';
import { viewCallControl } from './control.js';
import type { CallControl } from './engine.js';

export type CallCommand = 'mute' | 'unmute' | 'camera-on' | 'camera-off' | 'leave';
const OPS = ['config', 'join', 'update', 'leave'] as const;
type Op = (typeof OPS)[number];

export type ToPanel =
  | { kind: 'request'; sessionId: string; id: number; op: Op; args: unknown[] }
  | { kind: 'status'; sessionId: string; status: CallWindowStatus }
  | { kind: 'closed'; sessionId: string };

export type ToWindow =
  | { kind: 'reply'; sessionId: string; id: number; ok: boolean; result?: unknown; error?: string }
  | { kind: 'callers'; sessionId: string; callers: CallerInfo[] | null }
  | { kind: 'command'; sessionId: string; command: CallCommand };

/** The window reports every STATUS_MS; this long without a word, the panel takes it for gone. */
export const STATUS_MS = 1000;
const SILENT_MS = 5000;
const REQUEST_MS = 15_000;

export function channelName(panelId: string): string {
  return `tandem-call:${panelId}`;
}

export function callWindowUrl(
  base: string,
  panelId: string,
  sessionId: string,
  name: string,
): string {
  const query = new URLSearchParams({ panel: panelId, session: sessionId, name });
  return `${base}?${query.toString()}`;
}

interface Served {
  view: SessionView;
  control: CallControl;
  stop: () => void;
  lastHeard: number;
  windowId: number | undefined;
}

/** The side panel's half: serves each session's call window. */
export class CallWindowHub {
  readonly panelId = crypto.randomUUID();
  private readonly channel = new BroadcastChannel(channelName(this.panelId));
  private readonly served = new Map<string, Served>();
  private readonly watchdog: ReturnType<typeof setInterval>;

  constructor(private readonly findView: (sessionId: string) => SessionView | undefined) {
    this.channel.onmessage = (e: MessageEvent<ToPanel>) => this.receive(e.data);
    this.watchdog = setInterval(() => this.check(), STATUS_MS);
  }

  /** Opens the session's call window (or brings it to the front). */
  async open(view: SessionView): Promise<void> {
    const served = this.serve(view);
    if (served.windowId !== undefined) {
      try {
        await browser.windows.update(served.windowId, { focused: true });
        return;
      } catch {
        served.windowId = undefined; // closed meanwhile
      }
    }
    const url = callWindowUrl(
      new URL('/call.html', location.origin).href,
      this.panelId,
      view.id,
      view.info.name,
    );
    const created = await browser.windows.create({ url, type: 'popup', width: 960, height: 640 });
    served.windowId = created?.id;
  }

  command(sessionId: string, command: CallCommand): void {
    this.post({ kind: 'command', sessionId, command });
  }

  dispose(): void {
    clearInterval(this.watchdog);
    for (const served of this.served.values()) served.stop();
    this.served.clear();
    this.channel.close();
  }

  private serve(view: SessionView): Served {
    const existing = this.served.get(view.id);
    if (existing !== undefined && existing.view === view) return existing;
    existing?.stop();
    const stop = view.onCall((callers) =>
      this.post({ kind: 'callers', sessionId: view.id, callers: callers ?? null }),
    );
    const served: Served = {
      view,
      control: viewCallControl(view),
      stop,
      lastHeard: Date.now(),
      windowId: existing?.windowId,
    };
    this.served.set(view.id, served);
    return served;
  }

  private receive(message: ToPanel): void {
    const view = this.findView(message.sessionId);
    if (view === undefined) {
      if (message.kind === 'request') {
        this.post({
          kind: 'reply',
          sessionId: message.sessionId,
          id: message.id,
          ok: false,
          error: 'This session is no longer open in the side panel',
        });
      }
      return;
    }
    const served = this.serve(view);
    served.lastHeard = Date.now();
    switch (message.kind) {
      case 'status':
        view.setCallWindow(message.status);
        return;
      case 'closed':
        view.setCallWindow(undefined);
        served.windowId = undefined;
        return;
      case 'request':
        if (OPS.includes(message.op)) void this.answer(served, message);
    }
  }

  private async answer(
    served: Served,
    message: Extract<ToPanel, { kind: 'request' }>,
  ): Promise<void> {
    const { sessionId, id } = message;
    try {
      const fn = served.control[message.op] as (...args: unknown[]) => Promise<unknown>;
      const result = await fn(...message.args);
      this.post({ kind: 'reply', sessionId, id, ok: true, result });
      // A window that just joined hears the current list, as any late joiner does.
      if (message.op === 'join') {
        this.post({ kind: 'callers', sessionId, callers: served.view.callers });
      }
    } catch (error) {
      this.post({
        kind: 'reply',
        sessionId,
        id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** A window that stopped reporting (crashed, or closed without a word) leaves the call. */
  private check(): void {
    const now = Date.now();
    for (const served of this.served.values()) {
      const status = served.view.callWindow;
      if (status === undefined || now - served.lastHeard < SILENT_MS) continue;
      served.view.setCallWindow(undefined);
      if (status.inCall) void served.control.leave().catch(() => undefined);
    }
  }

  private post(message: ToWindow): void {
    this.channel.postMessage(message);
  }
}

/** The call window's half: a CallControl that goes through the panel. */
export class WindowControl implements CallControl {
  private readonly channel: BroadcastChannel;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    {
      resolve: (v: unknown) => void;
      reject: (e: Error) => void;
      timer: ReturnType<typeof setTimeout>;
    }
  >();
  private readonly callerListeners = new Set<(callers: CallerInfo[] | undefined) => void>();
  private readonly commandListeners = new Set<(command: CallCommand) => void>();

  constructor(
    panelId: string,
    readonly sessionId: string,
  ) {
    this.channel = new BroadcastChannel(channelName(panelId));
    this.channel.onmessage = (e: MessageEvent<ToWindow>) => this.receive(e.data);
  }

  config(): ReturnType<CallControl['config']> {
    return this.request('config', []) as ReturnType<CallControl['config']>;
  }

  join(...args: Parameters<CallControl['join']>): ReturnType<CallControl['join']> {
    return this.request('join', args) as ReturnType<CallControl['join']>;
  }

  async update(...args: Parameters<CallControl['update']>): Promise<void> {
    await this.request('update', args);
  }

  async leave(): Promise<void> {
    await this.request('leave', []);
  }

  onCallers(listener: (callers: CallerInfo[] | undefined) => void): () => void {
    this.callerListeners.add(listener);
    return () => this.callerListeners.delete(listener);
  }

  onCommand(listener: (command: CallCommand) => void): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  report(status: CallWindowStatus): void {
    this.channel.postMessage({
      kind: 'status',
      sessionId: this.sessionId,
      status,
    } satisfies ToPanel);
  }

  /** The window is closing: the panel stops showing its controls at once. */
  closed(): void {
    this.channel.postMessage({ kind: 'closed', sessionId: this.sessionId } satisfies ToPanel);
  }

  dispose(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.channel.close();
  }

  private request(op: Op, args: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the side panel that holds this session does not answer — is it open?'));
      }, REQUEST_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.channel.postMessage({
        kind: 'request',
        sessionId: this.sessionId,
        id,
        op,
        args,
      } satisfies ToPanel);
    });
  }

  private receive(message: ToWindow): void {
    if (message.sessionId !== this.sessionId) return;
    switch (message.kind) {
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (pending === undefined) return;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new Error(message.error ?? 'refused'));
        return;
      }
      case 'callers':
        for (const l of [...this.callerListeners]) l(message.callers ?? undefined);
        return;
      case 'command':
        for (const l of [...this.commandListeners]) l(message.command);
    }
  }
}
