import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { InvalidOptionError } from '../errors.js';
import { HEARTBEAT_ROUND_TRIP_CHANNEL, type HeartbeatRoundTrip } from '../runtime/round-trips.js';
import { BATON_METRICS, type BatonMetricDefinition, DEFAULT_ROUND_TRIP_BUCKETS } from './definitions.js';
import type { ElectionSource } from './election-source.js';
import { promClient } from './prom-client.js';

type Key = keyof typeof BATON_METRICS;
type GaugeKey =
  | 'isLeader'
  | 'term'
  | 'leaderless'
  | 'leaseRemaining'
  | 'configurationVersion'
  | 'peersConnected';
type CounterKey =
  | 'leaderChanges'
  | 'electionsStarted'
  | 'electionsWon'
  | 'electionsLost'
  | 'leaderlessTotal'
  | 'eventLoopStalls'
  | 'membershipChanges';

const FEATURE = 'registerBatonMetrics()';
/** The gauges of election groups (created apart: two have the `group` label). */
const GROUP_GAUGES = ['groupIsLeader', 'groupTerm', 'groupsLed'] as const;

/**
 * Baton's metrics on one registry, shared by every election registered on it (one label value of `cluster`
 * each). Gauges and counters are read from the elections when the registry is scraped, once per scrape
 * (`refresh`); the round-trip histogram is fed by the runtime's diagnostics channel, one observation per
 * acknowledgement.
 */
export class MetricSet {
  private readonly sources = new Map<string, ElectionSource>();
  private readonly byElection = new Map<object, ElectionSource>();
  private readonly gauges = new Map<GaugeKey, Gauge<string>>();
  private readonly counters = new Map<CounterKey, Counter<string>>();
  private readonly dropped: Counter<string>;
  private readonly members: Gauge<string>;
  /** `baton_group_is_leader`, `baton_group_term` (label `group`) and `baton_groups_led`. */
  private readonly groupGauges = new Map<(typeof GROUP_GAUGES)[number], Gauge<string>>();
  /** The `group` label values of each cluster, to remove them. */
  private readonly groupNames = new Map<string, Set<string>>();
  private readonly roundTrip: Histogram<string>;
  /** The `reason` label values of `baton_messages_dropped_total` of each cluster, to remove them. */
  private readonly droppedReasons = new Map<string, Set<string>>();
  private refreshed = false;

  constructor(
    private readonly registry: Registry,
    readonly buckets: readonly number[],
  ) {
    const client = promClient(FEATURE);
    const collect = () => this.refresh();
    const options = (definition: BatonMetricDefinition) => ({
      name: definition.name,
      help: definition.help,
      labelNames: ['cluster', ...definition.labels],
      registers: [registry],
    });
    const created: { name: string }[] = [];
    try {
      for (const key of Object.keys(BATON_METRICS) as Key[]) {
        const definition = BATON_METRICS[key];
        if (
          definition.type === 'gauge' &&
          key !== 'members' &&
          !(GROUP_GAUGES as readonly string[]).includes(key)
        ) {
          const gauge = new client.Gauge({ ...options(definition), collect });
          this.gauges.set(key as GaugeKey, gauge);
          created.push(definition);
        } else if (definition.type === 'counter' && key !== 'messagesDropped') {
          this.counters.set(key as CounterKey, new client.Counter({ ...options(definition), collect }));
          created.push(definition);
        }
      }
      this.members = new client.Gauge({ ...options(BATON_METRICS.members), collect });
      created.push(BATON_METRICS.members);
      for (const key of GROUP_GAUGES) {
        this.groupGauges.set(key, new client.Gauge({ ...options(BATON_METRICS[key]), collect }));
        created.push(BATON_METRICS[key]);
      }
      this.dropped = new client.Counter({ ...options(BATON_METRICS.messagesDropped), collect });
      created.push(BATON_METRICS.messagesDropped);
      this.roundTrip = new client.Histogram({
        ...options(BATON_METRICS.heartbeatRoundTrip),
        buckets: [...buckets],
      });
    } catch (error) {
      for (const { name } of created) registry.removeSingleMetric(name);
      throw new InvalidOptionError(
        'registry',
        '<Registry>',
        `cannot register Baton's metrics on it: ${(error as Error).message} (another copy of @baton/core registered them?)`,
      );
    }
    subscribe(HEARTBEAT_ROUND_TRIP_CHANNEL, this.onRoundTrip);
  }

  get empty(): boolean {
    return this.sources.size === 0;
  }

  /** Adds an election; one per cluster id on a registry (its series are told apart by `cluster`). */
  add(source: ElectionSource): void {
    const known = this.sources.get(source.clusterId);
    if (known !== undefined) {
      throw new InvalidOptionError(
        'registry',
        '<Registry>',
        `already has the metrics of an election of cluster ${JSON.stringify(source.clusterId)}: ` +
          'register each election of a cluster on a registry of its own',
      );
    }
    this.sources.set(source.clusterId, source);
    this.byElection.set(source.election, source);
    // Counters start at 0 for this cluster, so that rate() sees their first increment.
    for (const counter of this.counters.values()) counter.inc({ cluster: source.clusterId }, 0);
  }

