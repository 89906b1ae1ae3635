import { randomUUID } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  TandemError,
  errorReply,
  event,
  isAllowed,
  isTandemError,
  okReply,
  parseRequest,
  type DeviceSpec,
  type InviteInfo,
  type Request,
  type RequestType,
  type ResultMap,
  type SessionInfo,
} from '../../protocol/index.js';
import {
  listSerialPorts,
  listSshHosts,
  openDevice,
  type Device,
  type DeviceContext,
  type TerminalSize,
} from '../devices/index.js';
import type { Logger } from '../log.js';
import { RecordingStore } from '../recording/index.js';
import { draftArtifact } from '../copilot/artifact.js';
import type { ClientLink } from './link.js';
import { compareKeys, keysetPage } from './pages.js';
import { LIMITED_REQUESTS, RateLimits } from './rate-limits.js';
import { Session } from './session.js';
import { DEFAULT_SHARING, Sharing, type SharingConfig } from './sharing.js';
import { SnapshotWorker } from './snapshotter.js';
import { LocalWebSockets } from './local-websocket.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  devices: DeviceContext;
  logger: Logger;
  bufferChars?: number;
  /** Where recordings live (dataDir()/recordings) and the settings file; none: not recorded. */
  recordings?: { dir: string; settingsFile: string };
  /** Relay, ICE servers and bind address for shared sessions. */
  sharing?: SharingConfig;
  /** Called when a client asks the agent to stop. */
  onStopRequested?: () => void;
  /**
   * The loopback WebSocket for the extension's pages (default on; TANDEM_LOCAL_SOCKET=0 turns it
   * off, and pages stay on native messaging).
   */
  localSocket?: boolean;
}

/** What a handler returns: the reply's result, and what to do once the reply is on its way. */
export interface Handled {
  result: unknown;
  after?: () => void;
}

/**
 * The agent's sessions and the one dispatcher every transport feeds. The sender (link) is
 * stamped at ingress; the role table is enforced here and nowhere else.
 */
export class Agent {
  private readonly sessions = new Map<string, Session>();
  private readonly snapshots = new SnapshotWorker();
  private readonly recordings: RecordingStore | undefined;
  private readonly sharing: Sharing;
  /** Per-participant request budgets, checked in dispatch(). */
  readonly limits = new RateLimits();
  /** The extension pages' loopback WebSocket, opened the first time a page asks. */
  private readonly localSockets: LocalWebSockets;

  constructor(private readonly options: AgentOptions) {
    this.sharing = new Sharing(options.sharing ?? DEFAULT_SHARING, {
      session: (id) => this.sessions.get(id),
      handlerFor: (link) => this.handlerFor(link),
      disconnect: (link) => this.disconnect(link),
      knock: (sessionId) => this.limits.take('lobby', `session:${sessionId}`),
      logger: options.logger,
    });
    this.localSockets = new LocalWebSockets(
      { handlerFor: (link) => this.handlerFor(link), disconnect: (link) => this.disconnect(link) },
      options.logger,
    );
    if (options.recordings !== undefined) {
      this.recordings = new RecordingStore({
        ...options.recordings,
        agentVersion: AGENT_VERSION,
        logger: options.logger,
        keyframes: (...args) => this.snapshots.keyframes(...args),
      });
    }
  }

  /**
   * What every transport does with an incoming message: validate it, dispatch it as `link`
   * (stamped at ingress), reply. A bad message gets an error reply, never a hang-up.
   */
  handlerFor(link: ClientLink): (value: unknown) => void {
    const { logger } = this.options;
    return (value: unknown): void => {
      const parsed = parseRequest(value);
      if (!parsed.ok) {
        link.send(errorReply(parsed.id, parsed.error));
        return;
      }
      const { request } = parsed;
      const id = request.id ?? null;
      this.dispatch(link, request).then(
        (handled) => {
          if (id !== null) link.send(okReply(id, handled.result));
          handled.after?.();
        },
        (error: unknown) => {
          if (isTandemError(error)) {
            link.send(errorReply(id, error.toBody()));
            return;
          }
          logger.error('request.failed', {
            type: request.type,
            error: error instanceof Error ? error.message : String(error),
          });
          link.send(
            errorReply(id, {
              code: 'internal',
              message: `The agent failed on ${request.type} — see the agent log for details`,
            }),
          );
        },
      );
    };
  }

