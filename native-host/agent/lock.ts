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

/** How long to keep trying while others take a stale lock away; each try is a few syscalls. */
const TRY_FOR_MS = 3000;
const PAUSE_MS = 5;
/** A takeover marker older than this was left by a starter that died inside its takeover. */
const TAKEOVER_STALE_MS = 5000;

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the per-user agent lock: a file holding this process's pid. Returns false if a live
 * process holds it.
 *
 * Why not "create exclusively; if the holder is dead, delete and retry": two agents started
 * together next to a stale lock both read the dead pid, the first deletes it and creates its
 * own, and the second then deletes the first one's fresh lock and creates another. Two daemons
 * ran, one of them unreachable. (Taking the stale lock away by rename and putting back what
 * turned out to be live still let two of eight win now and then: a third starter can link its
 * own lock in while the taker holds someone's live lock aside.) So:
 * - the lock appears only whole, by `link` of a file already holding our pid (EEXIST while any
 *   lock is there): whoever's link succeeds holds it, and only one can while the file exists;
 * - the file goes away only by its live holder (on exit) or by a stale-lock takeover, and only
 *   one starter at a time may take over: it must first create `<lock>.takeover` exclusively,
 *   then, holding that, read the lock again and remove it only if its holder is dead. Nothing
 *   else removes the file meanwhile, so what it removes is the stale lock it judged.
 */
export function takeAgentLock(file: string): boolean {
  const unique = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const mine = `${file}.${unique}`;
  const takeover = `${file}.takeover`;
  fs.writeFileSync(mine, String(process.pid), { flag: 'wx', mode: 0o600 });
  const deadline = Date.now() + TRY_FOR_MS;
  try {
    for (;;) {
      try {
        fs.linkSync(mine, file);
        return true;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      const holder = lockHolder(file);
      if (holder === process.pid) return true;
      if (holder !== undefined && pidAlive(holder)) return false;
      if (Date.now() > deadline) return false;
      if (!takeOver(file, takeover, mine)) pause(PAUSE_MS);
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

/** With the takeover marker held: removes the lock if its holder is dead. False: busy. */
function takeOver(file: string, takeover: string, mine: string): boolean {
  try {
    fs.linkSync(mine, takeover);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    clearStaleTakeover(takeover);
    return false;
  }
  try {
    const holder = lockHolder(file);
    if (holder === undefined || !pidAlive(holder)) fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(takeover, { force: true });
  }
}

/** A starter that died inside its takeover (a few syscalls long) left its marker: clear it. */
function clearStaleTakeover(takeover: string): void {
  try {
    if (Date.now() - fs.statSync(takeover).mtimeMs > TAKEOVER_STALE_MS)
      fs.rmSync(takeover, { force: true });
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

/** Lets go of the lock, if this process still holds it. */
export function releaseAgentLock(file: string): void {
  if (lockHolder(file) === process.pid) fs.rmSync(file, { force: true });
}
