import type { PersistentState, Ready } from '../machine/types.js';
import type { StateStore } from '../storage/types.js';

/**
 * What the pipeline reports back to its owner.
 *
 * @example
 * ```ts
 * import { ElectionMachine, MemoryStateStore } from '@baton/core';
 * import { PersistPipeline, type PersistPipelineInit } from './persist-pipeline.js';
 * const options = { clusterId: 'jobs', voters: ['a'] };
 * const machine = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 });
 * const init: PersistPipelineInit = {
 *   store: new MemoryStateStore(), // opened by the owner before the first submit
 *   currentState: () => machine.persistentState,
 *   onCommitted: (ready) => console.log('send', ready.messages, 'then publish', ready.events),
 *   onFailed: (error) => console.error('save failed: the batch is dropped', error),
 * };
 * const pipeline = new PersistPipeline(init);
 * ```
 */
export interface PersistPipelineInit {
  /** Where each batch's state is saved, before its messages go out. */
  store: StateStore;
  /** The machine's current persistent state: what a retry after a failed save writes. */
  currentState: () => PersistentState;
  /** The batch's state is durable (or it had none): send its messages, then publish its events. */
  onCommitted: (ready: Ready) => void;
  /** Saving failed: the batch's messages must be dropped. */
  onFailed: (error: unknown, ready: Ready) => void;
  /** The store works again after failures. */
  onRecovered?: () => void;
}

const NOTHING: Ready = { persist: null, messages: [], events: [] };

/**
 * Orders saves before sends across asynchronous saves.
 *
 * Batches (the machine's `ready()` outputs) form a chain: batch N is committed (its messages sent, its
 * events published) only after save N and every save before it succeeded. A batch without state to persist
 * is committed at once, synchronously, when nothing is pending, and otherwise waits its turn behind the
 * saves in flight, because its messages may depend on them (a vote reply is produced after the vote).
 *
 * When a save fails, that batch's messages are dropped (never sent) and the pipeline is degraded: every
 * later batch first saves the machine's *current* state, which contains every change of the failed batch
 * (terms and votes only move forward), and only then lets its own messages out. Nothing the machine ever
 * promised leaves this node without being on disk first.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@baton/core';
 * import { PersistPipeline } from './persist-pipeline.js';
 * const store = new MemoryStateStore();
 * await store.open();
 * const state = { term: 1, votedFor: 'a', configuration: { term: 0, version: 1, voters: ['a', 'b', 'c'] } };
 * const pipeline = new PersistPipeline({
 *   store, currentState: () => state,
 *   onCommitted: (ready) => console.log('send', ready.messages.length),
 *   onFailed: (error) => console.error(error),
 * });
 * pipeline.submit({ persist: state, messages: [], events: [] });
 * await pipeline.drain(); // 'send 0' once the state is saved
 * ```
 */
export class PersistPipeline {
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private resaveNeeded = false;
  private failureCount = 0;
  private lastFailure: unknown = null;
  /** Sequence number of the last batch submitted with state to save. */
  private submitted = 0;
  /** Every batch up to this sequence number has its state (or a newer one) on disk. */
  private savedThrough = 0;

  constructor(private readonly init: PersistPipelineInit) {}

  /** Batches waiting for a save (theirs or an earlier one). */
  get pending(): number {
    return this.inFlight;
  }

  /** Whether a save failed and no save succeeded since. */
  get degraded(): boolean {
    return this.resaveNeeded;
  }

  /** Saves that failed so far. */
  get failures(): number {
    return this.failureCount;
  }

  /** The error of the last failed save, or `null`. */
  get lastError(): unknown {
    return this.lastFailure;
  }

  /** Takes one `ready()` batch. */
  submit(ready: Ready): void {
    if (ready.persist === null && this.inFlight === 0 && !this.resaveNeeded) {
      this.init.onCommitted(ready);
      return;
    }
    this.enqueue(ready);
  }

  /** When degraded, tries to save the current state again (the owner calls this from a backoff timer). */
  retry(): void {
    if (this.resaveNeeded && this.inFlight === 0) this.enqueue(NOTHING);
  }

  /** Resolves when every batch submitted so far is committed or dropped. */
  drain(): Promise<void> {
    return this.chain;
  }

  private enqueue(ready: Ready): void {
    this.inFlight += 1;
    const seq = ready.persist === null ? 0 : ++this.submitted;
    // The owner's callbacks must not throw; should one do so anyway, the chain must still go on.
    this.chain = this.chain.then(() => this.commit(ready, seq)).catch(() => undefined);
  }

  /**
   * Saves the batch's state, then hands its messages on. Group commit: when batches with state wait behind
   * this one, the machine's current state is saved instead, once, and covers them all (terms, votes and
   * configurations only move forward, so a newer state is a valid answer for every older batch): they commit
   * without a save of their own. Many votes granted at once (the groups of a crashed leader) cost a few
   * saves, not one each.
   */
  private async commit(ready: Ready, seq: number): Promise<void> {
    const recovering = this.resaveNeeded;
    try {
      if (recovering || (seq > this.savedThrough && this.submitted > seq)) {
        const through = this.submitted;
        await this.init.store.save(this.init.currentState());
        this.savedThrough = Math.max(this.savedThrough, through);
      } else if (seq > this.savedThrough && ready.persist !== null) {
        await this.init.store.save(ready.persist);
        this.savedThrough = Math.max(this.savedThrough, seq);
      }
    } catch (error) {
      this.inFlight -= 1;
      this.resaveNeeded = true;
      this.failureCount += 1;
      this.lastFailure = error;
      this.init.onFailed(error, ready);
      return;
    }
    this.inFlight -= 1;
    if (recovering) {
      this.resaveNeeded = false;
      this.init.onRecovered?.();
    }
    this.init.onCommitted(ready);
  }
}
