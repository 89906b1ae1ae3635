/**
 * The team relay's surface, shared by the relay (`relay/team/`) and the extension: the presence
 * socket's messages both ways, and the JSON of its HTTP API. Schemas are used at ingress only.
 */
import { z } from 'zod';

/** Where the presence socket lives on a team relay. */
export const PRESENCE_PATH = '/presence';
/** A member's client sends a beat this often (the relay also counts any message as one). */
export const PRESENCE_BEAT_MS = 10_000;
/** No beat for this long and the member is offline, whatever the socket says. */
export const PRESENCE_TIMEOUT_MS = 30_000;

export const PRESENCE_STATES = ['online', 'away', 'offline'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

export const RESOURCE_KINDS = ['session', 'recording', 'artifact', 'procedure'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Who may see a shared thing: everyone in the organization, or one team of it. */
export type Scope = { kind: 'org' } | { kind: 'team'; teamId: string };

export interface TeamInfo {
  id: string;
  name: string;
}

export interface MemberInfo {
  id: string;
  name: string;
  /** Avatar colour, one of AVATAR_COLORS. */
  color: string;
  admin: boolean;
  /** Team ids. */
  teams: string[];
}

/** A session a member is in, as the teammates it is shared with see it. */
export interface SharedSessionInfo {
  /** The resource id on the relay. */
  id: string;
  name: string;
}

export interface RosterEntry extends MemberInfo {
  state: PresenceState;
  /** Only when it is shared with a scope the reader belongs to. */
  session?: SharedSessionInfo;
}

/** What enrolment hands the extension (`POST /api/enrol`). */
export interface Enrolment {
  /** The member's token for every later request: kept by the extension, stored hashed. */
  token: string;
  member: MemberInfo;
  org: { id: string; name: string };
  teams: TeamInfo[];
  /** The relay's public address, for signalling and presence. */
  relayUrl: string;
  iceServers: IceServer[];
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface Resource {
  id: string;
  kind: ResourceKind;
  name: string;
  ownerId: string;
  /** Who shared it, as the relay knows them now (left out once they are removed). */
  ownerName?: string;
  scope: Scope;
  /** Left out of a brief list (`?brief=1`). */
  data?: unknown;
  createdAt: string;
}

/** Member → relay, on the presence socket. The first message must be `hello`. */
export type PresenceClientMessage =
  | { type: 'hello'; token: string; state: 'online' | 'away' }
  | { type: 'beat'; state: 'online' | 'away' }
  /** The shared session resource (already put with the API) the member is in, or none. */
  | { type: 'session'; resourceId: string | null }
  | { type: 'ask'; to: string }
  | { type: 'invite'; to: string; url: string; role: 'viewer' | 'coworker' };

/** Relay → member. */
export type PresenceServerMessage =
  | { type: 'welcome'; you: MemberInfo; org: { id: string; name: string }; teams: TeamInfo[] }
  /** The whole roster: after welcome and whenever the directory changes. */
  | { type: 'roster'; members: RosterEntry[]; teams: TeamInfo[] }
  | { type: 'presence'; id: string; state: PresenceState; session?: SharedSessionInfo }
  /** Several changes in one message, when the relay is busy (a reconnect storm). */
  | {
      type: 'presences';
      members: { id: string; state: PresenceState; session?: SharedSessionInfo }[];
    }
  | { type: 'ask'; from: string }
  | { type: 'invite'; from: string; url: string; role: 'viewer' | 'coworker' }
  /** The member was removed or their token revoked; the socket closes next. */
  | { type: 'removed'; message: string }
  | { type: 'error'; message: string };

const id = z.string().min(1).max(64);
const liveState = z.enum(['online', 'away']);
export const INVITE_URL_MAX = 2048;

export const presenceClientSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), token: z.string().min(1).max(256), state: liveState }),
  z.object({ type: z.literal('beat'), state: liveState }),
  z.object({ type: z.literal('session'), resourceId: id.nullable() }),
  z.object({ type: z.literal('ask'), to: id }),
  z.object({
    type: z.literal('invite'),
    to: id,
    url: z
      .string()
      .max(INVITE_URL_MAX)
      .regex(/^https?:\/\//),
    role: z.enum(['viewer', 'coworker']),
  }),
]);

