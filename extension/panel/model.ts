import { SessionMemories } from '../memories/session-memories.js';
import { allItems, type DeviceSpec, type SessionInfo } from '../../protocol/index.js';
import { getSetting, setSetting, SETTINGS, type TandemDb } from '../lib/db.js';
import type { ViewClient } from '../lib/view-client.js';
import { LinkError, type LinkStatus } from '../lib/view-protocol.js';
import { joinSession } from '../sharing/join.js';
import type { PeerLink } from '../sharing/peer-link.js';
import { fittedSize, SessionView } from './session-view.js';
import { DEFAULT_FONT_SIZE } from './terminal.js';
import { Store } from '../lib/store.js';
import { CallWindowHub } from '../call/window-link.js';

const ACTIVE_KEY = 'tandem.activeSession';
const PING_MS = 5000;

/**
 * The side panel's state outside React: the link, the open sessions, the active tab. React
 * reads it through subscribe/version (useSyncExternalStore).
 */
export class PanelModel extends Store {
  sessions: SessionView[] = [];
  activeId: string | undefined = localStorage.getItem(ACTIVE_KEY) ?? undefined;
  /** Something that went wrong outside any form (a join from the team popup), until dismissed. */
  notice: string | undefined;
  status: LinkStatus;
  latencyMs: number | undefined;
  fontSize = DEFAULT_FONT_SIZE;
  /** True once the first session list arrived: the panel knows whether there is anything to show. */
  synced = false;
  private syncing: Promise<void> | undefined;
  /** Sessions joined over share links, by session id. */
  private readonly links = new Map<string, PeerLink>();
  /** Each session's call window (the camera and microphone live there, not in the panel). */
  readonly calls = new CallWindowHub((id) => this.sessions.find((s) => s.id === id));

  constructor(
    readonly client: ViewClient,
    readonly db: TandemDb,
  ) {
    super();
    this.status = client.status;
    client.onStatus((status) => {
      const wasConnected = this.status.state === 'connected';
      this.status = status;
      if (status.state === 'connected') void this.sync();
      else if (wasConnected) for (const s of this.sessions) if (!s.remote) s.markAgentGone();
      this.emit();
    });
    client.onEvent((event) => this.sessions.find((s) => s.id === event.sessionId)?.handle(event));
    void getSetting(db, SETTINGS.fontSize, DEFAULT_FONT_SIZE).then((size) => {
      this.fontSize = size;
      for (const s of this.sessions) s.terminal.setFontSize(size);
      this.emit();
    });
    setInterval(() => void this.ping(), PING_MS);
  }

  get active(): SessionView | undefined {
    return this.sessions.find((s) => s.id === this.activeId) ?? this.sessions[0];
  }

  activate(id: string): void {
    this.activeId = id;
    localStorage.setItem(ACTIVE_KEY, id);
    this.emit();
    requestAnimationFrame(() => {
      const view = this.active;
      view?.fit();
      view?.terminal.term.focus();
    });
  }

  /** Lists the agent's sessions and (re-)attaches each: after open, reopen, or a reconnect. */
  sync(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    let list: SessionInfo[];
    try {
      const started = performance.now();
      list = await this.listSessions();
      this.latencyMs = performance.now() - started;
    } catch {
      return;
    }
    const known = new Set(list.map((s) => s.sessionId));
    for (const view of this.sessions) {
      if (!known.has(view.id) && view.state !== 'ended' && !view.remote) {
        view.state = 'ended';
        view.message =
          'This session ended while the agent was away (it was restarted) — open a new terminal.';
      }
    }
    for (const info of list) {
      // The agent lists an ended session for a minute so views that had it can say how it
      // ended; a panel that never showed it has nothing to say about it.
      if (info.state === 'exited') continue;
      if (!this.sessions.some((s) => s.id === info.sessionId)) this.add(info);
    }
    const firstSync = !this.synced;
    this.synced = true;
    this.emit();
    if (
      firstSync &&
      list.length === 0 &&
      new URLSearchParams(location.search).get('start') === 'pty'
    ) {
      // `npm start` opens the panel straight onto a local shell.
      void this.open({ kind: 'pty' }, 'Local shell').catch(() => undefined);
    }
    await Promise.all(this.sessions.filter((s) => known.has(s.id)).map((s) => s.attach()));
    this.emit();
  }

  private add(info: SessionInfo): SessionView {
    const view = new SessionView(this.client, info, this.fontSize, () => this.emit());
    const memories = new SessionMemories(
      this.client,
      this.db,
      () => ({
        id: view.id,
        name: view.info.name,
        startedAt: Date.parse(view.info.createdAt),
        ...(view.info.recordingId === undefined ? {} : { recordingId: view.info.recordingId }),
      }),
      () => this.emit(),
    );
    view.memories = memories;
    // An ended session (the agent restarted) has no device to ask about: no memories then.
    memories.load().catch(() => undefined);
    this.sessions.push(view);
    return view;
  }

