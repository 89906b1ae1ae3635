import fs from 'node:fs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { RESOURCE_KINDS, resourceInputSchema, type IceServer } from '../../protocol/team.js';
import { DirectoryError, hashToken, memberInfo, type Directory } from './directory.js';
import { isAgentPeerId } from '../peer-ids.js';
import type { Cluster } from './cluster.js';
import type { Log } from './log.js';
import type { PresenceHub } from './presence-hub.js';
import { RateLimiter } from './rate.js';
import type { MemberRecord } from './store.js';

export const RELAY_VERSION = readVersion();

export interface TeamApiOptions {
  directory: Directory;
  hub: PresenceHub;
  log: Log;
  /** The address members reach the relay at (goes into enrolment links and answers). */
  publicUrl: () => string;
  /** Fresh ICE servers for a member id or a guest (TURN credentials expire). */
  iceServers: (user: string) => IceServer[];
  /** "relay": everyone sends everything through TURN (no caller learns another's address). */
  icePolicy: 'all' | 'relay';
  /** Whether a PeerJS id is connected to this relay (or another replica): a guest's ICE. */
  peerConnected: (peerId: string) => boolean;
  /** Bad tokens per address: shared with the presence socket. */
  authFailures: RateLimiter;
  enrolments?: RateLimiter;
  storeKind: string;
  storeHealthy?: () => Promise<boolean>;
  cluster?: Cluster;
}

const ENROL_PAGE = `<!doctype html><meta charset="utf-8"><title>Tandem enrolment</title>
<style>body{font:16px system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em;line-height:1.5}</style>
<h1>Join your team on Tandem</h1>
<p>Copy this page's address (the whole link, with the part after #), open Tandem's settings
(right-click the Tandem icon → Options) and paste it under <b>Team relay</b>.</p>
<p>The link works once. If it says it was used or expired, ask your relay admin for a new one.</p>`;

/**
 * The team relay's HTTP surface: `/health` and the enrolment page for anyone, the rest of
 * `/api` only with a member token (`Authorization: Bearer`). Answers are JSON with an
 * `error` that says what to do; no stack traces. CORS is open because nothing rides on
 * cookies: a page without the token can do nothing.
 */
