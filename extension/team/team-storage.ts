import { browser } from 'wxt/browser';
import { z } from 'zod';
import {
  enrolmentSchema,
  rosterEntrySchema,
  type Enrolment,
  type MemberInfo,
  type RosterEntry,
  type TeamInfo,
} from '../../protocol/team.js';

/**
 * Where the team relay's state lives in the browser, and its schema, in one place:
 * - `team.enrolment` (local storage): what enrolment gave, the member token with it. It stays
 *   on this profile only; removing the member or "Leave the team" deletes it.
 * - `team.view` (session storage): what the background worker knows now (roster, connection),
 *   for the popup and options page to render; gone when the browser quits.
 */
const ENROLMENT_KEY = 'team.enrolment';
const VIEW_KEY = 'team.view';

export type Connection = 'connecting' | 'connected' | 'offline' | 'signed-out';

export interface TeamView {
  connection: Connection;
  /** Why the connection is what it is, in words for the member. */
  message?: string;
  you?: MemberInfo;
  org?: { id: string; name: string };
  teams: TeamInfo[];
  members: RosterEntry[];
  /** Your own state as the relay has it. */
  state: 'online' | 'away' | 'offline';
}

const viewSchema = z.object({
  connection: z.enum(['connecting', 'connected', 'offline', 'signed-out']),
  message: z.string().optional(),
  you: enrolmentSchema.shape.member.optional(),
  org: enrolmentSchema.shape.org.optional(),
  teams: enrolmentSchema.shape.teams,
  members: z.array(rosterEntrySchema),
  state: z.enum(['online', 'away', 'offline']),
});

export const EMPTY_VIEW: TeamView = {
  connection: 'offline',
  teams: [],
  members: [],
  state: 'offline',
};

export async function loadEnrolment(): Promise<Enrolment | undefined> {
  const stored: Record<string, unknown> = await browser.storage.local.get(ENROLMENT_KEY);
  const parsed = enrolmentSchema.safeParse(stored[ENROLMENT_KEY]);
  return parsed.success ? parsed.data : undefined;
}

export async function saveEnrolment(enrolment: Enrolment): Promise<void> {
  await browser.storage.local.set({ [ENROLMENT_KEY]: enrolment });
}

export async function clearEnrolment(): Promise<void> {
  await browser.storage.local.remove(ENROLMENT_KEY);
  await browser.storage.session.remove(VIEW_KEY);
}

export async function loadView(): Promise<TeamView> {
  const stored: Record<string, unknown> = await browser.storage.session.get(VIEW_KEY);
  const parsed = viewSchema.safeParse(stored[VIEW_KEY]);
  if (!parsed.success) return EMPTY_VIEW;
  const { message, you, org, ...rest } = parsed.data;
  return {
    ...rest,
    ...(message === undefined ? {} : { message }),
    ...(you === undefined ? {} : { you }),
    ...(org === undefined ? {} : { org }),
  };
}

export async function saveView(view: TeamView): Promise<void> {
  await browser.storage.session.set({ [VIEW_KEY]: view });
}

/** Calls `changed` whenever the enrolment or the background's view changes. */
export function onTeamChanged(changed: () => void): () => void {
  const listener = (changes: Record<string, unknown>) => {
    if (ENROLMENT_KEY in changes || VIEW_KEY in changes) changed();
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}

/** Calls `changed` when this browser enrols or leaves (not on every presence change). */
export function onEnrolmentChanged(changed: () => void): () => void {
  const listener = (changes: Record<string, unknown>, area: string) => {
    if (area === 'local' && ENROLMENT_KEY in changes) changed();
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}

/** The relay's JSON answer; when it refused, its `error` (what to do) or its status, thrown. */
export async function relayAnswer(response: Response): Promise<unknown> {
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok)
    throw new Error(
      typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string'
        ? body.error
        : `The team relay answered ${response.status}.`,
    );
  return body;
}

/**
 * A member API call with this browser's token: the answer checked against `schema` (none:
 * nothing read), the relay's refusal thrown with its message.
 */
export async function memberApi<T>(
  enrolment: Enrolment,
  route: string,
  schema: z.ZodType<T> | undefined,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<T | undefined> {
  let response: Response;
  try {
    response = await fetch(`${enrolment.relayUrl}${route}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${enrolment.token}`,
        'content-type': 'application/json',
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(init.timeoutMs) }),
    });
  } catch {
    throw new Error(`Cannot reach the team relay at ${enrolment.relayUrl}.`);
  }
  if (response.status === 204) return undefined;
  const body = await relayAnswer(response);
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error('The team relay sent an answer Tandem does not understand.');
  return parsed.data;
}

/**
 * Redeems an enrolment link at its relay. The relay's answer is parsed, never trusted as is.
 */
export async function enrol(relayUrl: string, token: string): Promise<Enrolment> {
  let response: Response;
  try {
    response = await fetch(`${relayUrl}/api/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  } catch {
    throw new Error(`Cannot reach the relay at ${relayUrl}: check the address and your network.`);
  }
  const parsed = enrolmentSchema.safeParse(await relayAnswer(response));
  if (!parsed.success) throw new Error('The relay sent an answer Tandem does not understand.');
  // Members talk to the relay at the address they enrolled with, whatever it says of itself.
  return { ...parsed.data, relayUrl };
}

/** A one-time proof of membership for the agent whose session you join (60 s). */
export async function memberTicket(
  enrolment: Enrolment,
  agentPeerId: string,
): Promise<string | undefined> {
  const response = await fetch(`${enrolment.relayUrl}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${enrolment.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ audience: agentPeerId }),
  });
  const body: unknown = await response.json().catch(() => undefined);
  return typeof body === 'object' &&
    body !== null &&
    'ticket' in body &&
    typeof body.ticket === 'string'
    ? body.ticket
    : undefined;
}

/** Tells the relay to forget this browser's token (best effort: it is deleted here anyway). */
export async function revokeToken(enrolment: Enrolment): Promise<void> {
  await fetch(`${enrolment.relayUrl}/api/tokens/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${enrolment.token}` },
  }).catch(() => undefined);
}
