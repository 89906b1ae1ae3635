import type { TandemDb } from '../lib/db.js';
import { memoryText, type Memory } from './memory.js';

/** The memories of one device, the newest first. */
export async function memoriesOf(db: TandemDb, targetKey: string): Promise<Memory[]> {
  const rows = await db.memories.where('targetKey').equals(targetKey).sortBy('createdAt');
  return rows.reverse();
}

export async function allMemories(db: TandemDb): Promise<Memory[]> {
  return db.memories.orderBy('updatedAt').reverse().toArray();
}

export async function addMemory(
  db: TandemDb,
  fields: Omit<Memory, 'id' | 'createdAt' | 'updatedAt'>,
  now = new Date(),
): Promise<Memory> {
  const at = now.toISOString();
  const memory: Memory = { ...fields, text: memoryText(fields.text), createdAt: at, updatedAt: at };
  const id = await db.memories.add(memory);
  return { ...memory, id };
}

export async function editMemory(
  db: TandemDb,
  id: number,
  text: string,
  now = new Date(),
): Promise<void> {
  const changed = await db.memories.update(id, {
    text: memoryText(text),
    updatedAt: now.toISOString(),
  });
  if (changed === 0) throw new Error('This memory no longer exists (it was deleted)');
}

export async function deleteMemory(db: TandemDb, id: number): Promise<void> {
  await db.memories.delete(id);
}
