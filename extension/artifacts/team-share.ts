/**
 * Artifacts on the team relay: shared with a team (or the whole organization) as a resource of
 * kind `artifact`, whose data is the artifact's JSON export; listed and read by teammates the
 * relay lets see it; copied into a teammate's own library. The relay checks every scope.
 */
import { z } from 'zod';
import {
  enrolmentSchema,
  resourceListSchema,
  resourceSchema,
  type Enrolment,
  type Resource,
  type Scope,
} from '../../protocol/team.js';
import type { TandemDb } from '../lib/db.js';
import { memberApi } from '../team/team-storage.js';
import { artifactJson, type Artifact } from './artifact.js';
import { parseArtifact } from './artifact-schema.js';

const meSchema = enrolmentSchema.pick({ member: true, org: true, teams: true });
type Me = z.infer<typeof meSchema>;

/** Where an artifact can be shared: a team the member is in, or the whole organization. */
export function shareScopes(me: Me): { scope: Scope; name: string }[] {
  return [
    ...me.teams
      .filter((t) => me.member.teams.includes(t.id))
      .map((t) => ({ scope: { kind: 'team', teamId: t.id } as Scope, name: t.name })),
    { scope: { kind: 'org' }, name: `everyone in ${me.org.name}` },
  ];
}

/** The scopes as the relay has them now (an admin may have moved the member since enrolment). */
export async function currentScopes(
  enrolment: Enrolment,
): Promise<{ scope: Scope; name: string }[]> {
  const me = await memberApi(enrolment, '/api/me', meSchema);
  return shareScopes(me ?? enrolment);
}

/**
 * Sends the artifact as it is now: the first time a new shared copy, later an update of the
 * same one (teammates keep one link). Returns the artifact with its `team` note, saved.
 */
export async function shareArtifact(
  db: TandemDb,
  enrolment: Enrolment,
  artifact: Artifact,
  target: { scope: Scope; name: string },
  now = new Date(),
): Promise<Artifact> {
  if (artifact.id === undefined) throw new Error('Save the artifact first');
  const body = {
    kind: 'artifact',
    name: artifact.title.trim().slice(0, 128) || 'Artifact',
    scope: target.scope,
    data: JSON.parse(artifactJson(artifact)) as unknown,
  };
  const existing = artifact.team?.resourceId;
  const resource = await memberApi(
    enrolment,
    existing === undefined ? '/api/resources' : `/api/resources/${encodeURIComponent(existing)}`,
    resourceSchema,
    { method: existing === undefined ? 'POST' : 'PUT', body },
  );
  if (resource === undefined) throw new Error('The team relay did not keep the artifact.');
  const shared: Artifact = {
    ...artifact,
    team: {
      resourceId: resource.id,
      scope: target.scope,
      scopeName: target.name,
      sharedAt: now.toISOString(),
      sentVersion: artifact.updatedAt,
    },
  };
  // The share is a note on the row, not an edit: `updatedAt` stays.
  await db.artifacts.update(artifact.id, { team: shared.team });
  return shared;
}

/** Takes the shared copy off the relay (gone already is fine) and forgets it here. */
export async function unshareArtifact(
  db: TandemDb,
  enrolment: Enrolment,
  artifact: Artifact,
): Promise<Artifact> {
  const { team, ...rest } = artifact;
  if (team !== undefined) {
    try {
      await memberApi(
        enrolment,
        `/api/resources/${encodeURIComponent(team.resourceId)}`,
        undefined,
        {
          method: 'DELETE',
        },
      );
    } catch (error) {
      if (!(error instanceof Error && /Nothing shared under that id/.test(error.message)))
        throw error;
    }
  }
  if (artifact.id !== undefined) await db.artifacts.update(artifact.id, { team: undefined });
  return rest;
}

/** The artifacts teammates shared where this member can see them (without their data). */
export async function teamArtifacts(enrolment: Enrolment): Promise<Resource[]> {
  const list = await memberApi(
    enrolment,
    '/api/resources?kind=artifact&brief=1',
    resourceListSchema,
  );
  return list?.resources ?? [];
}

/** One shared artifact, read from the relay and checked. */
export async function teamArtifact(
  enrolment: Enrolment,
  resourceId: string,
): Promise<{ resource: Resource; artifact: Artifact }> {
  const resource = await memberApi(
    enrolment,
    `/api/resources/${encodeURIComponent(resourceId)}`,
    resourceSchema,
  );
  if (resource?.kind !== 'artifact') throw new Error('Nothing shared under that id');
  return { resource, artifact: parseArtifact(resource.data) };
}

/**
 * A teammate's artifact kept in this browser's library, to edit as one's own. Its recording is
 * on their machine, so the copy has no replay links.
 */
export async function copyArtifact(
  db: TandemDb,
  artifact: Artifact,
  from: string,
  now = new Date(),
): Promise<number> {
  const { id: _id, team: _team, recordingId: _recording, ...fields } = artifact;
  const at = now.toISOString();
  const id = await db.artifacts.add({
    ...fields,
    notes:
      `${fields.notes.trim()}\n\n_Copied from ${from}'s shared artifact on ${at.slice(0, 10)}._`.trim(),
    createdAt: at,
    updatedAt: at,
  });
  if (id === undefined) throw new Error('The copy could not be saved');
  return id;
}
