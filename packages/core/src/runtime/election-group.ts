import type { LeadershipLostReason, NodeId } from '../machine/types.js';
import type { EventHandler, TypedEmitter } from './typed-emitter.js';
import type { LeadershipHandle } from './types.js';
import type { WaitOptions } from './waits.js';

/**
 * The events of one election, with the argument their handlers receive: an election group's
 * (`ElectionGroup.on`), and the default election's on `LeaderElection`, which adds the node-level ones
 * (`voters-changed`, `peer-joined`, `peer-left`, `message`).
 *
 * @example
 * ```ts
 * import type { ElectionGroupEvents } from '@baton/core';
 * const log = ({ leader, term }: ElectionGroupEvents['leader-changed']) => console.log(term, leader);
 * log({ leader: 'b', previous: null, term: 4 });
 * ```
 */
export interface ElectionGroupEvents {
  'became-leader': LeadershipHandle;
  'became-follower': { readonly leader: NodeId | null; readonly term: number };
  'leader-changed': {
    readonly leader: NodeId | null;
    readonly previous: NodeId | null;
    readonly term: number;
  };
  'term-changed': { readonly from: number; readonly to: number };
  'leadership-lost': { readonly term: number; readonly reason: LeadershipLostReason };
}

/**
 * The names of {@link ElectionGroupEvents}, for validation.
 *
 * @example
 * ```ts
 * import { ELECTION_GROUP_EVENTS } from '@baton/core';
 * console.log(ELECTION_GROUP_EVENTS.includes('became-leader')); // true
 * ```
 */
export const ELECTION_GROUP_EVENTS: readonly (keyof ElectionGroupEvents)[] = [
  'became-leader',
  'became-follower',
  'leader-changed',
  'term-changed',
  'leadership-lost',
];

/** What a group handle asks of the `LeaderElection` that runs it. Internal. */
/**
 * Options of an election group on this node (`LeaderElection#group(name, options)`).
 *
 * @example
 * ```ts
 * import { type GroupOptions, LeaderElection } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a', 'b', 'c'], transport: new MemoryNetwork().transport('a') });
 * const options: GroupOptions = { preferred: true };
 * election.group('billing', options); // placement hands billing to this replica while it is a healthy voter
 * ```
 */
export interface GroupOptions {
  /**
   * This replica prefers to lead the group: placement hands the group to a voter that prefers it before
   * balancing loads, and never moves the group away from a leader that prefers it. Several replicas may
   * prefer one group; any of them keeps it. Other voters need no setting: the preference travels with this
   * replica's acknowledgements.
   * @default false
   */
  readonly preferred?: boolean;
}

export interface ElectionGroupHost {
  readonly emitter: TypedEmitter<ElectionGroupEvents>;
  isLeader(): boolean;
  leadership(): LeadershipHandle | null;
  leader(): NodeId | null;
  term(): number;
  whenLeader(options: { signal?: AbortSignal }): Promise<LeadershipHandle>;
  transferLeadership(to: NodeId | undefined, options: WaitOptions): Promise<NodeId>;
  stepDown(): boolean;
  close(): Promise<void>;
}

/**
 * One named leadership in a cluster: its own term (the fencing token), lease, leader and events, elected
 * among the cluster's voters like the cluster's default election, and led by any voter independently of the
 * others. Get it with `LeaderElection.group(name)`; every node that asks for a group can lead it, and every
 * voter votes in it (whether or not it asked), so a group elects as soon as one replica asks for it.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store: new MemoryStateStore() });
 * const billing = election.group('billing');
 * await election.start();
 * const { fencingToken, signal } = await billing.whenLeader();
 * console.log(billing.isLeader(), fencingToken, signal.aborted); // true 1 false
 * await election.stop();
 * ```
 */
export class ElectionGroup {
  /** @internal */
  constructor(
    /** The group's name. */
    readonly name: string,
    private readonly host: ElectionGroupHost,
  ) {}

  /** Whether this node leads the group right now (computed from the monotonic clock, as `LeaderElection.isLeader`). */
  isLeader(): boolean {
    return this.host.isLeader();
  }

  /** The group's current leadership on this node, or `null` when it does not hold the group's lease. */
  get leadership(): LeadershipHandle | null {
    return this.host.leadership();
  }

  /** The group's leader this node knows of (itself when it leads), or `null`. */
  leader(): NodeId | null {
    return this.host.leader();
  }

  /** The group's current term on this node (0 before it took part): the fencing token of its leader. */
  term(): number {
    return this.host.term();
  }

  /** Resolves with the group's leadership handle as soon as this node leads it (at once if it does). */
  whenLeader(options: { signal?: AbortSignal } = {}): Promise<LeadershipHandle> {
    return this.host.whenLeader(options);
  }

  /**
   * Hands the group's leadership to `to` (or the most up-to-date voter) and resolves with the new leader once
   * this node follows it. Rejects as `LeaderElection.transferLeadership` does.
   */
  transferLeadership(to?: NodeId, options: WaitOptions = {}): Promise<NodeId> {
    return this.host.transferLeadership(to, options);
  }

  /** Gives the group's leadership up without naming a successor. Returns whether this node led it. */
  stepDown(): boolean {
    return this.host.stepDown();
  }

  /**
   * This node stops asking for the group: it hands the group's leadership over if it holds it, and from then on
   * only votes in it. This handle is done with; `LeaderElection.group(name)` asks again with a new one.
   */
  close(): Promise<void> {
    return this.host.close();
  }

  /** Subscribes to one of the group's events; returns the function that unsubscribes. */
  on<K extends keyof ElectionGroupEvents>(
    event: K,
    handler: EventHandler<ElectionGroupEvents[K]>,
  ): () => void {
    if (!ELECTION_GROUP_EVENTS.includes(event)) {
      throw new TypeError(
        `on: unknown event ${JSON.stringify(event)} of group ${this.name} (known: ${ELECTION_GROUP_EVENTS.join(', ')})`,
      );
    }
    return this.host.emitter.on(event, handler);
  }
}
