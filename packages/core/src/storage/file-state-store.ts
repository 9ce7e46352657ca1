import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { checkPersistentState } from '../machine/persistent-state.js';
import type { GroupState, PersistentState } from '../machine/types.js';
import {
  acquireDirectoryLock,
  type DirectoryLock,
  type LockHolder,
  readLockHolder,
} from './directory-lock.js';
import { makeDirectoryDurably, replaceFileDurablySync } from './durable-fs.js';
import { CorruptStateError, StoreStateError } from './errors.js';
import type { StateStore } from './types.js';

/**
 * The name of the state file in a data directory.
 *
 * @example
 * ```ts
 * import { join } from 'node:path';
 * import { STATE_FILE } from '@baton/core';
 * console.log(join('/var/lib/jobs/baton', STATE_FILE)); // /var/lib/jobs/baton/baton-state.json
 * ```
 */
export const STATE_FILE = 'baton-state.json';
/**
 * The newest format version this version of Baton reads and writes. Version 3 adds the election groups'
 * records (`groups`) and the configuration's `groupTermFloor`; version 4 adds `retiredTerm` (the highest
 * term of a group record retired, which a version that reads only 3 would drop: it refuses the file
 * instead). A state is written in the oldest version that holds it: without groups, a floor or a retired
 * term as version 2, so that a node of a cluster that never used groups can run an older Baton again. Version 1 (a
 * voter list and a version, `config`) still loads, as a configuration of term 0, and is written as version 2
 * at the next save; a newer version than this one is refused, naming the file.
 *
 * @example
 * ```ts
 * import { STATE_FORMAT_VERSION } from './file-state-store.js';
 * console.log(STATE_FORMAT_VERSION); // 4
 * ```
 */
export const STATE_FORMAT_VERSION = 4;
/** The version written for a state with no election group and no group term floor. */
const PLAIN_FORMAT_VERSION = 2;
/** The version written for a state with groups or a floor, and no retired term. */
const GROUPS_FORMAT_VERSION = 3;
const FORMAT = 'baton-state';

/**
 * A {@link StateStore} in a data directory: one JSON state file, written atomically, and a lock file.
 *
 * - The state file holds `{ format, version, checksum, state }`; `checksum` is `sha256:` and the hex SHA-256
 *   of the canonical JSON (keys sorted, no spaces) of `{ format, version, state }`.
 * - A save writes a temporary file, `fsync`s it, renames it over the state file and `fsync`s the
 *   directory, so after a crash the file holds either the old or the new state, whole. `save()` resolves
 *   only then. The save is synchronous (it blocks the event loop while the disk syncs, about 1 ms on an SSD):
 *   an asynchronous one waited for the event loop at each step, and a busy process's saves took ten times
 *   longer (see `replaceFileDurablySync`).
 * - `open()` creates the directory if needed and takes `baton.lock` in it; a second store on the same
 *   directory, in this process or another, fails with {@link StateLockedError} naming the directory and the
 *   holder's pid. A lock left by a dead process on this host is taken over.
 * - `load()` returns `null` only when there is no state file. A file that is empty, truncated, not JSON,
 *   fails its checksum, has another format version or holds an impossible state throws
 *   {@link CorruptStateError} naming the file: it is never reset silently.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { FileStateStore } from '@baton/core';
 * const store = new FileStateStore(mkdtempSync(join(tmpdir(), 'baton-'))); // e.g. /var/lib/my-service/baton
 * await store.open();
 * const state = await store.load(); // null on the very first start
 * await store.save({ term: 1, votedFor: 'a', configuration: { term: 1, version: 1, voters: ['a', 'b', 'c'] } });
 * await store.close();
 * ```
 */
