/**
 * A min-heap of timed entries ordered by (time, sequence number): two entries due at the same virtual instant
 * come out in the order they were scheduled, so a run never depends on how the heap breaks ties.
 *
 * @example
 * ```ts
 * import { EventQueue } from '@baton/core/testing';
 * const queue = new EventQueue<string>();
 * queue.push(5, 'later');
 * queue.push(1, 'first');
 * queue.push(5, 'last');
 * queue.pop()?.value; // 'first', then 'later', then 'last'
 * ```
 */
export class EventQueue<T> {
  private readonly heap: QueueEntry<T>[] = [];
  private seq = 0;

  /** How many entries are waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedules `value` at virtual time `at`. */
  push(at: number, value: T): void {
    const entry: QueueEntry<T> = { at, seq: this.seq++, value };
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as QueueEntry<T>;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  /** The time of the earliest entry, or `Infinity` when the queue is empty. */
  peekTime(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : (this.heap[0] as QueueEntry<T>).at;
  }

  /** Removes and returns the earliest entry. */
  pop(): QueueEntry<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as QueueEntry<T>, heap[left] as QueueEntry<T>)) child = right;
      const c = heap[child] as QueueEntry<T>;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

/**
 * One scheduled entry of an {@link EventQueue}.
 *
 * @example
 * ```ts
 * import { EventQueue } from '@baton/core/testing';
 * const queue = new EventQueue<string>();
 * queue.push(3, 'x');
 * const { at, seq, value } = queue.pop()!; // 3, 0, 'x'
 * ```
 */
export interface QueueEntry<T> {
  readonly at: number;
  readonly seq: number;
  readonly value: T;
}

function before<T>(x: QueueEntry<T>, y: QueueEntry<T>): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}
