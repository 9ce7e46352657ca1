import type { DropReason } from '../machine/types.js';
import type { LeaderElection } from '../runtime/leader-election.js';
import type { TimeProvider } from '../runtime/time-provider.js';

/** What one scrape reads from one election. */
export interface ElectionReading {
  readonly isLeader: boolean;
  readonly term: number;
  /** Seconds. */
  readonly leaseRemaining: number;
  /** Seconds since a leader was last known; 0 while one is. */
  readonly leaderless: number;
  readonly voters: number;
  readonly observers: number;
  readonly configurationVersion: number;
  readonly peersConnected: number;
  /** The election groups other than the default one this node takes part in. */
  readonly groups: readonly { readonly name: string; readonly isLeader: boolean; readonly term: number }[];
}

/** Cumulative counts (or, as increments, how much each grew since the last sample). */
export interface Increments {
  readonly electionsStarted: number;
  readonly electionsWon: number;
  readonly electionsLost: number;
  readonly eventLoopStalls: number;
  /** Seconds. */
  readonly leaderlessTotal: number;
  readonly leaderChanges: number;
  readonly membershipChanges: number;
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
}
type Totals = Increments;

const NOTHING_YET: Totals = {
  electionsStarted: 0,
  electionsWon: 0,
  electionsLost: 0,
  eventLoopStalls: 0,
  leaderlessTotal: 0,
  leaderChanges: 0,
  membershipChanges: 0,
  dropped: {},
};

/**
 * One election as its metrics see it: reads the runtime's snapshot at scrape time, counts the events that
 * no snapshot keeps (leader changes, configuration changes) and the time without a known leader.
 */
export class ElectionSource {
  /** When this node last lost sight of a leader (the clock's ms), or `null` while it knows one. */
  private leaderlessSince: number | null;
  private leaderlessAccrued = 0;
  private leaderChangeCount = 0;
  private membershipChangeCount = 0;
  private reported: Totals = NOTHING_YET;
  private readonly unsubscribes: (() => void)[];

  constructor(
    readonly election: LeaderElection,
    private readonly time: Pick<TimeProvider, 'now'>,
  ) {
    this.leaderlessSince = election.leader() === null ? time.now() : null;
    this.unsubscribes = [
      election.on('leader-changed', ({ leader }) => this.leaderChanged(leader !== null)),
      election.on('voters-changed', () => {
        this.membershipChangeCount++;
      }),
    ];
  }

  get clusterId(): string {
    return this.election.clusterId;
  }

  /** Stops listening to the election. */
  dispose(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /**
   * The election's gauges now, and how much each counter grew since the last sample (the runtime keeps
   * cumulative counts; Prometheus counters only go up by increments). One `inspect()` per sample.
   */
  sample(): { reading: ElectionReading; increments: Increments } {
    const { election } = this;
    const membership = election.membership();
    const now = this.time.now();
    const snapshot = this.started() ? election.inspect() : null;
    const reading: ElectionReading = {
      isLeader: snapshot?.isLeader ?? false,
      term: snapshot?.term ?? election.term(),
      leaseRemaining: (snapshot?.leaseRemaining ?? 0) / 1_000,
      leaderless: this.leaderlessSince === null ? 0 : (now - this.leaderlessSince) / 1_000,
      voters: membership.voters.length,
      observers: membership.observers.length,
      configurationVersion: membership.version,
      peersConnected: snapshot?.peersConnected.length ?? 0,
      groups: Object.values(snapshot?.groups ?? {}).map(({ name, isLeader, term }) => ({
        name,
        isLeader,
        term,
      })),
    };
    const before = this.reported;
    const totals: Totals = {
      electionsStarted: snapshot?.counters.electionsStarted ?? before.electionsStarted,
      electionsWon: snapshot?.counters.electionsWon ?? before.electionsWon,
      electionsLost: snapshot?.counters.electionsLost ?? before.electionsLost,
      eventLoopStalls: snapshot?.eventLoop.stalls ?? before.eventLoopStalls,
      leaderlessTotal:
        (this.leaderlessAccrued + (this.leaderlessSince === null ? 0 : now - this.leaderlessSince)) / 1_000,
      leaderChanges: this.leaderChangeCount,
      membershipChanges: this.membershipChangeCount,
      dropped: snapshot === null ? before.dropped : { ...snapshot.counters.messagesDropped },
    };
    this.reported = totals;
    const dropped: Partial<Record<DropReason, number>> = {};
    for (const [reason, count] of Object.entries(totals.dropped) as [DropReason, number][]) {
      dropped[reason] = count - (before.dropped[reason] ?? 0);
    }
    return {
      reading,
      increments: {
        electionsStarted: totals.electionsStarted - before.electionsStarted,
        electionsWon: totals.electionsWon - before.electionsWon,
        electionsLost: totals.electionsLost - before.electionsLost,
        eventLoopStalls: totals.eventLoopStalls - before.eventLoopStalls,
        leaderlessTotal: totals.leaderlessTotal - before.leaderlessTotal,
        leaderChanges: totals.leaderChanges - before.leaderChanges,
        membershipChanges: totals.membershipChanges - before.membershipChanges,
        dropped,
      },
    };
  }

  /** `inspect()` works from the first start on (after `stop()` too). */
  private started(): boolean {
    const { status } = this.election;
    return status !== 'idle' && status !== 'starting';
  }

  private leaderChanged(known: boolean): void {
    const now = this.time.now();
    if (known) {
      this.leaderChangeCount++;
      if (this.leaderlessSince !== null) this.leaderlessAccrued += now - this.leaderlessSince;
      this.leaderlessSince = null;
    } else if (this.leaderlessSince === null) {
      this.leaderlessSince = now;
    }
  }
}
