import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { fileURLToPath } from 'node:url';
import {
  TandemError,
  event,
  isLoopbackHost,
  type InviteInfo,
  type JoinResult,
  type ParticipantInfo,
  type ResultMap,
  type Role,
  type TeamSharing,
} from '../../protocol/index.js';
import type { Logger } from '../log.js';
import {
  PeerBridge,
  type IceServer,
  type JoinRequest,
  type RelayEndpoint,
  type RemoteLinkPipe,
  type RemoteParticipant,
} from '../peer/bridge.js';
import { InviteStore, type Invite } from '../peer/invites.js';
import type { ClientLink } from './link.js';
import { DEFAULT_DISPLAY_NAME, forRemote } from './remote-view.js';
import type { Session } from './session.js';

export interface SharingConfig {
  /** A team relay (https://relay.example.com); none: the agent runs one on `host`. */
  relayUrl?: string;
  /** Where the embedded relay listens: loopback unless the user opts in to a LAN address. */
  host: string;
  port: number;
  iceServers: IceServer[];
  /** The built guest page (the extension build), served by the embedded relay. */
  guestPageDir?: string;
  /** How remote participants see the owner: never the Unix user name (see remote-view.ts). */
  displayName: string;
  /**
   * Calls: "relay" sends all media through the TURN servers in `iceServers`, so no caller ever
   * learns another's IP addresses (ICE candidates carry them) — what a viewer link would
   * otherwise give away on a call. Default "all": direct when possible.
   */
  callPolicy: 'all' | 'relay';
}

export const DEFAULT_SHARING: SharingConfig = {
  host: '127.0.0.1',
  port: 0,
  iceServers: [],
  displayName: DEFAULT_DISPLAY_NAME,
  callPolicy: 'all',
};

/** Reads ~/.config/tandem/sharing.json; bad or missing values fall back to the defaults. */
export function loadSharingConfig(file: string): SharingConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return { ...DEFAULT_SHARING };
  }
  const config: SharingConfig = { ...DEFAULT_SHARING };
  if (typeof raw !== 'object' || raw === null) return config;
  if ('relayUrl' in raw && typeof raw.relayUrl === 'string') config.relayUrl = raw.relayUrl;
  if ('host' in raw && typeof raw.host === 'string') config.host = raw.host;
  if ('port' in raw && typeof raw.port === 'number') config.port = raw.port;
  if ('guestPageDir' in raw && typeof raw.guestPageDir === 'string')
    config.guestPageDir = raw.guestPageDir;
  if ('displayName' in raw && typeof raw.displayName === 'string') {
    const name = raw.displayName.trim();
    if (name.length > 0 && name.length <= 64) config.displayName = name;
  }
  if ('callPolicy' in raw && (raw.callPolicy === 'relay' || raw.callPolicy === 'all'))
    config.callPolicy = raw.callPolicy;
  if ('iceServers' in raw && Array.isArray(raw.iceServers)) {
    config.iceServers = raw.iceServers.filter(
      (s: unknown): s is IceServer => typeof s === 'object' && s !== null && 'urls' in s,
    );
  }
  return config;
}