const memberInfo = z.object({
  id,
  name: z.string().min(1).max(64),
  color: z.string().min(1).max(32),
  admin: z.boolean(),
  teams: z.array(id).max(256),
});
const teamInfo = z.object({ id, name: z.string().min(1).max(64) });
const sessionInfo = z.object({ id, name: z.string().max(128) });
const org = z.object({ id, name: z.string().min(1).max(64) });
const presenceState = z.enum(PRESENCE_STATES);
export const rosterEntrySchema = memberInfo.extend({
  state: presenceState,
  session: sessionInfo.optional(),
});

export const presenceServerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), you: memberInfo, org, teams: z.array(teamInfo) }),
  z.object({
    type: z.literal('roster'),
    members: z.array(memberInfo.extend({ state: presenceState, session: sessionInfo.optional() })),
    teams: z.array(teamInfo),
  }),
  z.object({
    type: z.literal('presence'),
    id,
    state: presenceState,
    session: sessionInfo.optional(),
  }),
  /** Several members' changes at once: what a busy relay sends (a reconnect storm). */
  z.object({
    type: z.literal('presences'),
    members: z
      .array(z.object({ id, state: presenceState, session: sessionInfo.optional() }))
      .max(100_000),
  }),
  z.object({ type: z.literal('ask'), from: id }),
  z.object({
    type: z.literal('invite'),
    from: id,
    url: z.string().max(INVITE_URL_MAX),
    role: z.enum(['viewer', 'coworker']),
  }),
  z.object({ type: z.literal('removed'), message: z.string().max(512) }),
  z.object({ type: z.literal('error'), message: z.string().max(512) }),
]);

const iceServer = z.object({
  urls: z.union([z.string().max(512), z.array(z.string().max(512)).max(8)]),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});
export const iceServersSchema = z.array(iceServer).max(8);

/** What `/api/ice` (a member) and `/ice?peer=` (a guest) answer. */
export const iceResponseSchema = z.object({
  iceServers: iceServersSchema,
  iceTransportPolicy: z.enum(['all', 'relay']),
});

export const enrolmentSchema = z.object({
  token: z.string().min(1).max(256),
  member: memberInfo,
  org,
  teams: z.array(teamInfo),
  relayUrl: z.string().max(2048),
  iceServers: iceServersSchema,
});

export const resourceSchema = z.object({
  id,
  kind: z.enum(RESOURCE_KINDS),
  name: z.string().max(128),
  ownerId: id,
  ownerName: z.string().max(64).optional(),
  scope: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('org') }),
    z.object({ kind: z.literal('team'), teamId: id }),
  ]),
  data: z.unknown().optional(),
  createdAt: z.string().max(64),
});
export const resourceListSchema = z.object({ resources: z.array(resourceSchema) });

/** The body of `POST /api/resources`. */
export const resourceInputSchema = z.object({
  kind: z.enum(RESOURCE_KINDS),
  name: z.string().min(1).max(128),
  scope: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('org') }),
    z.object({ kind: z.literal('team'), teamId: id }),
  ]),
  data: z.unknown().optional(),
});
export type ResourceInput = z.infer<typeof resourceInputSchema>;

/**
 * An enrolment link is `<relay>/enrol#<token>`: the token sits in the fragment, which browsers
 * never send anywhere, and the relay's address comes with it.
 */
export function parseEnrolmentLink(text: string): { relayUrl: string; token: string } | undefined {
  // No URL class here (protocol/ has neither DOM nor Node): the shape is simple enough.
  const match =
    /^(https?:\/\/[A-Za-z0-9.:[\]-]+(?:\/[A-Za-z0-9._~%-]+)*)\/enrol#([A-Za-z0-9_-]{20,128})$/.exec(
      text.trim(),
    );
  if (match === null || match[1] === undefined || match[2] === undefined) return undefined;
  return { relayUrl: match[1], token: match[2] };
}
