import type { PersistentState } from '../machine/types.js';

/**
 * Stable storage for a node's {@link PersistentState} (term, vote, voter configuration).
 *
 * The runtime calls `open()` once before `load()`, and `save()` before it sends any message that depends on
 * the saved state. A store must never return a state older than the last one saved, and must fail loudly
 * (an error naming what is wrong) rather than return `null` for a state it cannot read: a node that forgot
 * its vote can elect two leaders.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { FileStateStore, type StateStore } from '@baton/core';
 * const store: StateStore = new FileStateStore(mkdtempSync(join(tmpdir(), 'baton-')));
 * await store.open(); // takes the directory's lock
 * console.log(await store.load()); // null: nothing saved yet
 * await store.save({ term: 1, votedFor: 'a', configuration: { term: 0, version: 1, voters: ['a'] } });
 * await store.close();
 * ```
 */
export interface StateStore {
  /** A short description for errors and logs, such as the data directory. */
  readonly description: string;
  /** Takes exclusive use of the storage (a second process on the same storage must fail here). */
  open(): Promise<void>;
  /** The last saved state, or `null` when nothing was ever saved. */
  load(): Promise<PersistentState | null>;
  /** Saves durably: when the promise resolves, the state survives a crash of the process or the machine. */
  save(state: PersistentState): Promise<void>;
  /** Releases the storage. Idempotent. */
  close(): Promise<void>;
}
