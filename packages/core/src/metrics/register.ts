import type { Registry } from 'prom-client';
import { InvalidOptionError } from '../errors.js';
import type { LeaderElection } from '../runtime/leader-election.js';
import { defaultTimeProvider, type TimeProvider } from '../runtime/time-provider.js';
import { ElectionSource } from './election-source.js';
import { forgetMetricSet, metricSetOf } from './metric-set.js';
import { promClient } from './prom-client.js';

/**
 * Options of {@link registerBatonMetrics}.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import type { BatonMetricsOptions } from '@baton/core/metrics';
 * const options: BatonMetricsOptions = { registry: new Registry(), roundTripBuckets: [0.001, 0.01, 0.1, 1] };
 * ```
 */
export interface BatonMetricsOptions {
  /**
   * The prom-client registry to register the metrics on: the one your `/metrics` endpoint serves.
   * @default prom-client's global registry (`register`), the one `@willsoto/nestjs-prometheus` and most
   * exporters serve
   */
  registry?: Registry;
  /**
   * The buckets of `baton_heartbeat_round_trip_seconds`, in seconds, increasing. Every election registered on
   * one registry shares them.
   * @default DEFAULT_ROUND_TRIP_BUCKETS: 0.5 ms to 1 s
   */
  roundTripBuckets?: readonly number[];
  /**
   * The clock for `baton_leaderless_seconds`: give the election's own `timeProvider` when it runs in virtual
   * time (tests); leave it unset in production.
   * @default `performance.now()`
   */
  timeProvider?: Pick<TimeProvider, 'now'>;
}

/**
 * What {@link registerBatonMetrics} returns: the registry it used, and the way to take the metrics off it.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { registerBatonMetrics, type BatonMetrics } from '@baton/core/metrics';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store: new MemoryStateStore() });
 * const metrics: BatonMetrics = registerBatonMetrics(election);
 * metrics.unregister(); // the election's series are gone from the registry
 * ```
 */
export interface BatonMetrics {
  /** The registry the metrics are on. */
  readonly registry: Registry;
  /** Removes this election's series (and the metrics themselves once no election is left). Idempotent. */
  unregister(): void;
}

/**
 * Registers Prometheus metrics of `election` on a prom-client registry: whether this node leads, the term,
 * leader changes, elections started, won and lost, time without a known leader, lease left, the heartbeat
 * round trip (a histogram, on the leader), event-loop stalls, dropped messages by reason, members by role,
 * membership changes and connected peers, all labelled `cluster`. Values are read from the election when the
 * registry is scraped; nothing runs between scrapes but one histogram observation per heartbeat
 * acknowledgement. Call it before or after `start()`. prom-client is an optional peer dependency, loaded by
 * this call: without it, a `MissingDependencyError`.
 *
 * The names (see `BATON_METRICS` and the core README) follow Prometheus's conventions: the `baton_` prefix,
 * seconds, `_total` on counters. Several elections may share a registry if their cluster ids differ.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { registerBatonMetrics } from '@baton/core/metrics';
 * import { MemoryNetwork } from '@baton/core/testing';
 * import { register } from 'prom-client';
 *
 * const transport = new MemoryNetwork().transport('a'); // libp2pTransport(...) in production
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store: new MemoryStateStore() });
 * registerBatonMetrics(election); // on prom-client's global registry
 * await election.start();
 * const server = createServer(async (_request, response) => {
 *   response.setHeader('content-type', register.contentType);
 *   response.end(await register.metrics()); // baton_is_leader{cluster="jobs"} 1, ...
 * });
 * console.log((await register.getSingleMetricAsString('baton_is_leader')).split('\n').at(-1)); // baton_is_leader{cluster="jobs"} 1
 * await election.stop();
 * server.close();
 * ```
 */
export function registerBatonMetrics(
  election: LeaderElection,
  options: BatonMetricsOptions = {},
): BatonMetrics {
  // Duck-typed: an app may hold two copies of @baton/core (a bundler, a workspace link).
  const candidate = election as Partial<LeaderElection> | null;
  if (typeof candidate?.inspect !== 'function' || typeof candidate.on !== 'function') {
    throw new InvalidOptionError('election', election, 'must be a LeaderElection');
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, 'must be an object ({ registry, roundTripBuckets })');
  }
  const registry = options.registry ?? promClient('registerBatonMetrics()').register;
  if (registry === null || typeof registry !== 'object' || typeof registry.metrics !== 'function') {
    throw new InvalidOptionError('registry', options.registry, 'must be a prom-client Registry');
  }
  const buckets = options.roundTripBuckets;
  if (buckets !== undefined) checkBuckets(buckets);
  const time = options.timeProvider ?? defaultTimeProvider;
  if (typeof time?.now !== 'function') {
    throw new InvalidOptionError('timeProvider', time, 'must have a now() method');
  }
  const set = metricSetOf(registry, buckets);
  const source = new ElectionSource(election, time);
  try {
    set.add(source);
  } catch (error) {
    source.dispose();
    throw error;
  }
  let registered = true;
  return {
    registry,
    unregister() {
      if (!registered) return;
      registered = false;
      source.dispose();
      set.remove(source);
      forgetMetricSet(registry, set);
    },
  };
}

/**
 * prom-client's global registry (`register`), the default of {@link registerBatonMetrics}: what
 * `@willsoto/nestjs-prometheus` and most exporters serve. Loads prom-client; without it, a
 * `MissingDependencyError`.
 *
 * @example
 * ```ts
 * import { defaultRegistry } from '@baton/core/metrics';
 * const registry = defaultRegistry(); // e.g. for prometheusMetrics({ registry }) of @libp2p/prometheus-metrics
 * console.log(typeof registry.metrics); // 'function'
 * ```
 */
export function defaultRegistry(): Registry {
  return promClient('defaultRegistry()').register;
}

function checkBuckets(buckets: readonly number[]): void {
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new InvalidOptionError('roundTripBuckets', buckets, 'must be a non-empty array of seconds');
  }
  buckets.forEach((bucket, index) => {
    if (typeof bucket !== 'number' || !Number.isFinite(bucket) || bucket <= 0) {
      throw new InvalidOptionError(
        `roundTripBuckets[${index}]`,
        bucket,
        'must be a positive number of seconds',
      );
    }
    if (index > 0 && bucket <= buckets[index - 1]!) {
      throw new InvalidOptionError(
        `roundTripBuckets[${index}]`,
        bucket,
        'must be greater than the bucket before',
      );
    }
  });
}