const LOBBY_TIMEOUT_MS = 5 * 60_000;
const MEMBER_CHECK_MS = 2000;
const redeemedSchema = z.object({
  member: z.object({
    id: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(64),
    color: z.string().regex(/^#[0-9a-f]{6}$/i),
  }),
});
const activeSchema = z.object({ active: z.array(z.string().max(64)).max(256) });
/** After the embedded relay dies: first restart delay, doubling up to the last. */
const RELAY_RESTART_FIRST_MS = 100;
const RELAY_RESTART_MAX_MS = 5000;

const RELAY_SCRIPT = fileURLToPath(new URL('../../relay/dist/relay.js', import.meta.url));
const GUEST_PAGE_DIR = fileURLToPath(new URL('../../.output/chrome-mv3/', import.meta.url));

/**
 * One remote person in a session: who a re-join must prove to be, and their live authority.
 * Every link this person opens reads its role from here, so a role change or a removal
 * reaches all of them at once, attached to the session or not.
 */
interface Person {
  id: string;
  sessionId: string;
  /** The invite they first joined with. */
  inviteId: string;
  name: string;
  role: Role;
  /** SHA-256 of the re-join secret issued at their first join; only their browser holds it. */
  secretHash: Buffer;
  removed: boolean;
  links: Set<ClientLink>;
  /** A team member, proven by a ticket their relay redeemed: their id there, and colour. */
  member?: { id: string; color: string };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const NOT_YOU = new TandemError(
  'unauthorized',
  'This re-join could not be verified — open the invite link again to join as a new participant',
);

interface Waiting {
  sessionId: string;
  info: ParticipantInfo;
  admit: () => void;
  decline: () => void;
}

export interface SharingHost {
  session(sessionId: string): Session | undefined;
  /** The dispatcher entry for a remote participant's link. */
  handlerFor(link: ClientLink): (value: unknown) => void;
  disconnect(link: ClientLink): void;
  /** A stranger knocks on a session's lobby: throws `rate_limited` when it is knocked on too often. */
  knock(sessionId: string): void;
  logger: Logger;
}

/**
 * Everything about letting other people into a session: the relay, the agent's peer, invite
 * links, joins (with the optional lobby), removal, and cleaning up when a session ends.
 */
export class Sharing {
  private readonly invites = new InviteStore();
  private bridge: Promise<PeerBridge> | undefined;
  private relayProcess: ChildProcess | undefined;
  private readonly remote = new Map<string, ClientLink>();
  /** Remote people by participant id, until their session ends. */
  private readonly people = new Map<string, Person>();
  private readonly waiting = new Map<string, Waiting>();
  private closing = false;
  private relayRestartMs = RELAY_RESTART_FIRST_MS;
  private readonly config: SharingConfig;
  /** What the settings file said: `sharing.configure {team: null}` goes back to it. */
  private readonly fileConfig: SharingConfig;
  /** The team relay and member token while the extension says this user is enrolled. */
  private team: { relayUrl: string; token: string } | undefined;
  /** Asks the team relay every few seconds whether member participants are still members. */
  private memberWatch: NodeJS.Timeout | undefined;
  /** A relay change waiting for nothing to be shared through the current one. */
  private pendingRelay: { url: string | undefined } | undefined;

  constructor(
    config: SharingConfig,
    private readonly host: SharingHost,
  ) {
    this.config = { ...config, iceServers: [...config.iceServers] };
    this.fileConfig = { ...this.config };
  }

  /** How remote participants see the owner now. */
  get displayName(): string {
    return this.config.displayName;
  }

  /**
   * Share through another relay (a team relay the user enrolled in, or back to the embedded
   * one), under another name. Links already sent name the current relay, so while anything is
   * shared through it (a live invite, someone joined) the switch waits for that to end.
   */
  configure(team: TeamSharing | null): ResultMap['sharing.configure'] {
    this.team =
      team === null
        ? undefined
        : { relayUrl: team.relayUrl.replace(/\/+$/, ''), token: team.token };
    this.config.displayName = team?.displayName ?? this.fileConfig.displayName;
    this.config.iceServers = team?.iceServers.map((s) => ({ ...s })) ?? this.fileConfig.iceServers;
    this.config.callPolicy = team?.icePolicy === 'relay' ? 'relay' : this.fileConfig.callPolicy;
    const url = team === null ? this.fileConfig.relayUrl : team.relayUrl.replace(/\/+$/, '');
    this.pendingRelay = undefined;
    if (url === this.config.relayUrl) return { relayUrl: url ?? null, pending: false };
    if (this.bridge !== undefined && (this.invites.size > 0 || this.people.size > 0)) {
      this.pendingRelay = { url };
      this.host.logger.info('sharing.relay_pending', { team: url !== undefined });
      return { relayUrl: this.config.relayUrl ?? null, pending: true };
    }
    this.switchRelay(url);
    return { relayUrl: url ?? null, pending: false };
  }

  private switchRelay(url: string | undefined): void {
    this.config.relayUrl = url;
    this.host.logger.info('sharing.relay_changed', { team: url !== undefined });
    const bridge = this.bridge;
    this.bridge = undefined;
    const relay = this.relayProcess;
    this.relayProcess = undefined;
    relay?.kill('SIGTERM');
    if (bridge !== undefined) void bridge.then((b) => b.close()).catch(() => undefined);
  }

  async createInvite(
    session: Session,
    role: Role,
    options: { ttlMs?: number; lobby?: boolean },
  ): Promise<{ invite: InviteInfo; url: string }> {
    const bridge = await this.start();
    const { invite, secret } = this.invites.create(session.id, role, options);
    this.host.logger.info('invite.created', { session: session.id, role, lobby: invite.lobby });
    return { invite: inviteInfo(invite), url: bridge.inviteUrl(invite.inviteId, secret) };
  }

  listInvites(sessionId: string): InviteInfo[] {
    return this.invites.list(sessionId).map(inviteInfo);
  }

  /**
   * The link stops letting anyone new in. People who joined with it stay (and may re-join
   * after a drop) unless `disconnect`: then they are removed too.
   */
  revokeInvite(inviteId: string, by: ClientLink, disconnect = false): void {
    const invite = this.invites.get(inviteId);
    if (invite !== undefined && by.scope !== undefined && invite.sessionId !== by.scope) {
      throw new TandemError('forbidden', 'That invite belongs to another session');
    }
    this.invites.revoke(inviteId);
    if (!disconnect) return;
    for (const person of this.people.values()) {
      if (person.inviteId === inviteId && !person.removed) this.expel(person);
    }
  }

  /**
   * Takes someone out of a session: every link of theirs closes at once, attached or not;
   * their identity can never re-join; and the link they used lets nobody new in without
   * the owner's say (it turns into a lobby link), unless `revokeInvite` revokes it outright.
   */
  remove(session: Session, participantId: string, revokeInvite = false): void {
    const info = session.presence.get(participantId);
    if (info?.local === true)
      throw new TandemError('bad_request', 'You cannot remove yourself from your own session');
    const person = this.people.get(participantId);
    if (person === undefined || person.sessionId !== session.id || person.removed)
      throw new TandemError('not_found', 'That person is no longer in the session');
    const invite = this.invites.get(person.inviteId);
    if (revokeInvite && invite !== undefined) this.invites.revoke(person.inviteId);
    else if (invite !== undefined) invite.lobby = true;
    this.expel(person);
  }

  private expel(person: Person): void {
    person.removed = true;
    const session = this.host.session(person.sessionId);
    const info = session?.presence.get(person.id);
    if (session !== undefined && info !== undefined) {
      session.notice('removed', info, `${info.name} was removed`);
    }
    this.host.logger.info('participant.removed', {
      session: person.sessionId,
      participant: person.id,
      links: person.links.size,
    });
    for (const link of person.links) {
      link.close?.();
      this.host.disconnect(link);
    }
    person.links.clear();
  }

  admit(sessionId: string, participantId: string, admit: boolean): void {
    const waiting = this.waiting.get(participantId);
    if (waiting === undefined || waiting.sessionId !== sessionId) {
      throw new TandemError('not_found', 'Nobody with that id is waiting in the lobby');
    }
    this.waiting.delete(participantId);
    if (admit) waiting.admit();
    else waiting.decline();
  }

  /** The session ended: every invite dies and every remote participant is let go. */
  sessionEnded(sessionId: string): void {
    this.invites.revokeSession(sessionId);
    for (const [id, person] of this.people) {
      if (person.sessionId === sessionId) this.people.delete(id);
    }
    const pending = this.pendingRelay;
    if (pending !== undefined && this.invites.size === 0 && this.people.size === 0) {
      this.pendingRelay = undefined;
      this.switchRelay(pending.url);
    }
    for (const [id, waiting] of this.waiting) {
      if (waiting.sessionId === sessionId) {
        this.waiting.delete(id);
        waiting.decline();
      }
    }
    for (const link of this.remote.values()) {
      if (link.scope !== sessionId) continue;
      // Let the session.exit event reach them before hanging up.
      setTimeout(() => link.close?.(), 300).unref();
    }
  }

  /** The agent's peer; started on the first invite (with the embedded relay, if needed). */
  start(): Promise<PeerBridge> {
    this.bridge ??= this.startBridge().catch((error: unknown) => {
      this.bridge = undefined;
      const message = error instanceof Error ? error.message : String(error);
      throw new TandemError(
        'device_error',
        `Could not start sharing: ${message} — check the relay settings`,
      );
    });
    return this.bridge;
  }

  /**
   * What a caller's media peer needs: the session's ICE servers, and for the owner's own views
   * the relay (started if it is not yet); a remote participant uses the relay it came from.
   */
  async callConfig(local: boolean): Promise<ResultMap['call.config']> {
    const iceServers = this.config.iceServers.map((s) => ({ ...s }));
    const policy =
      this.config.callPolicy === 'relay' ? { iceTransportPolicy: 'relay' as const } : {};
    if (!local) return { iceServers, ...policy };
    const { host, port, path, secure } = (await this.start()).relay;
    return { relay: { host, port, path, secure }, iceServers, ...policy };
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.memberWatch);
    const bridge = this.bridge;
    this.bridge = undefined;
    if (bridge !== undefined) await (await bridge.catch(() => undefined))?.close();
    this.relayProcess?.kill('SIGTERM');
    this.relayProcess = undefined;
  }

  private async startBridge(): Promise<PeerBridge> {
    const relay =
      this.config.relayUrl === undefined
        ? await this.startRelay()
        : teamRelay(this.config.relayUrl);
    return PeerBridge.start({
      relay,
      iceServers: this.config.iceServers,
      logger: this.host.logger,
      join: (request, pipe) => this.join(request, pipe),
    });
  }

  /**
   * Invite links name the relay's port, and live data channels outlast it: if the embedded
   * relay dies, it comes back on the same port, and the peer process registers again.
   */
  private superviseRelay(child: ChildProcess, port: number): void {
    child.once('exit', (code, signal) => {
      if (this.closing || this.relayProcess !== child) return;
      this.relayProcess = undefined;
      this.host.logger.error('relay.crashed', {
        ...(signal === null ? { code: code ?? undefined } : { signal }),
      });
      const retry = (): void => {
        const delay = this.relayRestartMs;
        this.relayRestartMs = Math.min(RELAY_RESTART_MAX_MS, delay * 2);
        setTimeout(() => {
          if (this.closing) return;
          this.startRelay(port).then(
            () => {
              this.relayRestartMs = RELAY_RESTART_FIRST_MS;
              this.host.logger.info('relay.restarted', { port });
            },
            (error: unknown) => {
              this.host.logger.warn('relay.restart_failed', {
                error: error instanceof Error ? error.message : String(error),
              });
              retry();
            },
          );
        }, delay).unref();
      };
      retry();
    });
  }

  private async startRelay(port = this.config.port): Promise<RelayEndpoint> {
    const args = [
      RELAY_SCRIPT,
      '--host',
      this.config.host,
      '--port',
      String(port),
      '--exit-with-stdin',
    ];
    const guestPage = this.config.guestPageDir ?? GUEST_PAGE_DIR;
    if (fs.existsSync(guestPage)) args.push('--static', guestPage);
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.relayProcess = child;
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the relay exited (code ${String(code)})`)));
    });
    const parsed: unknown = JSON.parse(line);
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !('port' in parsed) ||
      typeof parsed.port !== 'number' ||
      !('url' in parsed) ||
      typeof parsed.url !== 'string'
    ) {
      throw new Error('the relay did not say where it listens');
    }
    this.host.logger.info('relay.started', { url: parsed.url });
    if (!isLoopbackHost(this.config.host)) {
      // The embedded relay has no certificate: on a network address its signalling and the
      // guest page it serves travel in clear text (it says so on stderr too).
      this.host.logger.warn('relay.insecure', { host: this.config.host, tls: false });
    }
    this.superviseRelay(child, parsed.port);
    return {
      host: this.config.host,
      port: parsed.port,
      path: '/peer',
      secure: false,
      url: parsed.url,
    };
  }

  /**
   * A first join redeems the invite and gets a new identity with its own re-join secret
   * (through the lobby on a lobby link). A re-join proves that identity with that secret; it
   * needs no valid invite, so revoking or expiring a link never locks out someone who was
   * not removed.
   */
  private async join(request: JoinRequest, pipe: RemoteLinkPipe): Promise<RemoteParticipant> {
    const known =
      request.participantId === undefined ? undefined : this.people.get(request.participantId);
    if (known !== undefined) {
      const proven =
        request.rejoinSecret !== undefined &&
        request.inviteId === known.inviteId &&
        timingSafeEqual(known.secretHash, sha256(request.rejoinSecret));
      if (!proven) {
        this.host.logger.warn('participant.rejoin_refused', { participant: known.id });
        throw NOT_YOU;
      }
      if (known.removed) {
        throw new TandemError('unauthorized', 'The owner removed you from this session');
      }
      return this.enter(known, this.liveSession(known.sessionId), pipe);
    }
    const invite = this.invites.redeem(request.inviteId, request.secret);
    const session = this.liveSession(invite.sessionId);
    const rejoinSecret = randomBytes(24).toString('base64url');
    // A teammate's ticket: their name and colour come from the relay, not from what they typed.
    const member =
      request.member === undefined ? undefined : await this.redeemTicket(request.member);
    const person: Person = {
      id: `${member === undefined ? 'guest' : 'member'}:${randomBytes(9).toString('base64url')}`,
      sessionId: session.id,
      inviteId: invite.inviteId,
      name: member?.name ?? request.name,
      role: invite.role,
      secretHash: sha256(rejoinSecret),
      removed: false,
      links: new Set(),
      ...(member === undefined ? {} : { member: { id: member.id, color: member.color } }),
    };
    if (invite.lobby) {
      this.host.knock(session.id);
      await this.lobby(session, person.id, person.name, person.role);
    }
    this.people.set(person.id, person);
    if (person.member !== undefined) this.watchMembers();
    return this.enter(person, this.liveSession(session.id), pipe, rejoinSecret);
  }

  /** Who a member ticket names, per the team relay; undefined (a plain guest) if it cannot say. */
  private async redeemTicket(
    ticket: string,
  ): Promise<{ id: string; name: string; color: string } | undefined> {
    const team = this.team;
    if (team === undefined) return undefined;
    const audience = (await this.bridge)?.peerId;
    if (audience === undefined) return undefined;
    const body = await this.teamApi(team, '/api/tickets/redeem', { ticket, audience });
    const parsed = redeemedSchema.safeParse(body);
    if (!parsed.success) {
      this.host.logger.warn('participant.ticket_refused', {});
      return undefined;
    }
    return parsed.data.member;
  }

  /**
   * Removing a member on the team relay removes them from every session of this agent they are
   * in, within a check (every 2 s while any member is here): the relay is not in the data path.
   */
  private watchMembers(): void {
    if (this.memberWatch !== undefined) return;
    this.memberWatch = setInterval(() => void this.checkMembers(), MEMBER_CHECK_MS);
    this.memberWatch.unref();
  }

  private async checkMembers(): Promise<void> {
    const team = this.team;
    const members = [...this.people.values()].filter((p) => p.member !== undefined && !p.removed);
    if (members.length === 0 || team === undefined) {
      clearInterval(this.memberWatch);
      this.memberWatch = undefined;
      return;
    }
    const ids = [...new Set(members.map((p) => p.member?.id ?? ''))];
    const parsed = activeSchema.safeParse(await this.teamApi(team, '/api/members/active', { ids }));
    // The relay cannot be asked (down, or this token revoked): keep everyone, say so.
    if (!parsed.success) return;
    const active = new Set(parsed.data.active);
    for (const person of members) {
      if (person.member === undefined || active.has(person.member.id) || person.removed) continue;
      this.host.logger.info('participant.member_removed', { participant: person.id });
      this.expel(person);
    }
  }

  private async teamApi(
    team: { relayUrl: string; token: string },
    route: string,
    body: unknown,
  ): Promise<unknown> {
    try {
      const response = await fetch(`${team.relayUrl}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${team.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(3000),
      });
      return response.ok ? await response.json() : undefined;
    } catch (error) {
      this.host.logger.warn('team_relay.unreachable', {
        route,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }

  private liveSession(sessionId: string): Session {
    const session = this.host.session(sessionId);
    if (session === undefined || session.state === 'exited') {
      throw new TandemError(
        'unauthorized',
        'This session has ended — ask the owner for a new link',
      );
    }
    return session;
  }

  private enter(
    person: Person,
    session: Session,
    pipe: RemoteLinkPipe,
    rejoinSecret?: string,
  ): RemoteParticipant {
    const link: ClientLink = {
      id: randomUUID(),
      // Read live from the person: a role change reaches every link of theirs at once.
      get role() {
        return person.role;
      },
      set role(role: Role) {
        person.role = role;
      },
      local: false,
      participant: { id: person.id, name: person.name },
      ...(person.member === undefined ? {} : { color: person.member.color }),
      scope: session.id,
      send: (message) => pipe.send(forRemote(message, this.config.displayName)),
      sendOutput: (sessionId, seq, json) => pipe.sendOutput(sessionId, seq, json),
      backlog: () => pipe.backlog(),
      close: () => pipe.close(),
    };
    this.remote.set(link.id, link);
    person.links.add(link);
    this.host.logger.info('participant.joined', {
      session: session.id,
      participant: person.id,
      role: person.role,
      rejoin: rejoinSecret === undefined,
    });
    const handle = this.host.handlerFor(link);
    const result: JoinResult = {
      participantId: person.id,
      ...(rejoinSecret === undefined ? {} : { rejoinSecret }),
      sessionId: session.id,
      role: person.role,
      session: session.info(),
    };
    return {
      result,
      handle: (value) => {
        // A message already in flight when its sender was removed is not acted on.
        if (person.removed) return;
        handle(value);
      },
      closed: () => {
        this.remote.delete(link.id);
        person.links.delete(link);
        this.host.disconnect(link);
      },
    };
  }

  private lobby(session: Session, participantId: string, name: string, role: Role): Promise<void> {
    const info: ParticipantInfo = {
      id: participantId,
      name,
      role,
      color: '#999999',
      typing: false,
      local: false,
      waiting: true,
    };
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(participantId);
        reject(
          new TandemError(
            'unauthorized',
            'Nobody admitted you in time — ask the owner to let you in',
          ),
        );
      }, LOBBY_TIMEOUT_MS);
      this.waiting.set(participantId, {
        sessionId: session.id,
        info,
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
        decline: () => {
          clearTimeout(timer);
          reject(new TandemError('unauthorized', 'The owner did not let you in'));
        },
      });
      session.tellOwners(
        event('session.notice', {
          sessionId: session.id,
          kind: 'lobby',
          participant: info,
          text: `${name} is waiting to join`,
        }),
      );
    });
  }
}

function inviteInfo(invite: Invite): InviteInfo {
  return {
    inviteId: invite.inviteId,
    sessionId: invite.sessionId,
    role: invite.role,
    createdAt: new Date(invite.createdAt).toISOString(),
    ...(invite.expiresAt === undefined
      ? {}
      : { expiresAt: new Date(invite.expiresAt).toISOString() }),
    lobby: invite.lobby,
    uses: invite.uses,
  };
}

function teamRelay(url: string): RelayEndpoint {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    path: '/peer',
    secure,
    url: parsed.origin,
  };
}
