import type { TandemDb } from '../lib/db.js';

/**
 * Named systems: a name the user gives to what a device is part of ("payments cluster",
 * "lab-core"), so a finding about the whole system comes back on every device linked to it,
 * while a device's own memories stay with its host key or serial number. One row per device
 * (DeviceTarget.key): a device is part of at most one named system.
 */
export interface SystemLink {
  targetKey: string;
  /** The name as the user wrote it. */
  name: string;
  /** How the device was named when it was linked. */
  targetLabel: string;
  linkedAt: string;
}

export const SYSTEM_NAME_MAX = 64;
const SYSTEM_KEY_PREFIX = 'named-system:';

/** A system's name as kept: trimmed, inner runs of space as one; refused when blank or long. */
export function systemName(name: string): string {
  const clean = name.trim().replace(/\s+/g, ' ');
  if (clean === '') throw new Error('Name the system first: for example “payments cluster”');
  if (clean.length > SYSTEM_NAME_MAX)
    throw new Error(`A system name is at most ${SYSTEM_NAME_MAX} characters`);
  return clean;
}

/** The memory target key of a named system: the same for "Lab Core" and "lab core". */
export function systemKey(name: string): string {
  return `${SYSTEM_KEY_PREFIX}${systemName(name).toLowerCase()}`;
}

export function isSystemKey(targetKey: string): boolean {
  return targetKey.startsWith(SYSTEM_KEY_PREFIX);
}

/** The named system a device is part of, if any. */
export async function systemOf(db: TandemDb, targetKey: string): Promise<SystemLink | undefined> {
  return db.systems.get(targetKey);
}

/**
 * Makes a device part of a named system (instead of any other it was part of). A name that
 * differs from a known one only in case takes the known spelling.
 */
export async function linkSystem(
  db: TandemDb,
  target: { key: string; label: string },
  name: string,
  now = new Date(),
): Promise<SystemLink> {
  const clean = systemName(name);
  const known = (await systemNames(db)).find((n) => n.toLowerCase() === clean.toLowerCase());
  const link: SystemLink = {
    targetKey: target.key,
    name: known ?? clean,
    targetLabel: target.label,
    linkedAt: now.toISOString(),
  };
  await db.systems.put(link);
  return link;
}

/** The device is no longer part of its system; the system's memories stay with the system. */
export async function unlinkSystem(db: TandemDb, targetKey: string): Promise<void> {
  await db.systems.delete(targetKey);
}

/** Every system name in use, each once, sorted: what the name field offers. */
export async function systemNames(db: TandemDb): Promise<string[]> {
  const names = new Map<string, string>();
  for (const link of await db.systems.toArray())
    names.set(link.name.toLowerCase(), names.get(link.name.toLowerCase()) ?? link.name);
  return [...names.values()].sort((a, b) => a.localeCompare(b));
}
