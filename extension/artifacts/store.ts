import type { ArtifactDraft } from '../../protocol/index.js';
import type { TandemDb } from '../lib/db.js';
import { artifactFromDraft, MAX_EVIDENCE_CHARS, type Artifact, type Evidence } from './artifact.js';

/** The newest artifact made from a session, if any. */
export async function artifactOf(db: TandemDb, sessionId: string): Promise<Artifact | undefined> {
  const rows = await db.artifacts.where('sessionId').equals(sessionId).sortBy('createdAt');
  return rows.at(-1);
}

/** Every artifact, the most recently edited first. */
export async function allArtifacts(db: TandemDb): Promise<Artifact[]> {
  return db.artifacts.orderBy('updatedAt').reverse().toArray();
}

/**
 * Keeps a selection as evidence of `sessionId`; when the session already has an artifact, it
 * joins that artifact too. Returns what was kept (blank selections are refused).
 */
export async function addEvidence(
  db: TandemDb,
  where: { sessionId: string; recordingId?: string },
  text: string,
  t: number | undefined,
  now = new Date(),
): Promise<Evidence> {
  const trimmed = text.replace(/\s+$/, '').slice(0, MAX_EVIDENCE_CHARS);
  if (trimmed.trim() === '') throw new Error('Select some output first, then add it as evidence');
  const evidence: Evidence = {
    text: trimmed,
    at: now.toISOString(),
    ...(t === undefined ? {} : { t: Math.max(0, Math.round(t)) }),
  };
  await db.transaction('rw', db.evidence, db.artifacts, async () => {
    await db.evidence.add({ ...evidence, ...where });
    const artifact = await artifactOf(db, where.sessionId);
    if (artifact?.id !== undefined) {
      await db.artifacts.update(artifact.id, {
        evidence: [...artifact.evidence, evidence].sort((a, b) => (a.t ?? 0) - (b.t ?? 0)),
        updatedAt: now.toISOString(),
      });
    }
  });
  return evidence;
}

/** Makes the session's artifact from the agent's draft and the evidence picked so far. */
export async function createArtifact(
  db: TandemDb,
  draft: ArtifactDraft,
  now = new Date(),
): Promise<Artifact & { id: number }> {
  const evidence = await db.evidence.where('sessionId').equals(draft.sessionId).toArray();
  const artifact = artifactFromDraft(
    draft,
    evidence.map(({ text, t, at }) => (t === undefined ? { text, at } : { text, t, at })),
    now,
  );
  const id = await db.artifacts.add(artifact);
  if (id === undefined) throw new Error('The artifact could not be saved');
  return { ...artifact, id };
}

/** Saves an edit; returns the `updatedAt` it was saved with. */
export async function saveArtifact(
  db: TandemDb,
  artifact: Artifact,
  now = new Date(),
): Promise<string> {
  if (artifact.id === undefined) throw new Error('This artifact was never saved');
  const updatedAt = now.toISOString();
  // The team note is the share's to write (team-share.ts): an edit keeps what the row has.
  await db.transaction('rw', db.artifacts, async () => {
    const row = await db.artifacts.get(artifact.id ?? 0);
    const { team: _team, ...fields } = artifact;
    await db.artifacts.put({
      ...fields,
      ...(row?.team === undefined ? {} : { team: row.team }),
      updatedAt,
    });
  });
  return updatedAt;
}
