import type { TandemDb } from '../lib/db.js';
import {
  parseProcedure,
  procedureMarkdown,
  type ParsedProcedure,
  type Procedure,
  type ProcedureVersion,
} from './procedure.js';

export async function allProcedures(db: TandemDb): Promise<Procedure[]> {
  return db.procedures.orderBy('updatedAt').reverse().toArray();
}

/** Saves a new procedure (version 1); its Markdown must parse. Returns its id. */
export async function createProcedure(
  db: TandemDb,
  procedure: ParsedProcedure | string,
  now = new Date(),
): Promise<number> {
  const markdown = typeof procedure === 'string' ? procedure : procedureMarkdown(procedure);
  const { name } = parseProcedure(markdown);
  const at = now.toISOString();
  const id = await db.procedures.add({ name, markdown, version: 1, createdAt: at, updatedAt: at });
  if (id === undefined) throw new Error('The procedure could not be saved');
  return id;
}

/**
 * Saves an edit as the next version; the version it replaces is kept. Saving what is already
 * there changes nothing. Returns the procedure as saved.
 */
export async function saveProcedure(
  db: TandemDb,
  id: number,
  markdown: string,
  now = new Date(),
): Promise<Procedure> {
  const { name } = parseProcedure(markdown);
  return db.transaction('rw', db.procedures, db.procedureVersions, async () => {
    const current = await db.procedures.get(id);
    if (current === undefined) throw new Error('This procedure no longer exists (it was deleted)');
    if (current.markdown === markdown) return current;
    await db.procedureVersions.add({
      procedureId: id,
      version: current.version,
      markdown: current.markdown,
      savedAt: current.updatedAt,
    });
    const next: Procedure = {
      ...current,
      name,
      markdown,
      version: current.version + 1,
      updatedAt: now.toISOString(),
    };
    await db.procedures.put(next);
    return next;
  });
}

/** The versions a procedure had before its current one, newest first. */
export async function versionsOf(db: TandemDb, id: number): Promise<ProcedureVersion[]> {
  const rows = await db.procedureVersions.where('procedureId').equals(id).sortBy('version');
  return rows.reverse();
}

export async function deleteProcedure(db: TandemDb, id: number): Promise<void> {
  await db.transaction('rw', db.procedures, db.procedureVersions, async () => {
    await db.procedureVersions.where('procedureId').equals(id).delete();
    await db.procedures.delete(id);
  });
}