export function teamRouter(options: TeamApiOptions): Router {
  const { directory, hub, log } = options;
  const started = Date.now();
  const enrolments = options.enrolments ?? new RateLimiter(10, 6000);
  const router = express.Router();

  router.use((request, response, next) => {
    response.set('Access-Control-Allow-Origin', '*');
    response.set('Access-Control-Allow-Headers', 'authorization, content-type');
    response.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
    response.set('Cache-Control', 'no-store');
    if (request.method === 'OPTIONS') response.status(204).end();
    else next();
  });

  // A load balancer's probe: 503 when the store does not answer (this replica cannot sign
  // anyone in). Redis down is reported but still 200: members here keep working, they only
  // miss teammates on other replicas until it is back.
  router.get('/health', (_request, response, next) => {
    (options.storeHealthy?.() ?? Promise.resolve(true))
      .then((storeOk) => {
        response.status(storeOk ? 200 : 503).json({
          ok: storeOk,
          version: RELAY_VERSION,
          uptimeS: Math.round((Date.now() - started) / 1000),
          connectedMembers: hub.connectedMembers,
          store: options.storeKind,
          storeOk,
          ...(options.cluster === undefined
            ? {}
            : { replica: options.cluster.replicaId, redis: options.cluster.status() }),
        });
      })
      .catch(next);
  });

  // A guest's ICE servers (TURN credentials), for joining a session of an agent connected to
  // this relay now: what a guest behind NAT needs, and nothing for anyone who names no live
  // session. Limited per address like enrolment.
  const guestIce = new RateLimiter(30, 2000);
  router.get('/ice', (request, response) => {
    const ip = request.socket.remoteAddress ?? 'unknown';
    const wait = guestIce.take(ip);
    if (wait > 0) {
      tooMany(response, wait, 'Too many requests: wait a few seconds');
      return;
    }
    const peer = typeof request.query.peer === 'string' ? request.query.peer : '';
    if (!isAgentPeerId(peer) || !options.peerConnected(peer)) {
      response.status(404).json({ error: 'No such session on this relay' });
      return;
    }
    response.json({
      iceServers: options.iceServers(`guest-${peer.slice(7, 19)}`),
      iceTransportPolicy: options.icePolicy,
    });
  });

  router.get('/enrol', (_request, response) => {
    response
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      .type('html')
      .send(ENROL_PAGE);
  });

  const json = express.json({ limit: '80kb' });
  // A shared artifact or procedure is up to 512 KiB of data (RESOURCE_DATA_MAX), JSON-escaped.
  const resourceJson = express.json({ limit: '640kb' });

  router.post('/api/enrol', json, (request, response, next) => {
    const ip = request.socket.remoteAddress ?? 'unknown';
    const wait = enrolments.take(ip);
    if (wait > 0) {
      log('enrol.rate_limited', { ip });
      tooMany(response, wait, 'Too many enrolment attempts: wait a minute and try again');
      return;
    }
    const token = field(request.body, 'token');
    if (typeof token !== 'string' || token.length > 256) {
      response.status(400).json({ error: 'Send {"token": "<the part of the link after #>"}' });
      return;
    }
    directory
      .enrol(token, options.publicUrl(), options.iceServers)
      .then((enrolment) => {
        log('member.enrolled', { member: enrolment.member.id });
        void hub.directoryChanged(enrolment.org.id);
        response.json(enrolment);
      })
      .catch((error: unknown) => {
        log('enrol.refused', { ip });
        next(error);
      });
  });

  const members = new WeakMap<Request, { member: MemberRecord; token: string }>();
  router.use('/api', (request, response, next) => {
    const ip = request.socket.remoteAddress ?? 'unknown';
    const wait = options.authFailures.wait(ip);
    if (wait > 0) {
      tooMany(response, wait, 'Too many requests with a bad token from your address');
      return;
    }
    const header = request.get('authorization') ?? '';
    const token = /^Bearer ([A-Za-z0-9_-]{1,256})$/.exec(header)?.[1];
    directory
      .authenticate(token)
      .then((member) => {
        if (member === undefined || token === undefined) {
          options.authFailures.take(ip);
          log('api.unauthorized', { ip });
          response.status(401).json({
            error: 'This relay needs a member token: enrol with the link your admin gave you',
          });
          return;
        }
        members.set(request, { member, token });
        next();
      })
      .catch(next);
  });

  const handle =
    (
      fn: (
        member: MemberRecord,
        request: Request,
        response: Response,
        token: string,
      ) => Promise<void>,
    ) =>
    (request: Request, response: Response, next: NextFunction) => {
      const who = members.get(request);
      if (who === undefined) {
        next(new DirectoryError(401, 'Not signed in'));
        return;
      }
      fn(who.member, request, response, who.token).catch(next);
    };

  router.get(
    '/api/me',
    handle(async (member, _request, response) => {
      const org = await directory.orgById(member.orgId);
      response.json({
        member: memberInfo(member),
        org: { id: org.id, name: org.name },
        teams: await directory.teams(member.orgId),
      });
    }),
  );

  // A member's ICE servers, fresh: the extension asks before it configures its agent.
  router.get(
    '/api/ice',
    handle(async (member, _request, response) => {
      response.json({
        iceServers: options.iceServers(member.id),
        iceTransportPolicy: options.icePolicy,
      });
    }),
  );

  router.post(
    '/api/tokens/revoke',
    handle(async (member, _request, response, token) => {
      await directory.store.revokeToken(hashToken(token), Date.now());
      log('token.revoked', { member: member.id });
      response.status(204).end();
    }),
  );

  // Member tickets: a joining member's proof for the owner's agent (docs/relay.md).
  router.post(
    '/api/tickets',
    json,
    handle(async (member, request, response) => {
      response.json(await directory.issueTicket(member, audienceOf(request.body)));
    }),
  );

  router.post(
    '/api/tickets/redeem',
    json,
    handle(async (member, request, response) => {
      const ticket = field(request.body, 'ticket');
      if (typeof ticket !== 'string' || ticket.length > 256)
        throw new DirectoryError(400, 'Send {"ticket": "…"}');
      response.json({
        member: await directory.redeemTicket(member, ticket, audienceOf(request.body)),
      });
    }),
  );

  router.post(
    '/api/members/active',
    json,
    handle(async (member, request, response) => {
      const list = field(request.body, 'ids');
      const ids = Array.isArray(list)
        ? list.filter((id: unknown): id is string => typeof id === 'string')
        : undefined;
      if (ids === undefined || ids.length > 256)
        throw new DirectoryError(400, 'Send {"ids": ["…"]} (at most 256)');
      response.json({ active: await directory.activeMembers(member, ids) });
    }),
  );

  router.get(
    '/api/resources',
    handle(async (member, request, response) => {
      const kind = RESOURCE_KINDS.find((k) => k === request.query.kind);
      if (kind === undefined)
        throw new DirectoryError(400, `Say which kind: ?kind=${RESOURCE_KINDS.join('|')}`);
      const brief = request.query.brief === '1';
      response.json({ resources: await directory.list(member, kind, { brief }) });
    }),
  );

  router.post(
    '/api/resources',
    resourceJson,
    handle(async (member, request, response) => {
      const resource = await directory.share(member, parseInput(request.body));
      log('resource.shared', { member: member.id, kind: resource.kind, resource: resource.id });
      response.status(201).json(resource);
    }),
  );

  router.put(
    '/api/resources/:id',
    resourceJson,
    handle(async (member, request, response) => {
      const id = String(request.params.id);
      if (!/^[A-Za-z0-9_-]{8,64}$/.test(id))
        throw new DirectoryError(400, 'A resource id is 8–64 letters, digits, _ or -');
      response.json(await directory.share(member, parseInput(request.body), id));
    }),
  );

  router.get(
    '/api/resources/:id',
    handle(async (member, request, response) => {
      response.json(await directory.read(member, String(request.params.id)));
    }),
  );

  router.delete(
    '/api/resources/:id',
    handle(async (member, request, response) => {
      await directory.unshare(member, String(request.params.id));
      response.status(204).end();
    }),
  );

  router.use('/api', (_request, response) => {
    response.status(404).json({ error: 'No such API' });
  });

  router.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (error instanceof DirectoryError) {
      response.status(error.status).json({ error: error.message });
      return;
    }
    if (isBodyError(error)) {
      response.status(400).json({
        error: 'The request body is not JSON, or is too big (80 KiB; 640 KiB for a shared thing)',
      });
      return;
    }
    next(error);
  });
  return router;
}

