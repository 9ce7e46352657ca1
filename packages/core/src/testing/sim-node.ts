import type { ElectionMachine } from '../machine/machine.js';
import type { ElectionMessage, NodeId, PersistentState } from '../machine/types.js';
import type { Prng } from './prng.js';
import type { SimClock } from './sim-clock.js';

/**
 * One simulated process: its machine (gone while crashed), its clock, its stable storage, and the messages
 * waiting in its socket buffer while it is paused. Internal to the simulator; tests use `SimCluster`'s
 * accessors.
 *
 * @example
 * ```ts
 * import { Prng, SimClock } from '@baton/core/testing';
 * import { SimNode } from './sim-node.js';
 * const random = new Prng(1);
 * const node = new SimNode('n1', 0, random, new SimClock(0, 0, 1));
 * node.crashed; // true until a machine is booted into it
 * ```
 */
export class SimNode {
  /** `null` while the process is down. */
  machine: ElectionMachine | null = null;
  /** What the last `ready().persist` handed out: all that survives a crash. */
  disk: PersistentState | null = null;
  /** Grows at every restart; messages and timers addressed to an older incarnation are dropped. */
  incarnation = 0;
  paused = false;
  /** Grows at every pause, so that a scheduled resume of an earlier pause does nothing. */
  pauseToken = 0;
  /** Grows at every crash, so that a scheduled restart of an earlier crash does nothing. */
  crashToken = 0;
  /** Messages that arrived while paused, in arrival order (a socket buffer). */
  backlog: ElectionMessage[] = [];
  /** Virtual time of the pending timer entry (`Infinity`: none). */
  timerAt = Number.POSITIVE_INFINITY;
  /** Gone for good (left the cluster, or replaced): no machine, no disk, never restarted. */
  gone = false;
  /** The configuration last checked, in memory and on disk (the configuration checks run when one changes). */
  checkedConfiguration: unknown = null;
  checkedDisk: unknown = null;

  constructor(
    readonly id: NodeId,
    readonly index: number,
    /** This node's stream of random numbers: election timeouts and clock offsets of each incarnation. */
    readonly random: Prng,
    public clock: SimClock,
  ) {}

  get crashed(): boolean {
    return this.machine === null;
  }
}