  async dispatch(link: ClientLink, request: Request): Promise<Handled> {
    if (link.scope !== undefined && !inScope(link.scope, request)) {
      throw new TandemError(
        'forbidden',
        'An invite link reaches only the session it was made for — ask the owner',
      );
    }
    if (!isAllowed(link.role, request.type)) {
      throw new TandemError(
        'forbidden',
        `A ${link.role} may not ${describe(request.type)} — ask the session owner`,
      );
    }
    // Remote people only: the local user can run anything on this machine already, and a
    // watch grid re-attaching a dozen sessions after a service-worker restart is not abuse.
    const limited = LIMITED_REQUESTS[request.type];
    if (limited !== undefined && !link.local) this.limits.take(limited, link.participant.id);
    return this.handle(link, request);
  }

  private async handle(link: ClientLink, request: Request): Promise<Handled> {
    switch (request.type) {
      case 'hello': {
        if (request.protocol !== PROTOCOL_VERSION) {
          throw new TandemError(
            'unsupported_version',
            `Client speaks protocol v${request.protocol}, agent v${PROTOCOL_VERSION} — update the extension and agent together`,
          );
        }
        const result: ResultMap['hello'] = {
          // The pid is for the user's own tools (`tandem-agent status`), not for guests.
          agent: { version: AGENT_VERSION, ...(link.local ? { pid: process.pid } : {}) },
          protocol: PROTOCOL_VERSION,
          capabilities: [
            'pty',
            'ssh',
            'serial',
            'echo',
            'snapshot',
            'flow-control',
            ...(this.recordings === undefined ? [] : ['recording']),
          ],
        };
        return { result };
      }
      case 'session.open': {
        const device = await this.openDevice(request.device, request);
        const id = randomUUID();
        const name = request.name ?? device.description.label;
        const recorder =
          this.recordings !== undefined && (request.record ?? this.recordings.enabled)
            ? this.recordings.start({
                sessionId: id,
                name,
                device: device.description,
                cols: request.cols,
                rows: request.rows,
              })
            : undefined;
        const session = new Session({
          id,
          name,
          device,
          ...(recorder === undefined ? {} : { recorder }),
          cols: request.cols,
          rows: request.rows,
          snapshotter: this.snapshots.create(id, request.cols, request.rows),
          logger: this.options.logger,
          ...(this.options.bufferChars === undefined
            ? {}
            : { bufferChars: this.options.bufferChars }),
          onEnded: (ended) => this.forget(ended),
          ownerName: this.sharing.displayName,
        });
        this.sessions.set(session.id, session);
        this.options.logger.info('session.open', {
          session: session.id,
          kind: device.description.kind,
        });
        const result: ResultMap['session.open'] = { sessionId: session.id };
        return { result };
      }
      case 'session.list': {
        const sessions = [...this.sessions.values()]
          .filter((s) => link.scope === undefined || s.id === link.scope)
          .map((s) => s.info())
          .sort((a, b) => compareKeys(sessionKey(a), sessionKey(b)));
        const { page, next } = keysetPage(sessions, sessionKey, request);
        const result: ResultMap['session.list'] = {
          sessions: page,
          ...(next === undefined ? {} : { next }),
        };
        return { result };
      }
      case 'session.attach': {
        const session = this.session(request.sessionId);
        // A snapshot is the costly part of an attach (screen + 10,000 lines, built and sent
        // whole): a person gets only a few built at once, whatever links they use.
        const release =
          !link.local && session.needsSnapshot(request.fromSeq)
            ? this.limits.reserveSnapshot(link.participant.id)
            : undefined;
        try {
          const { result, start } = session.attach(link, request.fromSeq);
          const after = (): void => {
            const sent = start();
            if (release === undefined) return;
            if (sent === undefined) release();
            else void sent.finally(release);
          };
          return { result, after };
        } catch (error) {
          release?.();
          throw error;
        }
      }
      case 'session.detach':
        this.session(request.sessionId).detach(link);
        return { result: {} };
      case 'session.input':
        this.session(request.sessionId).input(request.data, link, request.secret === true);
        return { result: {} };
      case 'session.resize':
        this.session(request.sessionId).resize(request.cols, request.rows, link);
        return { result: {} };
      case 'session.ack':
        this.session(request.sessionId).ack(link, request.chars);
        return { result: {} };
      case 'session.break':
        await this.session(request.sessionId).sendBreak(request.durationMs ?? 250);
        return { result: {} };
      case 'session.close':
        // Guests and co-workers hear who ended it, not the device's "port closed".
        await this.session(request.sessionId).close(
          link.local
            ? 'The owner ended the session'
            : `The owner, ${link.participant.name}, ended the session`,
        );
        return { result: {} };
      case 'session.target': {
        // Host key fingerprints and serial numbers are the owner's business alone.
        if (!link.local) throw new TandemError('forbidden', 'Only this machine’s user may ask');
        const target = this.session(request.sessionId).target;
        return {
          result: (target === undefined ? {} : { target }) satisfies ResultMap['session.target'],
        };
      }
      case 'serial.list':
        return {
          result: {
            ports: await listSerialPorts(request.paths ?? []),
          } satisfies ResultMap['serial.list'],
        };
      case 'ssh.hosts':
        return {
          result: {
            hosts: await listSshHosts(this.options.devices.ssh.sshConfigPath),
          } satisfies ResultMap['ssh.hosts'],
        };
      case 'agent.stop':
        return { result: {}, after: () => this.options.onStopRequested?.() };
      case 'agent.link': {
        // Belt and braces: the role table keeps it from guests already (owner only).
        if (!link.local) throw new TandemError('forbidden', 'Only this machine’s user may ask');
        if (this.options.localSocket === false) {
          throw new TandemError('not_found', 'The local socket is off (TANDEM_LOCAL_SOCKET=0)');
        }
        return { result: (await this.localSockets.issue()) satisfies ResultMap['agent.link'] };
      }
      case 'sharing.configure': {
        // Where signalling goes is the local user's call alone (owner-only in the role table,
        // and out of every invite's scope, too).
        if (!link.local) throw new TandemError('forbidden', 'Only this machine’s user may ask');
        const team =
          request.team === null
            ? null
            : {
                ...request.team,
                iceServers: request.team.iceServers.map(({ urls, username, credential }) => ({
                  urls,
                  ...(username === undefined ? {} : { username }),
                  ...(credential === undefined ? {} : { credential }),
                })),
              };
        return { result: this.sharing.configure(team) satisfies ResultMap['sharing.configure'] };
      }
      case 'recording.pause':
      case 'recording.resume': {
        const state = request.type === 'recording.pause' ? 'paused' : 'on';
        const recording = this.session(request.sessionId).setRecording(state, link.participant);
        return { result: { recording } satisfies ResultMap['recording.pause'] };
      }
      case 'recording.mark':
        this.session(request.sessionId).mark(request.label, link.participant);
        return { result: {} };
      case 'recording.list':
        return { result: this.store().list(request) };
      case 'recording.index':
        return { result: this.store().indexPage(request) };
      case 'recording.read':
        return { result: this.store().read(request) };
      case 'recording.delete':
        this.store().delete(request.recordingId);
        return { result: {} };
      case 'recording.settings':
        return { result: this.store().settings(request) };
      case 'artifact.draft': {
        // Recordings hold everything typed: the machine's own user alone drafts from them.
        if (!link.local) throw new TandemError('forbidden', 'Only this machine’s user may ask');
        const store = this.store();
        const result: ResultMap['artifact.draft'] = await draftArtifact(
          store.index(request.recordingId),
          store.events(request.recordingId),
          this.sharing.displayName,
        );
        return { result };
      }
      case 'invite.create': {
        const session = this.live(request.sessionId);
        const options = {
          ...(request.ttlMs === undefined ? {} : { ttlMs: request.ttlMs }),
          ...(request.lobby === undefined ? {} : { lobby: request.lobby }),
        };
        const result: ResultMap['invite.create'] = await this.sharing.createInvite(
          session,
          request.role,
          options,
        );
        return { result };
      }
      case 'invite.list': {
        this.session(request.sessionId);
        const invites = this.sharing
          .listInvites(request.sessionId)
          .sort((a, b) => compareKeys(inviteKey(a), inviteKey(b)));
        const { page, next } = keysetPage(invites, inviteKey, request);
        const result: ResultMap['invite.list'] = {
          invites: page,
          ...(next === undefined ? {} : { next }),
        };
        return { result };
      }
      case 'invite.revoke':
        this.sharing.revokeInvite(request.inviteId, link, request.disconnect);
        return { result: {} };
      case 'participant.setRole': {
        const session = this.live(request.sessionId);
        if (session.presence.get(request.participantId)?.local === true) {
          throw new TandemError('bad_request', 'You always own the sessions on your own machine');
        }
        session.setRole(request.participantId, request.role);
        return { result: {} };
      }
      case 'participant.remove':
        this.sharing.remove(
          this.live(request.sessionId),
          request.participantId,
          request.revokeInvite,
        );
        return { result: {} };
      case 'lobby.admit':
        this.sharing.admit(request.sessionId, request.participantId, request.admit);
        return { result: {} };
      case 'keyboard.request': {
        const session = this.live(request.sessionId);
        const me = session.presence.get(link.participant.id);
        if (me === undefined) throw new TandemError('bad_request', 'Attach to the session first');
        session.tellOwners(
          event('session.notice', {
            sessionId: session.id,
            kind: 'keyboard-request',
            participant: me,
            text: `${me.name} asks for the keyboard`,
          }),
        );
        return { result: {} };
      }
      case 'keyboard.decline': {
        const session = this.live(request.sessionId);
        const them = session.presence.get(request.participantId);
        if (them === undefined) throw new TandemError('not_found', 'That person left the session');
        const notice = event('session.notice', {
          sessionId: session.id,
          kind: 'keyboard-declined',
          participant: them,
          text: 'The owner kept the keyboard for now',
        });
        for (const their of session.presence.links(request.participantId)) their.send(notice);
        return { result: {} };
      }
      case 'copilot.ask': {
        const entry = this.session(request.sessionId).askCopilot(
          link,
          request.action,
          request.lines,
        );
        return { result: { entry } satisfies ResultMap['copilot.ask'] };
      }
      case 'copilot.thread':
        return {
          result: this.session(
            request.sessionId,
          ).copilotThread() satisfies ResultMap['copilot.thread'],
        };
      case 'copilot.preview':
        return {
          result: this.session(request.sessionId).previewQuestion(link, request.question),
        };
      case 'copilot.question': {
        const entry = await this.session(request.sessionId).askQuestion(
          link,
          request.question,
          request.consent === true,
        );
        return { result: { entry } satisfies ResultMap['copilot.question'] };
      }
      case 'copilot.memories':
        // The owner's own notes: only their machine's views may hand them to the Copilot.
        if (!link.local) throw new TandemError('forbidden', 'Only this machine’s user may ask');
        this.live(request.sessionId).setMemories(request.memories);
        return { result: {} };
      case 'copilot.set':
        return {
          result: {
            enabled: this.session(request.sessionId).setCopilot(link, request.enabled),
          } satisfies ResultMap['copilot.set'],
        };
      case 'chat.send':
        this.live(request.sessionId).chat(link, request.text);
        return { result: {} };
      case 'call.config':
        this.live(request.sessionId);
        return { result: await this.sharing.callConfig(link.local) };
      case 'call.join': {
        const { sessionId, peerId, muted, camera, screen } = request;
        const callers = this.live(sessionId).joinCall(link, peerId, { muted, camera, screen });
        return { result: { callers } satisfies ResultMap['call.join'] };
      }
      case 'call.update': {
        const { sessionId, ...media } = request;
        this.live(sessionId).updateCall(link, media);
        return { result: {} };
      }
      case 'call.leave':
        this.session(request.sessionId).leaveCall(link);
        return { result: {} };
    }
  }