function parseInput(body: unknown) {
  const result = resourceInputSchema.safeParse(body);
  if (!result.success)
    throw new DirectoryError(
      400,
      'Send {"kind": "session|recording|artifact|procedure", "name": "…", ' +
        '"scope": {"kind": "org"} or {"kind": "team", "teamId": "…"}, "data": {…}}',
    );
  return result.data;
}

/** One field of a JSON body, if the body is an object. */
function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
}

/** The agent peer id a ticket is for (`tandem-…`, as in invite links). */
function audienceOf(body: unknown): string {
  const audience = field(body, 'audience');
  if (typeof audience !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(audience))
    throw new DirectoryError(400, 'Say which agent the ticket is for: {"audience": "<peer id>"}');
  return audience;
}

function tooMany(response: Response, waitMs: number, error: string): void {
  response
    .status(429)
    .set('Retry-After', String(Math.ceil(waitMs / 1000)))
    .json({ error, retryAfterMs: waitMs });
}

function isBodyError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'type' in error &&
    (error.type === 'entity.parse.failed' || error.type === 'entity.too.large')
  );
}

function readVersion(): string {
  try {
    const parsed: unknown = JSON.parse(
      fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed)
      return String(parsed.version);
  } catch {
    // Installed without its package.json: say so rather than fail.
  }
  return 'unknown';
}
