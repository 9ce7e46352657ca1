import type { LeaderElectionOptions, NodeId, Transport } from '@baton/core';
import type { BatonMetricsOptions } from '@baton/core/metrics';

/**
 * Options of `@baton/transport-libp2p`'s `libp2pTransport()`. Typed loosely here so that this package's
 * types load without the optional libp2p transport; annotate with the transport's own options type to have
 * them checked.
 *
 * @example
 * ```ts
 * import type { Libp2pTransportOptions } from '@baton/transport-libp2p';
 * import { LeaderModule } from '@baton/nestjs';
 * const libp2p = { listen: ['/ip4/0.0.0.0/tcp/4001'], mdns: true } satisfies Partial<Libp2pTransportOptions>;
 * const voters = ['node-a', 'node-b', 'node-c'];
 * const leaderModule = LeaderModule.forRoot({ clusterId: 'jobs', voters, dataDir: '/data/baton', libp2p });
 * ```
 */
export type Libp2pTransportInit = Record<string, unknown>;

/**
 * Options of `LeaderModule.forRoot()` / `forRootAsync()`: everything a `LeaderElection` takes (passed
 * through as they are: `stopTimeout` bounds the handover at shutdown, `stepDownOnHandlerError` applies to
 * `@OnBecomeLeader()` methods), with the transport given either as an instance or as libp2p options.
 *
 * @example
 * ```ts
 * import type { LeaderModuleOptions } from '@baton/nestjs';
 *
 * const options: LeaderModuleOptions = {
 *   clusterId: 'billing-jobs',
 *   voters: ['node-a', 'node-b', 'node-c'],
 *   dataDir: '/var/lib/billing/baton',
 *   libp2p: { listen: ['/ip4/0.0.0.0/tcp/4001'], bootstrap: ['/dns4/billing-0/tcp/4001/p2p/12D3…'] },
 *   stopTimeout: 1_000, // at shutdown, how long a leader waits for its successor
 * };
 * ```
 */
export interface LeaderModuleOptions extends Omit<LeaderElectionOptions, 'transport'> {
  /**
   * A ready transport: `libp2pTransport(...)` of `@baton/transport-libp2p`, `MemoryNetwork#transport(id)`
   * of `@baton/core/testing` in tests, or your own. Give this or `libp2p`, not both. The module starts and
   * stops it with the election.
   */
  transport?: Transport;
  /**
   * Options for `libp2pTransport()` of `@baton/transport-libp2p`; the module imports that package lazily
   * (it is an optional peer dependency) and builds the transport. `clusterId` defaults to the module's
   * `clusterId`, `dataDir` (where the node keeps its peer key, hence its id) to the module's `dataDir`, and
   * the logger to Nest's. Give this or `transport`, not both. Module initialisation fails with an
   * `InvalidOptionError` when the package is not installed.
   */
  libp2p?: Libp2pTransportInit;
  /**
   * Prometheus metrics of the election (`registerBatonMetrics()` of `@baton/core/metrics`): `true` puts them
   * on prom-client's global registry, the one `@willsoto/nestjs-prometheus` serves on `/metrics` (and a
   * hand-made controller that returns `register.metrics()`); `{ registry }` on another. `libp2p: true` also
   * switches on libp2p's own metrics (`@libp2p/prometheus-metrics`, an optional peer dependency) on the same
   * registry, for the transport the module builds from `libp2p` options. Needs `prom-client` (an optional
   * peer dependency). One election per cluster id on a registry.
   * @default false
   */
  metrics?: boolean | LeaderMetricsOptions;
  /**
   * Where a node serves HTTP, as a base URL (`http://10.0.0.2:3000`), or `null`/`undefined` when unknown:
   * `LeaderGuard` puts the leader's in its 503 answer and redirects there with `redirect: true`.
   * @default unknown: the 503 names the leader's id only, and no redirect
   */
  leaderAddress?: (leader: NodeId) => string | null | undefined;
}

/**
 * The `metrics` option of `LeaderModule` as an object.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import type { LeaderMetricsOptions } from '@baton/nestjs';
 * const metrics: LeaderMetricsOptions = { registry: new Registry(), libp2p: true };
 * ```
 */
export interface LeaderMetricsOptions {
  /**
   * The registry your `/metrics` endpoint serves.
   * @default prom-client's global registry
   */
  registry?: BatonMetricsOptions['registry'];
  /**
   * Also libp2p's metrics (`prometheusMetrics({ registry, collectDefaultMetrics: false })` of
   * `@libp2p/prometheus-metrics`) for the transport the module builds from `libp2p` options.
   * @default false
   */
  libp2p?: boolean;
}