  /** A session that has not ended. */
  private live(sessionId: string): Session {
    const session = this.session(sessionId);
    if (session.state === 'exited') {
      throw new TandemError('not_found', `Session "${session.name}" has ended — open a new one`);
    }
    return session;
  }

  /** A client went away: its views detach; the sessions live on. */
  disconnect(link: ClientLink): void {
    for (const session of this.sessions.values()) session.detach(link);
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  /** Ends every session cleanly (devices closed, clients told), then the snapshot worker. */
  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.sessions.values()].map((s) => s.close()));
    await this.recordings?.closeAll('agent stopped');
    await this.sharing.close();
    this.localSockets.close();
    await this.snapshots.terminate();
  }

  private store(): RecordingStore {
    if (this.recordings === undefined) {
      throw new TandemError('not_found', 'This agent keeps no recordings');
    }
    return this.recordings;
  }

  private session(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (session === undefined) {
      throw new TandemError(
        'not_found',
        `No session ${sessionId} — it may have ended; list sessions again`,
      );
    }
    return session;
  }

  /** Opens a device; a failure is logged (which device, why) before the user is told. */
  private async openDevice(spec: DeviceSpec, size: TerminalSize): Promise<Device> {
    try {
      return await openDevice(spec, size, this.options.devices);
    } catch (error) {
      this.options.logger.warn('session.open_failed', {
        kind: spec.kind,
        device: deviceName(spec),
        code: isTandemError(error) ? error.code : 'internal',
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  private forget(session: Session): void {
    this.sharing.sessionEnded(session.id);
    // Ended sessions stay listed briefly so a reattaching view can show how they ended.
    setTimeout(() => {
      this.sessions.delete(session.id);
      session.dispose();
    }, 60_000).unref();
  }
}

/** Which device, for the log: no secrets (an SSH spec carries its auth). */
function deviceName(spec: DeviceSpec): string {
  switch (spec.kind) {
    case 'serial':
      return spec.path;
    case 'ssh':
      return `${spec.username}@${spec.host}:${spec.port ?? 22}`;
    case 'pty':
      return spec.shell ?? 'login shell';
    case 'echo':
      return 'echo';
  }
}

/** What a participant scoped to one session may send: that session's requests, hello, list. */
function inScope(scope: string, request: Request): boolean {
  if (request.type === 'hello' || request.type === 'session.list') return true;
  if (request.type === 'invite.revoke') return true; // checked against the invite's session
  return 'sessionId' in request && request.sessionId === scope;
}

/** Sessions and invites are paged in the order they were made (ids break ties). */
function sessionKey(session: SessionInfo): string {
  return `${session.createdAt} ${session.sessionId}`;
}

function inviteKey(invite: InviteInfo): string {
  return `${invite.createdAt} ${invite.inviteId}`;
}

function describe(type: RequestType): string {
  switch (type) {
    case 'session.input':
      return 'type into this session';
    case 'session.resize':
      return 'resize this terminal';
    case 'session.close':
      return 'end this session';
    default:
      return `send ${type}`;
  }
}
