import { BatonError } from '../errors.js';

/**
 * Another process (or another store in this process) holds the data directory. Two nodes sharing one
 * state file could both vote in one term, so the second one refuses to start.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { FileStateStore, StateLockedError } from '@baton/core';
 * const dataDir = mkdtempSync(join(tmpdir(), 'baton-'));
 * await new FileStateStore(dataDir).open();
 * await new FileStateStore(dataDir).open().catch((error) => {
 *   if (error instanceof StateLockedError) console.error(error.holderPid === process.pid); // true
 * });
 * ```
 */
export class StateLockedError extends BatonError {
  override readonly name = 'StateLockedError';
  readonly code = 'ERR_STATE_LOCKED';
  constructor(
    /** The data directory that is locked. */
    readonly directory: string,
    /** The pid recorded in the lock file, or `null` when it cannot be read. */
    readonly holderPid: number | null,
    /** The host recorded in the lock file, or `null`. */
    readonly holderHost: string | null,
    detail: string,
  ) {
    super(
      `data directory ${directory} is locked by ${holderPid === null ? 'an unknown process' : `pid ${holderPid}`}` +
        `${holderHost ? ` on ${holderHost}` : ''}: ${detail}`,
    );
  }
}

/**
 * The state file cannot be trusted: it is truncated, not JSON, fails its checksum, has an unknown format
 * version, or holds an impossible state. Baton never resets it silently: a node that forgot its vote can
 * elect two leaders. Restore the file from a backup, or (knowing the risk) remove it while the whole cluster
 * is stopped.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { CorruptStateError, FileStateStore, STATE_FILE } from '@baton/core';
 * const dataDir = mkdtempSync(join(tmpdir(), 'baton-'));
 * writeFileSync(join(dataDir, STATE_FILE), '{"format":"baton-st'); // a truncated write
 * const store = new FileStateStore(dataDir);
 * await store.open();
 * await store.load().catch((error) => {
 *   if (error instanceof CorruptStateError) console.error(error.problem); // 'it is not valid JSON, ...'
 * });
 * ```
 */
export class CorruptStateError extends BatonError {
  override readonly name = 'CorruptStateError';
  readonly code = 'ERR_CORRUPT_STATE';
  constructor(
    /** The file that is corrupt. */
    readonly file: string,
    /** What is wrong with it. */
    readonly problem: string,
  ) {
    super(
      `state file ${file} is corrupt: ${problem}. Refusing to start rather than forget this node's vote.`,
    );
  }
}

/**
 * A store was used in the wrong order (`load()` before `open()`, `save()` after `close()`).
 *
 * @example
 * ```ts
 * import { MemoryStateStore, StoreStateError } from '@baton/core';
 * await new MemoryStateStore().load().catch((error) => console.log(error instanceof StoreStateError)); // true
 * ```
 */
export class StoreStateError extends BatonError {
  override readonly name = 'StoreStateError';
  readonly code = 'ERR_STORE_STATE';
}
