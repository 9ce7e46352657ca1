import type { LeaderElectionOptions, NodeId, Transport } from '@baton/core';
import type { BatonMetricsOptions } from '@baton/core/metrics';
import type { Libp2pTransportOptions } from '@baton/transport-libp2p';
import type { LeaderModuleGroup } from '../module-groups.js';

/**
 * Options of `@baton/transport-libp2p`'s `libp2pTransport()`, its own `Libp2pTransportOptions` (so a typo such
 * as `bootstrapp` fails to compile, and at run time too), with `clusterId` optional: it defaults to the module's.
 * The type is imported as a type only: this package still loads without the optional transport installed.
 *
 * @example
 * ```ts
 * import { LeaderModule, type Libp2pTransportInit } from '@baton/nestjs';
 * const libp2p: Libp2pTransportInit = { listen: ['/ip4/0.0.0.0/tcp/4001'], bootstrap: ['/dns4/jobs-headless/tcp/4001'] };
 * const leaderModule = LeaderModule.forRoot({ clusterId: 'jobs', dataDir: '/data/baton', libp2p });
 * ```
 */
export type Libp2pTransportInit = Omit<Libp2pTransportOptions, 'clusterId'> & { clusterId?: string };

/**
 * Options of `LeaderModule.forRoot()` / `forRootAsync()`: everything a `LeaderElection` takes (passed
 * through as they are: `stopTimeout` bounds the handover at shutdown, `stepDownOnHandlerError` applies to
 * `@OnBecomeLeader()` methods), with the transport given either as an instance or as libp2p options, and
 * `expect` for the first formation. A name that is none of these is an `InvalidOptionError` naming it.
 *
 * Without `voters` the node finds them itself (no peer id anywhere): a node whose `dataDir` holds a
 * configuration is a member and starts with it; otherwise the transport's `discoverVoters({ expect })` joins
 * the cluster it finds, or forms the first voter set with the first `expect` fresh nodes (for at most
 * `discoveryTimeout` milliseconds, when given).
 *
 * @example
 * ```ts
 * import type { LeaderModuleOptions } from '@baton/nestjs';
 *
 * const options: LeaderModuleOptions = {
 *   clusterId: 'billing-jobs',
 *   dataDir: '/var/lib/billing/baton',
 *   expect: 3, // the first formation waits for three fresh replicas; later replicas join
 *   libp2p: { listen: ['/ip4/0.0.0.0/tcp/4001'], bootstrap: ['/dns4/billing-headless/tcp/4001'] },
 *   stopTimeout: 1_000, // at shutdown, how long a leader waits for its successor
 *   groups: ['reports', { name: 'billing', preferred: true }], // reports: used through LeaderService#group() only; billing: this replica leads it when it can
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
   * Without `voters`: how many fresh nodes (this one included) form the first voter set when no cluster
   * exists yet. A node whose `dataDir` holds a configuration ignores it (it is a member); a node that finds
   * a cluster joins it as an observer whatever `expect` says, and the leader's autopilot makes it a voter.
   * Give the number of replicas you start together for the first time: with `1`, a node that reaches nobody
   * when it starts forms a cluster of its own, so replicas started at the same moment could form separate
   * clusters (see the README). Needs `dataDir` and a transport with `discoverVoters()` (the libp2p one);
   * exclusive with `voters`. An integer from 1 to 1000.
   * @default 1: form alone when no cluster shows itself
   */
  expect?: number;
  /**
   * Without `voters`, on a node that is not a member yet: how long, in milliseconds, it looks for a cluster to
   * join or for the `expect` fresh nodes to form the first voter set with. When it runs out, module
   * initialisation fails with a `DiscoveryTimeoutError` that names the peers found, instead of waiting for
   * ever (a replica whose bootstrap addresses reach nobody, or started without the others). Not used by a
   * member (its `dataDir` holds a configuration) nor with `voters`. A positive integer, at most 2147483647.
   * @default no limit: a Kubernetes startup probe, or your supervisor, bounds the start
   */
  discoveryTimeout?: number;
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
   * Election groups this replica asks for besides those its decorators name: groups used only through
   * `LeaderService#group(name)`. Decorating a method for a group (`@LeaderOnly('billing')`,
   * `@OnBecomeLeader('billing')`, `@LeaderRoute({ group: 'billing' })`, ...) asks for it already. Each group is
   * a leadership of its own (its own leader, term and fencing token), elected among the cluster's voters;
   * a replica may lead only the groups it asks for, and every voter votes in every group. Each name is 1-63
   * characters of a-z, 0-9, '.', '_', '-', starting with a letter or a digit; anything else is an
   * `InvalidOptionError` (option `groups`) when the module is built. `'default'` is the default election
   * (always there). An entry may be `{ name, preferred: true }`: this replica prefers to lead that group
   * (placement hands the group to a voter that prefers it first, and never moves it away from one); a group
   * its decorators name may be listed here for that. An entry that is neither, an unknown field, a
   * `preferred` that is not a boolean or set for `'default'`, or a name listed twice is an
   * `InvalidOptionError` naming the entry (`groups[1].preferred`).
   * @default [] (only the groups the decorators name)
   */
  groups?: readonly LeaderModuleGroup[];
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
