import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}

/** The pid in a lock file; undefined if it is gone, or holds no pid (left half-written). */
export function lockHolder(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** How many times to go round when the lock changes under us; each round is a few syscalls. */
const ATTEMPTS = 8;

/**
 * Takes the per-user agent lock: a file holding this process's pid. Returns false if a live
 * process holds it.
 *
 * Why not "create exclusively; if the holder is dead, delete and retry": two agents started
 * together next to a stale lock both read the dead pid, the first deletes it and creates its
 * own, and the second then deletes the first one's fresh lock and creates another. Two daemons
 * ran, one of them unreachable. Here every step that changes the lock is atomic and checked:
 * - the lock appears only whole, by `link` of a file already holding our pid (EEXIST if any
 *   lock is there);
 * - a stale lock is taken away by `rename` to a name of our own, which only one process can
 *   do to a given file; the taker then reads what it took, and if that was not the dead pid it
 *   judged (someone's fresh lock, created since), it puts it back with `link`.
 * The daemon still checks it holds the lock once it listens (lockHolder), for the case no step
 * here can see: three starters interleaving inside one rename.
 */
export function takeAgentLock(file: string): boolean {
  const unique = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const mine = `${file}.${unique}`;
  fs.writeFileSync(mine, String(process.pid), { flag: 'wx', mode: 0o600 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        fs.linkSync(mine, file);
        return true;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      const holder = lockHolder(file);
      if (holder === process.pid) return true;
      if (holder !== undefined && pidAlive(holder)) return false;
      const taken = `${file}.stale.${unique}`;
      try {
        fs.renameSync(file, taken);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue; // someone else took it away first
        throw error;
      }
      const captured = lockHolder(taken);
      if (captured !== holder && captured !== undefined && pidAlive(captured)) {
        // Not the stale lock we judged: a live agent's, taken since. Give it back.
        try {
          fs.linkSync(taken, file);
        } catch (error) {
          if (errorCode(error) !== 'EEXIST') throw error;
        }
      }
      fs.rmSync(taken, { force: true });
    }
    return false;
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

/** Lets go of the lock, if this process still holds it. */
export function releaseAgentLock(file: string): void {
  if (lockHolder(file) === process.pid) fs.rmSync(file, { force: true });
}