  /** Removes an election and its series; the last one out removes the metrics from the registry. */
  remove(source: ElectionSource): void {
    if (this.sources.get(source.clusterId) !== source) return;
    this.sources.delete(source.clusterId);
    this.byElection.delete(source.election);
    const cluster = source.clusterId;
    for (const metric of [...this.gauges.values(), ...this.counters.values(), this.roundTrip]) {
      metric.remove({ cluster });
    }
    for (const role of ['voter', 'observer']) this.members.remove({ cluster, role });
    for (const group of this.groupNames.get(cluster) ?? []) {
      this.groupGauges.get('groupIsLeader')?.remove({ cluster, group });
      this.groupGauges.get('groupTerm')?.remove({ cluster, group });
    }
    this.groupNames.delete(cluster);
    this.groupGauges.get('groupsLed')?.remove({ cluster });
    for (const reason of this.droppedReasons.get(cluster) ?? []) this.dropped.remove({ cluster, reason });
    this.droppedReasons.delete(cluster);
    if (this.sources.size === 0) {
      unsubscribe(HEARTBEAT_ROUND_TRIP_CHANNEL, this.onRoundTrip);
      for (const definition of Object.values(BATON_METRICS))
        this.registry.removeSingleMetric(definition.name);
    }
  }

  /** Reads every election once per scrape: every metric's `collect` calls this, the first one reads. */
  private refresh(): void {
    if (this.refreshed) return;
    this.refreshed = true;
    queueMicrotask(() => {
      this.refreshed = false;
    });
    for (const source of this.sources.values()) {
      const cluster = source.clusterId;
      const { reading, increments } = source.sample();
      const gauge = (key: GaugeKey, value: number) => this.gauges.get(key)!.set({ cluster }, value);
      gauge('isLeader', reading.isLeader ? 1 : 0);
      gauge('term', reading.term);
      gauge('leaderless', reading.leaderless);
      gauge('leaseRemaining', reading.leaseRemaining);
      gauge('configurationVersion', reading.configurationVersion);
      gauge('peersConnected', reading.peersConnected);
      this.members.set({ cluster, role: 'voter' }, reading.voters);
      this.members.set({ cluster, role: 'observer' }, reading.observers);
      let names = this.groupNames.get(cluster);
      if (names === undefined) {
        names = new Set();
        this.groupNames.set(cluster, names);
      }
      const present = new Set<string>();
      for (const { name: group, isLeader, term } of reading.groups) {
        this.groupGauges.get('groupIsLeader')?.set({ cluster, group }, isLeader ? 1 : 0);
        this.groupGauges.get('groupTerm')?.set({ cluster, group }, term);
        names.add(group);
        present.add(group);
      }
      // A group this node no longer takes part in (its record retired after groupIdleTimeout): no series.
      for (const group of names) {
        if (present.has(group)) continue;
        this.groupGauges.get('groupIsLeader')?.remove({ cluster, group });
        this.groupGauges.get('groupTerm')?.remove({ cluster, group });
        names.delete(group);
      }
      this.groupGauges.get('groupsLed')?.set({ cluster }, reading.groups.filter((g) => g.isLeader).length);
      const counter = (key: CounterKey, by: number) => this.counters.get(key)!.inc({ cluster }, by);
      counter('leaderChanges', increments.leaderChanges);
      counter('electionsStarted', increments.electionsStarted);
      counter('electionsWon', increments.electionsWon);
      counter('electionsLost', increments.electionsLost);
      counter('leaderlessTotal', increments.leaderlessTotal);
      counter('eventLoopStalls', increments.eventLoopStalls);
      counter('membershipChanges', increments.membershipChanges);
      let reasons = this.droppedReasons.get(cluster);
      if (reasons === undefined) {
        reasons = new Set();
        this.droppedReasons.set(cluster, reasons);
      }
      for (const [reason, by] of Object.entries(increments.dropped)) {
        this.dropped.inc({ cluster, reason }, by);
        reasons.add(reason);
      }
    }
  }

  private readonly onRoundTrip = (message: unknown): void => {
    const sample = message as HeartbeatRoundTrip;
    const source = this.byElection.get(sample.election);
    if (source !== undefined) this.roundTrip.observe({ cluster: source.clusterId }, sample.duration / 1_000);
  };
}

/** One set per registry. */
const sets = new WeakMap<Registry, MetricSet>();

/** The registry's set, made on first use; `buckets` must match the set's when it exists already. */
export function metricSetOf(registry: Registry, buckets: readonly number[] | undefined): MetricSet {
  const known = sets.get(registry);
  if (known !== undefined) {
    if (buckets !== undefined && !sameBuckets(buckets, known.buckets)) {
      throw new InvalidOptionError(
        'roundTripBuckets',
        buckets,
        `this registry already has ${BATON_METRICS.heartbeatRoundTrip.name} with buckets ${JSON.stringify(known.buckets)}`,
      );
    }
    return known;
  }
  return makeSet(registry, buckets);
}

/** Forgets an empty set (its metrics were removed from the registry). */
export function forgetMetricSet(registry: Registry, set: MetricSet): void {
  if (set.empty && sets.get(registry) === set) sets.delete(registry);
}

function makeSet(registry: Registry, buckets: readonly number[] | undefined): MetricSet {
  const set = new MetricSet(registry, buckets ?? DEFAULT_ROUND_TRIP_BUCKETS);
  sets.set(registry, set);
  return set;
}

function sameBuckets(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
