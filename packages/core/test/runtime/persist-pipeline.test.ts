import { describe, expect, it } from 'vitest';
import { type ElectionMessage, MemoryStateStore, type PersistentState, type Ready } from '../../src/index.js';
import { PersistPipeline } from '../../src/runtime/persist-pipeline.js';

const configuration = { term: 0, version: 1, voters: ['a', 'b', 'c'] };
const state = (term: number, votedFor: string | null = null): PersistentState => ({
  term,
  votedFor,
  configuration,
});
const message = (term: number): ElectionMessage => ({
  type: 'vote-response',
  cluster: 'x',
  from: 'a',
  to: 'b',
  term,
  granted: true,
});
const batch = (persist: PersistentState | null, ...terms: number[]): Ready => ({
  persist,
  messages: terms.map(message),
  events: [],
});

/** A store whose saves wait until the test releases or fails them, one by one. */
class HeldStore extends MemoryStateStore {
  readonly waiting: { state: PersistentState; release: () => void; fail: (error: Error) => void }[] = [];
  override save(next: PersistentState): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        state: next,
        release: () => {
          super.save(next).then(resolve, reject);
        },
        fail: reject,
      });
    });
  }
}

function pipelineWith(store: MemoryStateStore, current: () => PersistentState) {
  const sent: number[] = [];
  const failed: unknown[] = [];
  const pipeline = new PersistPipeline({
    store,
    currentState: current,
    onCommitted: (ready) => sent.push(...ready.messages.map((m) => m.term)),
    onFailed: (error) => failed.push(error),
  });
  return { pipeline, sent, failed };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PersistPipeline: persist, then send', () => {
  it('sends a batch without state at once when nothing is pending', async () => {
    const store = new MemoryStateStore();
    await store.open();
    const { pipeline, sent } = pipelineWith(store, () => state(1));
    pipeline.submit(batch(null, 1));
    expect(sent).toEqual([1]);
  });

  it('holds batch N (even one without state) until save N and every earlier save completed', async () => {
    const store = new HeldStore();
    await store.open();
    const { pipeline, sent } = pipelineWith(store, () => state(2, 'b'));
    pipeline.submit(batch(state(1, 'a'), 1));
    await tick();
    pipeline.submit(batch(null, 2));
    pipeline.submit(batch(state(2, 'b'), 3));
    await tick();
    expect(sent).toEqual([]);
    expect(store.waiting).toHaveLength(1); // saves run one at a time
    store.waiting[0]!.release();
    await tick();
    expect(sent).toEqual([1, 2]);
    expect(store.waiting).toHaveLength(2);
    store.waiting[1]!.release();
    await pipeline.drain();
    expect(sent).toEqual([1, 2, 3]);
    expect(store.current).toEqual(state(2, 'b'));
  });

  it('group commit: batches with state queued behind a save are covered by one save of the current state', async () => {
    const store = new HeldStore();
    await store.open();
    const { pipeline, sent } = pipelineWith(store, () => state(9, 'e'));
    pipeline.submit(batch(state(5, 'a'), 1)); // its own save starts at once
    await tick();
    for (let i = 2; i <= 5; i++) pipeline.submit(batch(state(4 + i, 'x'), i)); // four more while it runs
    store.waiting[0]!.release();
    await tick();
    expect(sent).toEqual([1]);
    expect(store.waiting).toHaveLength(2);
    expect(store.waiting[1]!.state).toEqual(state(9, 'e')); // the current state, covering batches 2-5
    store.waiting[1]!.release();
    await pipeline.drain();
    expect(sent).toEqual([1, 2, 3, 4, 5]);
    expect(store.waiting).toHaveLength(2); // two saves for five batches
  });

  it('never lets out the messages of a failed save, and re-saves the current state before any later message', async () => {
    const store = new HeldStore();
    await store.open();
    let current = state(3, 'c');
    const { pipeline, sent, failed } = pipelineWith(store, () => current);
    pipeline.submit(batch(state(3, 'c'), 1));
    pipeline.submit(batch(null, 2)); // waits behind save 1
    await tick();
    store.waiting[0]!.fail(new Error('disk full'));
    await tick();
    expect(failed).toHaveLength(1);
    expect(pipeline.degraded).toBe(true);
    expect(sent).toEqual([]);
    // batch 2 must first re-save the machine's current state; that fails too, so its messages go as well
    expect(store.waiting[1]!.state).toEqual(state(3, 'c'));
    current = state(4, null);
    store.waiting[1]!.fail(new Error('still full'));
    await tick();
    expect(sent).toEqual([]);
    expect(pipeline.failures).toBe(2);
    pipeline.retry();
    await tick();
    expect(store.waiting[2]!.state).toEqual(state(4, null));
    store.waiting[2]!.release();
    await pipeline.drain();
    expect(pipeline.degraded).toBe(false);
    pipeline.submit(batch(null, 5));
    expect(sent).toEqual([5]); // the messages of batches 1 and 2 never left
  });
});
