import type { DropReason, InspectSnapshot, NodeId } from '../machine/types.js';
import type { EventLoopDelay, EventLoopStall } from './loop-monitor.js';

/**
 * Where a {@link LeaderElection} is in its life.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const store = new MemoryStateStore();
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * console.log(election.status); // 'idle'
 * await election.start();
 * if (election.status === 'running') console.log(election.inspect().role);
 * await election.stop();
 * ```
 */
export type ElectionStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The runtime's snapshot: the state machine's, plus what only the runtime knows.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const store = new MemoryStateStore();
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * await election.start();
 * const { role, term, eventLoop, persistence } = election.inspect();
 * if (persistence.degraded) console.warn('the state store is failing');
 * console.log(role, term, eventLoop.stalls);
 * await election.stop();
 * ```
 */
export interface LeaderElectionSnapshot extends InspectSnapshot {
  readonly status: ElectionStatus;
  /** The current leadership of this node, or `null`. */
  readonly leadership: { readonly term: number; readonly since: number } | null;
  /** The peers the transport reports connected. */
  readonly peersConnected: readonly NodeId[];
  /** Frames the transport dropped before they reached the election, by reason. */
  readonly transportDrops: Readonly<Partial<Record<DropReason, number>>>;
  readonly eventLoop: {
    /** The bound above which a stall ends leadership (`maxEventLoopStall`). */
    readonly maxStall: number;
    readonly stalls: number;
    readonly lastStall: EventLoopStall | null;
    /** Percentiles of the event-loop delay since start, sampled every `heartbeatInterval` (real time only), or `null`. */
    readonly delay: EventLoopDelay | null;
  };
  readonly persistence: {
    readonly store: string;
    /** Batches of messages waiting for a save. */
    readonly pendingSaves: number;
    readonly failedSaves: number;
    /** Whether the last save failed (the node sends nothing until a save succeeds). */
    readonly degraded: boolean;
    readonly lastSaveError: string | null;
  };
}
