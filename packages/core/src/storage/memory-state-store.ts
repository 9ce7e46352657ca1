import { checkPersistentState } from '../machine/persistent-state.js';
import type { PersistentState } from '../machine/types.js';
import { StoreStateError } from './errors.js';
import type { StateStore } from './types.js';

/**
 * A {@link StateStore} in memory, for tests and simulations.
 *
 * Unsafe across restarts: the state lives only as long as this object. A node restarted with a new
 * `MemoryStateStore` forgets its term and its vote, and may vote a second time in a term it already voted
 * in, which can elect two leaders in that term. Reuse the same instance to model a restart that keeps its
 * disk; use `FileStateStore` in production.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@baton/core';
 * const store = new MemoryStateStore();
 * await store.open();
 * await store.save({ term: 2, votedFor: 'a', configuration: { term: 0, version: 1, voters: ['a', 'b', 'c'] } });
 * console.log((await store.load())?.term); // 2
 * await store.close();
 * ```
 */
export class MemoryStateStore implements StateStore {
  readonly description: string;
  private state: PersistentState | null;
  private opened = false;
  private saveCount = 0;

  /** @param initial a state to start from, as if saved by an earlier run. */
  constructor(initial: PersistentState | null = null, description = 'memory') {
    if (initial !== null) checkPersistentState(initial);
    this.state = initial === null ? null : structuredClone(initial);
    this.description = description;
  }

  /** The state last saved (a copy), without opening the store: for assertions in tests. */
  get current(): PersistentState | null {
    return this.state === null ? null : structuredClone(this.state);
  }

  /** How many saves succeeded. */
  get saves(): number {
    return this.saveCount;
  }

  /** Whether the store is open. */
  get isOpen(): boolean {
    return this.opened;
  }

  async open(): Promise<void> {
    if (this.opened) throw new StoreStateError(`${this.description}: the store is already open`);
    this.opened = true;
  }

  async load(): Promise<PersistentState | null> {
    this.assertOpen('load');
    return this.state === null ? null : structuredClone(this.state);
  }

  async save(state: PersistentState): Promise<void> {
    this.assertOpen('save');
    checkPersistentState(state);
    this.state = structuredClone(state);
    this.saveCount += 1;
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  private assertOpen(operation: string): void {
    if (!this.opened)
      throw new StoreStateError(`${this.description}: ${operation}() called while the store is not open`);
  }
}