  /** Opens a device and shows it; errors (host keys, auth) are thrown for the form to handle. */
  async open(device: DeviceSpec, name?: string): Promise<SessionView> {
    // The size its pane will fit to: a shell started at another size prints its prompt (and a
    // login its banner) for that one, then redraws half a second later, over what was typed.
    const { cols, rows } = this.active?.terminal.hostSize() ??
      fittedSize() ?? { cols: 100, rows: 30 };
    const timeoutMs = device.kind === 'ssh' ? 45_000 : 15_000;
    const { sessionId } = await this.client.request(
      'session.open',
      name === undefined ? { device, cols, rows } : { device, cols, rows, name },
      timeoutMs,
    );
    let view = this.sessions.find((s) => s.id === sessionId);
    if (view === undefined) {
      const sessions = await this.listSessions();
      const info = sessions.find((s) => s.sessionId === sessionId);
      if (info === undefined)
        throw new Error('The new session ended at once — check the device and try again.');
      view = this.sessions.find((s) => s.id === sessionId) ?? this.add(info);
    }
    this.activate(sessionId);
    view.reopen = withoutSecrets(device);
    await view.attach();
    return view;
  }

  /** Opens an ended session's device again in a new tab, in place of the dead one. */
  async reconnect(view: SessionView): Promise<SessionView> {
    const device = view.reopen;
    if (device === undefined) throw new Error('This session cannot be reopened from here');
    const fresh = await this.open(device, view.info.name);
    await this.close(view.id);
    return fresh;
  }

  setNotice(text: string | undefined): void {
    this.notice = text;
    this.emit();
  }

  /** Joins someone else's shared session from an invite link; shows it as a tab. */
  async join(url: string, name: string, memberTicket?: string): Promise<SessionView> {
    const { view, link } = await joinSession(
      url,
      name,
      this.fontSize,
      () => this.emit(),
      memberTicket,
    );
    if (this.sessions.some((s) => s.id === view.id)) {
      link.close();
      view.dispose();
      throw new Error('That session is already open here.');
    }
    this.links.set(view.id, link);
    this.sessions.push(view);
    this.activate(view.id);
    return view;
  }

  async close(id: string): Promise<void> {
    const view = this.sessions.find((s) => s.id === id);
    if (view === undefined) return;
    const link = this.links.get(id);
    if (link !== undefined) {
      // Leaving a joined session never ends it for the others.
      link.close();
      this.links.delete(id);
    } else if (view.state !== 'ended' && view.state !== 'exited') {
      try {
        await this.client.request('session.close', { sessionId: id });
      } catch (error) {
        if (!(error instanceof LinkError && error.code === 'not_found')) throw error;
      }
    }
    if (link === undefined) this.client.unsubscribe(id);
    this.sessions = this.sessions.filter((s) => s !== view);
    view.dispose();
    if (this.activeId === id) {
      const next = this.sessions[0];
      if (next !== undefined) this.activate(next.id);
      else this.activeId = undefined;
    }
    this.emit();
  }

  async zoom(delta: number | 'reset'): Promise<void> {
    this.fontSize =
      delta === 'reset' ? DEFAULT_FONT_SIZE : Math.min(28, Math.max(8, this.fontSize + delta));
    for (const s of this.sessions) s.terminal.setFontSize(this.fontSize);
    this.emit();
    await setSetting(this.db, SETTINGS.fontSize, this.fontSize);
  }

  /** Every session the agent has (the list comes in pages). */
  private listSessions(): Promise<SessionInfo[]> {
    return allItems(
      (cursor) => this.client.request('session.list', cursor === undefined ? {} : { cursor }),
      (page) => page.sessions,
    );
  }

  private async ping(): Promise<void> {
    if (this.status.state !== 'connected') return;
    const started = performance.now();
    try {
      const sessions = await this.listSessions();
      this.latencyMs = performance.now() - started;
      for (const info of sessions) {
        const view = this.sessions.find((s) => s.id === info.sessionId);
        if (view !== undefined && view.state !== 'ended') {
          view.info = { ...view.info, state: info.state };
          view.state = info.state;
        }
      }
      this.emit();
    } catch {
      // The status line shows the link state instead.
    }
  }
}

/** The device spec to keep for a one-click reconnect, or undefined when it carries a secret. */
export function withoutSecrets(device: DeviceSpec): DeviceSpec | undefined {
  if (device.kind !== 'ssh') return device;
  const { auth } = device;
  if (auth.method === 'agent') return device;
  if (auth.method === 'key' && auth.passphrase === undefined) return device;
  return undefined;
}
