import type { PersistentState } from '../machine/types.js';

/**
 * Stable storage for a node's {@link PersistentState} (term, vote, voter configuration).
 *
 * The runtime calls `open()` once before `load()`, and `save()` before it sends any message that depends on
 * the saved state. A store must never return a state older than the last one saved, and must fail loudly
 * (an error naming what is wrong) rather than return `null` for a state it cannot read: a node that forgot
 * its vote can elect two leaders.
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