export class FileStateStore implements StateStore {
  /** The data directory, resolved to an absolute path. */
  readonly directory: string;
  /** The state file. */
  readonly file: string;
  readonly description: string;
  private lock: DirectoryLock | null = null;
  private opening: Promise<void> | null = null;
  /** Saves run one at a time, in call order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    if (typeof dataDir !== 'string' || dataDir.trim() === '') {
      throw new InvalidOptionError('dataDir', dataDir, 'must be a non-empty path');
    }
    this.directory = resolve(dataDir);
    this.file = join(this.directory, STATE_FILE);
    this.description = `data directory ${this.directory}`;
  }

  async open(): Promise<void> {
    if (this.lock !== null) throw new StoreStateError(`${this.description}: the store is already open`);
    if (this.opening !== null) return this.opening;
    this.opening = (async () => {
      await makeDirectoryDurably(this.directory);
      this.lock = await acquireDirectoryLock(this.directory);
      // A temporary file left by a crash during a save was never renamed, so nothing was sent that
      // depends on it: it can go.
      await unlink(this.temporaryFile()).catch(() => undefined);
    })();
    try {
      await this.opening;
    } finally {
      this.opening = null;
    }
  }

  async load(): Promise<PersistentState | null> {
    this.assertOpen('load');
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return parseStateFile(this.file, text);
  }

  /**
   * Reads the state file of `dataDir` without taking its lock (a running node may hold it): for tools and
   * for deciding, before a node starts, whether it already belongs to a cluster. `null` when there is no state
   * file; a file that cannot be trusted throws `CorruptStateError` naming it.
   *
   * @example
   * ```ts
   * import { mkdtempSync } from 'node:fs';
   * import { tmpdir } from 'node:os';
   * import { join } from 'node:path';
   * import { FileStateStore } from '@baton/core';
   * const state = await FileStateStore.read(mkdtempSync(join(tmpdir(), 'baton-')));
   * console.log(state === null ? 'a new node' : `member of ${state.configuration.voters.join(', ')}`);
   * ```
   */
  static async read(dataDir: string): Promise<PersistentState | null> {
    const file = join(resolve(dataDir), STATE_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return parseStateFile(file, text);
  }

  /**
   * Who holds the lock of `dataDir` (`baton.lock`), read without taking it: `null` when no node uses the
   * directory. For tools (the `baton` command) and people, not for deciding whether to start.
   *
   * @example
   * ```ts
   * import { mkdtempSync } from 'node:fs';
   * import { tmpdir } from 'node:os';
   * import { join } from 'node:path';
   * import { FileStateStore } from '@baton/core';
   * const dataDir = mkdtempSync(join(tmpdir(), 'baton-'));
   * const store = new FileStateStore(dataDir);
   * await store.open();
   * console.log((await FileStateStore.lockHolder(dataDir))?.holder?.pid === process.pid); // true
   * await store.close();
   * ```
   */
  static lockHolder(dataDir: string): Promise<LockHolder | null> {
    return readLockHolder(resolve(dataDir));
  }

  save(state: PersistentState): Promise<void> {
    const run = async () => {
      this.assertOpen('save');
      checkPersistentState(state);
      this.write(serialiseState(state));
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.queue;
    const lock = this.lock;
    this.lock = null;
    await lock?.release();
  }

  private write(text: string): void {
    replaceFileDurablySync(this.file, this.temporaryFile(), text);
  }

  private temporaryFile(): string {
    return `${this.file}.tmp`;
  }

  private assertOpen(operation: string): void {
    if (this.lock === null) {
      throw new StoreStateError(`${this.description}: ${operation}() called while the store is not open`);
    }
  }
}

/**
 * The text of a state file for `state`: versioned, checksummed JSON.
 *
 * @example
 * ```ts
 * import { serialiseState } from './file-state-store.js';
 * console.log(serialiseState({ term: 1, votedFor: 'a', configuration: { term: 1, version: 1, voters: ['a'] } }));
 * ```
 */
export function serialiseState(state: PersistentState): string {
  const plain = state.groups === undefined && (state.configuration.groupTermFloor ?? 0) === 0;
  const version =
    (state.retiredTerm ?? 0) > 0
      ? STATE_FORMAT_VERSION
      : plain
        ? PLAIN_FORMAT_VERSION
        : GROUPS_FORMAT_VERSION;
  const body = { format: FORMAT, version, state: normalise(state) };
  const document = { ...body, checksum: checksum(body) };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Parses and verifies the text of a state file; throws {@link CorruptStateError} naming `file` and the
 * problem.
 *
 * @example
 * ```ts
 * import { parseStateFile, serialiseState } from './file-state-store.js';
 * const configuration = { term: 3, version: 1, voters: ['a', 'b', 'c'] };
 * const text = serialiseState({ term: 4, votedFor: null, configuration });
 * console.log(parseStateFile('state.json', text).term); // 4
 * ```
 */
export function parseStateFile(file: string, text: string): PersistentState {
  if (text.trim() === '') throw new CorruptStateError(file, 'the file is empty');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new CorruptStateError(
      file,
      `it is not valid JSON, probably truncated (${(error as Error).message})`,
    );
  }
  if (document == null || typeof document !== 'object' || Array.isArray(document)) {
    throw new CorruptStateError(file, 'it does not hold a JSON object');
  }
  const { format, version, state, checksum: recorded } = document as Record<string, unknown>;
  if (format !== FORMAT) {
    throw new CorruptStateError(
      file,
      `format is ${JSON.stringify(format)}, expected ${JSON.stringify(FORMAT)}`,
    );
  }
  if (
    version !== STATE_FORMAT_VERSION &&
    version !== GROUPS_FORMAT_VERSION &&
    version !== PLAIN_FORMAT_VERSION &&
    version !== 1
  ) {
    throw new CorruptStateError(
      file,
      typeof version === 'number' && Number.isInteger(version) && version > STATE_FORMAT_VERSION
        ? `format version ${version} was written by a newer Baton (this one reads versions 1 to ${STATE_FORMAT_VERSION}); run the newer version, or restore a backup`
        : `format version ${JSON.stringify(version)} is not one this Baton reads (it reads versions 1 to ${STATE_FORMAT_VERSION})`,
    );
  }
  if (typeof recorded !== 'string') throw new CorruptStateError(file, 'the checksum is missing');
  const expected = checksum({ format, version, state });
  if (recorded !== expected) {
    throw new CorruptStateError(
      file,
      `the checksum does not match its content (recorded ${recorded}, computed ${expected})`,
    );
  }
  const current = version === 1 ? upgradeFromVersion1(state) : state;
  try {
    checkPersistentState(current);
  } catch (error) {
    throw new CorruptStateError(file, (error as Error).message);
  }
  return normalise(current);
}

/**
 * Format version 1 kept `config: { version, voters }`, before configurations had a term: it becomes the
 * configuration of term 0 (older than any a leader has stamped since, so nothing is lost: a cluster that
 * moved on is newer, and this node adopts it). It is written as version 2 at the next save.
 */
function upgradeFromVersion1(state: unknown): unknown {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return state;
  const { config, ...rest } = state as Record<string, unknown>;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return state;
  return { ...rest, configuration: { term: 0, ...(config as Record<string, unknown>) } };
}

function normalise(state: PersistentState): PersistentState {
  const { term, version, voters, groupTermFloor } = state.configuration;
  const floor = groupTermFloor ?? 0;
  const plain: PersistentState = {
    term: state.term,
    votedFor: state.votedFor,
    configuration: { term, version, voters: [...voters], ...(floor > 0 ? { groupTermFloor: floor } : {}) },
    ...((state.retiredTerm ?? 0) > 0 ? { retiredTerm: state.retiredTerm } : {}),
  };
  if (state.groups === undefined) return plain;
  const groups: Record<string, GroupState> = {};
  for (const [name, group] of Object.entries(state.groups)) {
    groups[name] = { term: group.term, votedFor: group.votedFor };
  }
  return { ...plain, groups };
}

function checksum(body: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

/** JSON with object keys sorted at every level, so that a checksum does not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
