import { browser } from 'wxt/browser';
import {
  PRESENCE_BEAT_MS,
  PRESENCE_PATH,
  presenceServerSchema,
  type Enrolment,
  type PresenceServerMessage,
} from '../../protocol/team.js';
import { Backoff } from '../lib/backoff.js';
import { ACTIVITY_PORT, IDLE_ACTIVITY, parseActivity, type Activity } from './activity.js';
import {
  clearEnrolment,
  EMPTY_VIEW,
  loadEnrolment,
  saveView,
  type TeamView,
} from './team-storage.js';

/** Messages the popup and options page send the background worker. */
export type TeamRequest =
  | { type: 'team.wake' }
  | { type: 'team.enrolled' }
  | { type: 'team.ask'; to: string }
  | { type: 'team.session'; resourceId: string | null }
  | { type: 'team.invite'; to: string; url: string; role: 'viewer' | 'coworker' };

export const PENDING_JOIN_KEY = 'team.pendingJoin';
const ALARM = 'tandem-presence';
/** chrome.idle: this long without input and you are away. */
const IDLE_SECONDS = 60;
const STATE_COLORS = { online: '#1a7f37', away: '#bf8700', offline: '#6e7781' } as const;
const RECORDING_COLOR = '#c4334f';

/**
 * The background worker's side of team presence: one authenticated socket to the team relay,
 * a beat every 10 s (which also keeps an MV3 worker awake while it is connected), away after a
 * minute idle or when the screen locks, reconnects with backoff. A worker Chrome stopped anyway
 * is woken by an alarm every 30 s, by the popup, or by the browser starting, and reconnects.
 * What it knows goes to session storage for the popup; your state goes on the toolbar badge.
 */
export class TeamPresence {
  private socket: WebSocket | undefined;
  private enrolment: Enrolment | undefined;
  private view: TeamView = EMPTY_VIEW;
  private idle: 'online' | 'away' = 'online';
  private beat: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff = new Backoff(500, 15_000);
  private starting: Promise<void> | undefined;
  /** What each open side panel reports (LIVE, REC) for the badge. */
  private readonly activities = new Map<object, Activity>();
  /** The session resource you share, said again after every reconnect. */
  private sharing: string | null = null;

