/**
 * The metrics `registerBatonMetrics()` registers: one table, so that the code, the README and the tests name
 * them the same way. Names follow Prometheus's conventions: the `baton_` prefix, base units in the name
 * (`_seconds`), `_total` on counters; every series has the label `cluster` (the cluster id).
 */

/**
 * The kind of a Prometheus metric, as in the text exposition format's `# TYPE` line.
 *
 * @example
 * ```ts
 * import { BATON_METRICS, type BatonMetricType } from '@baton/core/metrics';
 * const counters = Object.values(BATON_METRICS).filter(({ type }) => type === ('counter' satisfies BatonMetricType));
 * console.log(counters.every(({ name }) => name.endsWith('_total'))); // true
 * ```
 */
export type BatonMetricType = 'gauge' | 'counter' | 'histogram';

/**
 * One metric of `@baton/core/metrics`: its name, type, help text and labels besides `cluster`.
 *
 * @example
 * ```ts
 * import { BATON_METRICS, type BatonMetricDefinition } from '@baton/core/metrics';
 * const isLeader: BatonMetricDefinition = BATON_METRICS.isLeader;
 * console.log(isLeader.name, isLeader.type); // 'baton_is_leader' 'gauge'
 * ```
 */
export interface BatonMetricDefinition {
  readonly name: string;
  readonly type: BatonMetricType;
  readonly help: string;
  /** Labels besides `cluster`. */
  readonly labels: readonly string[];
}

function metric(
  name: string,
  type: BatonMetricType,
  help: string,
  labels: readonly string[] = [],
): BatonMetricDefinition {
  return { name, type, help, labels };
}

/**
 * Every metric `registerBatonMetrics()` registers, by key.
 *
 * @example
 * ```ts
 * import { BATON_METRICS } from '@baton/core/metrics';
 * for (const { name, type, help } of Object.values(BATON_METRICS)) console.log(`${name} (${type}): ${help}`);
 * ```
 */
export const BATON_METRICS = {
  isLeader: metric(
    'baton_is_leader',
    'gauge',
    'Whether this node holds a valid leader lease now (1) or not (0).',
  ),
  term: metric(
    'baton_term',
    'gauge',
    "The latest election term this node has seen (the leader's fencing token).",
  ),
  leaderChanges: metric(
    'baton_leader_changes_total',
    'counter',
    'Times this node learned of a new leader (itself or another node).',
  ),
  electionsStarted: metric(
    'baton_elections_started_total',
    'counter',
    'Elections this node started as a candidate (after a successful pre-vote).',
  ),
  electionsWon: metric('baton_elections_won_total', 'counter', 'Elections this node won.'),
  electionsLost: metric(
    'baton_elections_lost_total',
    'counter',
    'Elections this node started and did not win (a split vote, a refusal or a higher term).',
  ),
  leaderless: metric(
    'baton_leaderless_seconds',
    'gauge',
    'Seconds since this node last knew a leader; 0 while it knows one.',
  ),
  leaderlessTotal: metric(
    'baton_leaderless_seconds_total',
    'counter',
    'Seconds this node spent without a known leader since its metrics were registered.',
  ),
  leaseRemaining: metric(
    'baton_lease_remaining_seconds',
    'gauge',
    'Seconds of leader lease left on this node; 0 when it holds none.',
  ),
  heartbeatRoundTrip: metric(
    'baton_heartbeat_round_trip_seconds',
    'histogram',
    "Seconds from the leader's heartbeat to each follower's acknowledgement, measured on the leader.",
  ),
  eventLoopStalls: metric(
    'baton_event_loop_stalls_total',
    'counter',
    'Event-loop stalls longer than maxEventLoopStall seen by the election (each ends a leadership it holds).',
  ),
  messagesDropped: metric(
    'baton_messages_dropped_total',
    'counter',
    'Election messages dropped before or by the state machine, by reason.',
    ['reason'],
  ),
  members: metric(
    'baton_members',
    'gauge',
    'Members of the cluster as this node sees them, by role (voter, observer).',
    ['role'],
  ),
  membershipChanges: metric(
    'baton_membership_changes_total',
    'counter',
    'Changes of the voter configuration this node adopted.',
  ),
  configurationVersion: metric(
    'baton_configuration_version',
    'gauge',
    "The version of this node's voter configuration.",
  ),
  peersConnected: metric(
    'baton_peers_connected',
    'gauge',
    'Peers of the cluster the transport reports connected.',
  ),
  groupIsLeader: metric(
    'baton_group_is_leader',
    'gauge',
    'Whether this node holds a valid lease of the election group now (1) or not (0).',
    ['group'],
  ),
  groupTerm: metric(
    'baton_group_term',
    'gauge',
    "The election group's current term on this node: the fencing token of its leader in that term.",
    ['group'],
  ),
  groupsLed: metric(
    'baton_groups_led',
    'gauge',
    'How many election groups (besides the default one) this node leads now.',
  ),
} as const satisfies Record<string, BatonMetricDefinition>;

/**
 * The buckets of `baton_heartbeat_round_trip_seconds`, in seconds: from half a millisecond (loopback) to a
 * second (a follower that is about to miss the lease).
 *
 * @example
 * ```ts
 * import { DEFAULT_ROUND_TRIP_BUCKETS } from '@baton/core/metrics';
 * console.log(DEFAULT_ROUND_TRIP_BUCKETS.at(-1)); // 1
 * ```
 */
export const DEFAULT_ROUND_TRIP_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];
