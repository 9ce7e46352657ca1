import { randomUUID } from 'node:crypto';
import { link, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileDurably } from './durable-fs.js';
import { StateLockedError } from './errors.js';

/**
 * The name of the lock file in a data directory.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { FileStateStore } from '@baton/core';
 * import { LOCK_FILE } from './directory-lock.js';
 * const dataDir = mkdtempSync(join(tmpdir(), 'baton-'));
 * await new FileStateStore(dataDir).open();
 * console.log(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid === process.pid); // true
 * ```
 */
export const LOCK_FILE = 'baton.lock';

interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  /** Wall-clock time, for people reading the file only; never used for timing. */
  readonly acquiredAt: string;
}

/** Tokens of the locks this process holds: a lock with our pid and an unknown token is a stale one. */
const heldTokens = new Set<string>();

/** A lock held on a data directory. */
export interface DirectoryLock {
  readonly file: string;
  release(): Promise<void>;
}

/**
 * Takes the lock file of `directory`, or throws {@link StateLockedError}.
 *
 * The lock file is written completely under a temporary name and then `link()`ed into place, which fails
 * atomically when the lock exists, so a lock file is never seen half written. A lock whose holder is dead
 * (same host, and `kill(pid, 0)` says no such process; or our own pid with a token this process did not
 * issue, as after a container restart where the pid is reused) is stale and taken over: it is renamed away,
 * checked to be the very file judged stale, and removed before the lock is taken again. A lock recorded by
 * another host is never taken over automatically.
 */
export async function acquireDirectoryLock(directory: string): Promise<DirectoryLock> {
  const file = join(directory, LOCK_FILE);
  const record: LockRecord = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    acquiredAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryLink(file, record)) {
      heldTokens.add(record.token);
      return { file, release: () => release(file, record.token) };
    }
    const holder = await readLock(file);
    if (holder === 'missing') continue; // released between our attempt and the read: try again
    if (holder === null || staleness(holder) === null) throw lockedError(directory, holder);
    await takeOver(directory, file, holder);
  }
  const holder = await readLock(file);
  throw lockedError(
    directory,
    holder === 'missing' ? null : holder,
    'another process took the lock at the same time',
  );
}

/**
 * Who holds the lock of `directory`, read without taking it: `null` when no lock file exists; `holder: null`
 * when it cannot be read. `stale` says why the holder is provably gone (the next `open()` takes the lock
 * over), or is `null` when it may be alive (or runs on another host).
 */
export async function readLockHolder(directory: string): Promise<LockHolder | null> {
  const file = join(directory, LOCK_FILE);
  const holder = await readLock(file);
  if (holder === 'missing') return null;
  if (holder === null) return { file, holder: null, stale: null };
  const { pid, host, acquiredAt } = holder;
  const stale = holder.pid === process.pid && holder.host === hostname() ? null : staleness(holder);
  return { file, holder: { pid, host, acquiredAt }, stale };
}

/**
 * The lock of a data directory, as `FileStateStore.lockHolder()` reads it.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { FileStateStore, type LockHolder } from '@baton/core';
 * const holder: LockHolder | null = await FileStateStore.lockHolder(mkdtempSync(join(tmpdir(), 'baton-')));
 * console.log(holder); // null: no node uses the directory
 * ```
 */
export interface LockHolder {
  /** The lock file. */
  readonly file: string;
  /** The process that took it (`acquiredAt` is wall-clock time, for people), or `null` when unreadable. */
  readonly holder: { readonly pid: number; readonly host: string; readonly acquiredAt: string } | null;
  /** Why the holder is provably gone, or `null` when it may be alive. */
  readonly stale: string | null;
}

async function tryLink(file: string, record: LockRecord): Promise<boolean> {
  const temporary = `${file}.${record.token}.tmp`;
  // Durable before it is linked: after a power loss an empty lock file would refuse every start.
  await writeFileDurably(temporary, `${JSON.stringify(record)}\n`, 'wx');
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Reads a lock file: its record, `null` when it is unreadable, or `'missing'`. */
async function readLock(file: string): Promise<LockRecord | null | 'missing'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (
      Number.isSafeInteger(value.pid) &&
      typeof value.host === 'string' &&
      typeof value.token === 'string'
    ) {
      return value as LockRecord;
    }
  } catch {
    // fall through
  }
  return null;
}

/** Why the lock is stale, or `null` when its holder may be alive. */
function staleness(holder: LockRecord | null): string | null {
  if (holder === null) return null; // cannot tell who holds it: never take it over
  if (holder.host !== hostname()) return null;
  if (holder.pid === process.pid) {
    return heldTokens.has(holder.token) ? null : 'left by an earlier process with the same pid';
  }
  try {
    process.kill(holder.pid, 0);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? `pid ${holder.pid} is not running` : null;
  }
}

async function takeOver(directory: string, file: string, stale: LockRecord): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomUUID()}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw error;
  }
  const moved = await readLock(aside);
  if (moved !== 'missing' && moved !== null && moved.token === stale.token) {
    await unlink(aside).catch(() => undefined);
    return;
  }
  // We moved a lock that another process took in the meantime: put it back, without clobbering.
  await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  throw lockedError(
    directory,
    moved === 'missing' ? null : moved,
    'another process took the lock at the same time',
  );
}

async function release(file: string, token: string): Promise<void> {
  if (!heldTokens.delete(token)) return;
  const holder = await readLock(file);
  if (holder !== 'missing' && holder !== null && holder.token === token)
    await unlink(file).catch(() => undefined);
}

function lockedError(directory: string, holder: LockRecord | null, detail?: string): StateLockedError {
  if (holder === null) {
    return new StateLockedError(
      directory,
      null,
      null,
      detail ??
        `the lock file ${join(directory, LOCK_FILE)} cannot be read; remove it if no node uses this directory`,
    );
  }
  const self = holder.pid === process.pid && holder.host === hostname();
  const reason =
    detail ??
    (self
      ? 'another store in this process has it open'
      : holder.host !== hostname()
        ? `the lock was taken on another host; remove ${join(directory, LOCK_FILE)} if that node is gone`
        : 'another process uses this directory; give each node its own data directory');
  return new StateLockedError(directory, holder.pid, holder.host, reason);
}