  /** Wires the listeners (synchronously, as MV3 requires) and connects if enrolled. */
  install(): void {
    browser.idle.setDetectionInterval(IDLE_SECONDS);
    browser.idle.onStateChanged.addListener((state) => this.setIdle(state));
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name === ALARM) void this.ensure();
    });
    browser.runtime.onMessage.addListener((message: unknown) => this.request(message));
    browser.runtime.onConnect.addListener((port) => {
      if (port.name !== ACTIVITY_PORT) return;
      this.activities.set(port, IDLE_ACTIVITY);
      port.onMessage.addListener((message: unknown) => {
        const activity = parseActivity(message);
        if (activity === undefined) return;
        this.activities.set(port, activity);
        void this.badge();
      });
      port.onDisconnect.addListener(() => {
        this.activities.delete(port);
        void this.badge();
      });
    });
    browser.notifications.onButtonClicked.addListener((id) => void this.openInvite(id));
    browser.notifications.onClicked.addListener((id) => void this.openInvite(id));
    void browser.idle.queryState(IDLE_SECONDS).then((state) => this.setIdle(state));
    void this.ensure();
  }

  /** Connects if enrolled and not connected; the toolbar follows. */
  ensure(): Promise<void> {
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<void> {
    const enrolment = await loadEnrolment();
    if (enrolment?.token !== this.enrolment?.token) this.disconnect();
    this.enrolment = enrolment;
    await this.toolbar();
    if (enrolment === undefined) {
      await browser.alarms.clear(ALARM);
      return;
    }
    await browser.alarms.create(ALARM, { periodInMinutes: 0.5 });
    if (this.socket === undefined) this.connect(enrolment);
  }

  /** Enrolled: the toolbar icon opens the team popup (which opens the side panel too). */
  private async toolbar(): Promise<void> {
    const enrolled = this.enrolment !== undefined;
    await browser.action.setPopup({ popup: enrolled ? 'team.html' : '' });
    await browser.sidePanel
      .setPanelBehavior({ openPanelOnActionClick: !enrolled })
      .catch(() => undefined);
    await this.badge();
  }

  /**
   * The toolbar badge: LIVE while someone else is in a session a panel has open, else REC while
   * one is recorded; a member's badge is in their state's colour (a dot when nothing is on).
   */
  private async badge(): Promise<void> {
    const activities = [...this.activities.values()];
    const live = activities.some((a) => a.live);
    const recording = activities.some((a) => a.recording);
    const doing = live ? 'LIVE' : recording ? 'REC' : '';
    const what = live ? ' · someone is in your session' : recording ? ' · recording' : '';
    if (this.enrolment === undefined) {
      await browser.action.setBadgeBackgroundColor({ color: RECORDING_COLOR });
      await browser.action.setBadgeText({ text: doing });
      await browser.action.setTitle({ title: `Open Tandem${what}` });
      return;
    }
    const state = this.view.connection === 'connected' ? this.view.state : 'offline';
    await browser.action.setBadgeBackgroundColor({ color: STATE_COLORS[state] });
    await browser.action.setBadgeText({ text: doing === '' ? ' ' : doing });
    await browser.action.setTitle({
      title: `Tandem — ${state}${this.view.org === undefined ? '' : ` in ${this.view.org.name}`}${what}`,
    });
  }

  private connect(enrolment: Enrolment): void {
    clearTimeout(this.retry);
    const socket = new WebSocket(enrolment.relayUrl.replace(/^http/, 'ws') + PRESENCE_PATH);
    this.socket = socket;
    void this.update({ connection: 'connecting' });
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ type: 'hello', token: enrolment.token, state: this.idle }));
      if (this.sharing !== null) this.send({ type: 'session', resourceId: this.sharing });
      clearInterval(this.beat);
      this.beat = setInterval(
        () => this.send({ type: 'beat', state: this.idle }),
        PRESENCE_BEAT_MS,
      );
    });
    socket.addEventListener('message', (event) => {
      let parsed;
      try {
        parsed = presenceServerSchema.safeParse(JSON.parse(String(event.data)));
      } catch {
        return;
      }
      if (parsed.success) void this.receive(parsed.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearInterval(this.beat);
      if (event.code === 4401 || event.code === 4403) {
        void this.signedOut(
          event.code === 4403
            ? 'You were removed from the team, or this browser was signed out. Ask your admin for a new enrolment link.'
            : 'The relay no longer knows this browser. Ask your admin for a new enrolment link.',
        );
        return;
      }
      void this.update({
        connection: 'offline',
        message: `Cannot reach the team relay at ${enrolment.relayUrl}; retrying.`,
      });
      this.retry = setTimeout(() => void this.ensure(), this.backoff.next());
    });
  }

  private async receive(message: PresenceServerMessage): Promise<void> {
    switch (message.type) {
      case 'welcome':
        this.backoff.reset();
        await this.update({
          connection: 'connected',
          you: message.you,
          org: message.org,
          teams: message.teams,
        });
        return;
      case 'roster': {
        const self = message.members.find((m) => m.id === this.view.you?.id);
        await this.update({
          members: message.members,
          teams: message.teams,
          ...(self === undefined ? {} : { state: self.state }),
        });
        return;
      }
      case 'presence':
      case 'presences': {
        const changes = message.type === 'presence' ? [message] : message.members;
        const byId = new Map(changes.map((c) => [c.id, c]));
        const members = this.view.members.map((m) => {
          const change = byId.get(m.id);
          if (change === undefined) return m;
          const { session: _before, ...rest } = m;
          const state = change.state;
          return change.session === undefined
            ? { ...rest, state }
            : { ...rest, state, session: change.session };
        });
        const self = this.view.you === undefined ? undefined : byId.get(this.view.you.id);
        await this.update({ members, ...(self === undefined ? {} : { state: self.state }) });
        return;
      }
      case 'ask':
        await this.notify(`ask:${message.from}`, {
          title: `${this.nameOf(message.from)} asks to join your session`,
          message: 'Open Tandem and use Invite to let them in.',
        });
        return;
      case 'invite':
        await browser.storage.session.set({
          [`invite:${message.from}`]: { url: message.url, role: message.role },
        });
        await this.notify(`invite:${message.from}`, {
          title: `${this.nameOf(message.from)} invites you to their session`,
          message: `You would join as ${message.role === 'viewer' ? 'a viewer' : 'a co-worker'}.`,
          buttons: [{ title: 'Join' }],
        });
        return;
      case 'removed':
        await this.update({ message: message.message });
        return;
      case 'error':
        await this.update({ message: message.message });
        return;
    }
  }

  private nameOf(memberId: string): string {
    return this.view.members.find((m) => m.id === memberId)?.name ?? 'A teammate';
  }

  private async notify(
    id: string,
    options: { title: string; message: string; buttons?: { title: string }[] },
  ): Promise<void> {
    await browser.notifications
      .create(id, {
        type: 'basic',
        iconUrl: new URL('/icon/128.png', location.origin).href,
        ...options,
      })
      .catch(() => undefined);
  }

  /** Join: the invite waits in session storage and the side panel takes it when it opens. */
  async openInvite(id: string): Promise<void> {
    if (!id.startsWith('invite:')) return;
    const stored: Record<string, unknown> = await browser.storage.session.get(id);
    await browser.storage.session.remove(id);
    await browser.storage.session.set({ [PENDING_JOIN_KEY]: stored[id] });
    await browser.notifications.clear(id);
    const window = await browser.windows.getLastFocused().catch(() => undefined);
    const opened =
      window?.id === undefined
        ? false
        : await browser.sidePanel.open({ windowId: window.id }).then(
            () => true,
            () => false,
          );
    if (!opened)
      await browser.tabs.create({ url: new URL('/sidepanel.html', location.origin).href });
  }

  private request(message: unknown): undefined {
    if (typeof message !== 'object' || message === null || !('type' in message)) return;
    switch (message.type) {
      case 'team.wake':
      case 'team.enrolled':
        void this.ensure();
        return;
      case 'team.ask':
        if ('to' in message && typeof message.to === 'string')
          this.send({ type: 'ask', to: message.to });
        return;
      case 'team.session':
        if (
          'resourceId' in message &&
          (typeof message.resourceId === 'string' || message.resourceId === null)
        ) {
          this.sharing = message.resourceId;
          this.send({ type: 'session', resourceId: message.resourceId });
        }
        return;
      case 'team.invite':
        if (
          'to' in message &&
          typeof message.to === 'string' &&
          'url' in message &&
          typeof message.url === 'string' &&
          'role' in message &&
          (message.role === 'viewer' || message.role === 'coworker')
        )
          this.send({ type: 'invite', to: message.to, url: message.url, role: message.role });
        return;
    }
  }

  /** chrome.idle said active, idle or locked. */
  setIdle(state: string): void {
    const next = state === 'active' ? 'online' : 'away';
    if (next === this.idle) return;
    this.idle = next;
    this.send({ type: 'beat', state: next });
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private disconnect(): void {
    clearTimeout(this.retry);
    clearInterval(this.beat);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    this.view = EMPTY_VIEW;
  }

  private async signedOut(message: string): Promise<void> {
    this.disconnect();
    this.enrolment = undefined;
    await clearEnrolment();
    await browser.alarms.clear(ALARM);
    await this.update({ connection: 'signed-out', message });
    await this.toolbar();
  }

  private async update(change: Partial<TeamView>): Promise<void> {
    this.view = { ...this.view, ...change };
    if (change.connection !== undefined && change.connection !== 'connected')
      this.view = { ...this.view, state: 'offline' };
    await saveView(this.view);
    await this.badge();
  }
}
