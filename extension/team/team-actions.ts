import { browser } from 'wxt/browser';
import { z } from 'zod';
import type { SessionInfo } from '../../protocol/index.js';
import {
  resourceListSchema,
  resourceSchema,
  type Enrolment,
  type Resource,
  type Scope,
} from '../../protocol/team.js';
import type { ViewClient } from '../lib/view-client.js';
import { PENDING_JOIN_KEY, type TeamRequest } from './team-presence.js';
import { applyTeamSharing } from './team-sharing.js';
import { memberApi as api } from './team-storage.js';

/** What a team-shared session carries for teammates: the invite they join with. */
const sharedSessionData = z.object({
  url: z.string().max(2048),
  role: z.enum(['viewer', 'coworker']),
  inviteId: z.string().max(128),
  sessionId: z.string().max(64),
});
export type SharedSessionData = z.infer<typeof sharedSessionData>;

export type JoinRole = 'viewer' | 'coworker';

function tell(request: TeamRequest): void {
  void browser.runtime.sendMessage(request).catch(() => undefined);
}

/** Your live sessions, the ones a teammate could be invited to. */
export async function liveSessions(client: ViewClient): Promise<SessionInfo[]> {
  const { sessions } = await client.request('session.list', {});
  return sessions.filter((s) => s.state === 'running');
}

/**
 * Shares one of your sessions with a team (or the organization): an invite from your agent with
 * the role you chose, put on the relay under that scope, and named on your presence, so those
 * teammates see it in their popup and can join. The invite dies with the session.
 */
export async function shareSession(
  client: ViewClient,
  enrolment: Enrolment,
  session: SessionInfo,
  scope: Scope,
  role: JoinRole,
): Promise<Resource> {
  await applyTeamSharing(client);
  const { url, invite } = await client.request('invite.create', {
    sessionId: session.sessionId,
    role,
  });
  const data: SharedSessionData = {
    url,
    role,
    inviteId: invite.inviteId,
    sessionId: session.sessionId,
  };
  const resource = await api(enrolment, '/api/resources', resourceSchema, {
    method: 'POST',
    body: { kind: 'session', name: session.name, scope, data },
  });
  if (resource === undefined) throw new Error('The team relay did not keep the session.');
  tell({ type: 'team.session', resourceId: resource.id });
  return resource;
}

export async function stopSharing(
  client: ViewClient,
  enrolment: Enrolment,
  resource: Resource,
): Promise<void> {
  tell({ type: 'team.session', resourceId: null });
  await api(enrolment, `/api/resources/${resource.id}`, undefined, { method: 'DELETE' });
  const data = sharedSessionData.safeParse(resource.data);
  if (data.success) await client.request('invite.revoke', { inviteId: data.data.inviteId });
}

/** Invites one teammate to a session of yours: a notification with Join on their side. */
export async function inviteTeammate(
  client: ViewClient,
  session: SessionInfo,
  memberId: string,
  role: JoinRole,
): Promise<void> {
  await applyTeamSharing(client);
  const { url } = await client.request('invite.create', { sessionId: session.sessionId, role });
  tell({ type: 'team.invite', to: memberId, url, role });
}

export function askToJoin(memberId: string): void {
  tell({ type: 'team.ask', to: memberId });
}

/**
 * Joins a teammate's shared session: reads it from the relay (which checks you may see it) and
 * leaves the invite for the side panel, which joins under your member name when it opens.
 */
export async function joinShared(enrolment: Enrolment, resourceId: string): Promise<void> {
  const resource = await api(
    enrolment,
    `/api/resources/${encodeURIComponent(resourceId)}`,
    resourceSchema,
  );
  const data = sharedSessionData.safeParse(resource?.data);
  if (!data.success) throw new Error('That session is no longer shared.');
  await browser.storage.session.set({
    [PENDING_JOIN_KEY]: { url: data.data.url, role: data.data.role },
  });
}

/** The session you are sharing now, if any (the relay lists yours among what you can see). */
export async function mySharedSession(enrolment: Enrolment): Promise<Resource | undefined> {
  const list = await api(enrolment, '/api/resources?kind=session', resourceListSchema);
  return list?.resources.find((r) => r.ownerId === enrolment.member.id);
}
