import { lookup } from 'node:dns/promises';
import { consoleLogger, type ElectionLogger, InvalidOptionError, rejectUnknownOptions } from '@baton/core';
import type { GossipSub } from '@libp2p/gossipsub';
import type { Libp2p } from '@libp2p/interface';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Libp2pOptions } from 'libp2p';
import { loadPreSharedKey } from './psk.js';
import { parseDialAddress, peerIdOfAddress } from './voters.js';

/**
 * Resolves a DNS name to IP addresses: `family` 4 for `/dns4`, 6 for `/dns6`, 0 (either) for `/dns`. Rejects
 * when the name does not resolve.
 *
 * @example
 * ```ts
 * import type { DnsResolver } from '@baton/transport-libp2p';
 * // A fixed answer, as a test would give it.
 * const resolveDns: DnsResolver = async (hostname) => (hostname === 'billing-headless' ? ['10.0.0.7', '10.0.0.8'] : []);
 * ```
 */
export type DnsResolver = (hostname: string, family: 0 | 4 | 6) => Promise<readonly string[]>;

/**
 * The default {@link DnsResolver}: the operating system's resolver (`getaddrinfo`, as `dns.lookup` of Node
 * calls it), which reads `/etc/hosts` and applies the search domains of `/etc/resolv.conf`, so that a short
 * Kubernetes Service name (`billing-headless`) resolves inside a pod; every address of the answer.
 *
 * @example
 * ```ts
 * import { systemDnsResolver } from './options.js';
 * console.log(await systemDnsResolver('localhost', 4)); // ['127.0.0.1']
 * ```
 */
export async function systemDnsResolver(hostname: string, family: 0 | 4 | 6): Promise<readonly string[]> {
  const answers = await lookup(hostname, { all: true, family });
  return answers.map((answer) => answer.address);
}

/**
 * Options of {@link libp2pTransport}. Only `clusterId` is required.
 *
 * Two ways in: without `node`, Baton creates, starts and stops a libp2p node of its own (TCP, noise, yamux,
 * identify, ping, gossipsub, optionally mDNS and a private network) from the options below. With `node`,
 * Baton only registers its protocol, topology and gossip topic on your node and never stops it; the options
 * that configure a node (`listen`, `mdns`, `preSharedKey`, `dataDir`, `allow`) are then rejected.
 *
 * @example
 * ```ts
 * import type { Libp2pTransportOptions } from '@baton/transport-libp2p';
 * const options: Libp2pTransportOptions = {
 *   clusterId: 'jobs',
 *   listen: ['/ip4/0.0.0.0/tcp/4001'],
 *   mdns: true,
 *   preSharedKey: '/etc/jobs/swarm.key',
 *   dataDir: '/var/lib/jobs',
 * };
 * ```
 */
export interface Libp2pTransportOptions {
  /**
   * The cluster's name: the same as `LeaderElection`'s `clusterId`. It names the protocol
   * (`/baton/<clusterId>/election/1.0.0`) and the gossip topic (`/baton/<clusterId>/gossip/1.0.0`).
   * Letters, digits, `.`, `_` and `-`, at most 64 characters.
   */
  clusterId: string;
  /**
   * An existing, started libp2p node to run on (it needs identify for peers to be recognised as soon as they
   * connect, and a gossipsub service as `services.pubsub` for gossip). Baton never stops it.
   * @default undefined: Baton creates its own node
   */
  node?: Libp2p;
  /**
   * The gossipsub service to use with `node`. `false` turns gossip off: broadcasts then reach directly
   * connected peers only, and leader announcements are not sent.
   * @default `node.services.pubsub` when it is a gossipsub service
   */
  pubsub?: GossipSub | false;
  /**
   * Addresses to listen on (own node only).
   * @default ['/ip4/0.0.0.0/tcp/0']
   */
  listen?: readonly string[];
  /**
   * Where to find the cluster: multiaddrs, with or without `/p2p/<peer id>`. With it, that peer is dialled
   * and, whenever it is not connected, redialled with backoff for ever, so a cluster heals after restarts and
   * partitions. Without it (`/ip4/10.0.0.7/tcp/4001`, `/dns4/billing-headless/tcp/4001`), the address itself
   * is dialled, the peer that answers is learnt from the handshake and becomes a known member, and the address
   * is redialled with backoff for ever whenever the peer learnt there is not connected. A DNS name (`/dns`,
   * `/dns4`, `/dns6`) is resolved by this transport, every address of the answer is dialled (a Kubernetes
   * headless Service answers with one address per pod), and it is resolved again every
   * `bootstrapRefreshInterval`, so replicas added later are found.
   * @default []
   */
  bootstrap?: readonly (string | Multiaddr)[];
  /**
   * How often the DNS names of `bootstrap` are resolved again, in ms: new addresses in the answer are dialled
   * at once, addresses gone from it are no longer redialled (a peer found there stays a member). A name that
   * does not resolve is retried with the redial backoff meanwhile.
   * @default 10000
   */
  bootstrapRefreshInterval?: number;
  /**
   * Resolves the DNS names of `bootstrap` (tests give a fixed answer; a service-discovery client can answer
   * from elsewhere).
   * @default the operating system's resolver (`dns.lookup` with `all: true`), search domains included
   */
  resolveDns?: DnsResolver;
  /**
   * Find peers on the local network with mDNS and dial them (own node only). Without `preSharedKey`, any host
   * on the network can then connect; a warning says so at start.
   * @default false
   */
  mdns?: boolean;
  /**
   * A private network's swarm key: a path to the key file, or its bytes (own node only). Nodes without the
   * key, or with another one, cannot connect at all. Make one with `createSwarmKey()`.
   * @default undefined: no private network
   */
  preSharedKey?: string | Uint8Array;
  /**
   * Directory for this node's key (`peer-key`, mode 0600) and the voter set formed by `discoverVoters`
   * (`voters-<clusterId>.json`). Without it the node gets a new peer id at every start, so it cannot be a voter across
   * restarts (own node only). May be the same directory as `LeaderElection`'s `dataDir`.
   * @default undefined: an ephemeral identity
   */
  dataDir?: string;
  /**
   * How long a dial (connection and protocol negotiation) may take before it is abandoned, in ms. Every dial
   * Baton makes carries this timeout: a dial into a private network with the wrong key can hang otherwise.
   * It also bounds how long an election stream that is full waits for its peer to read: longer, and the
   * stream is aborted and reopened (`stats().streamsStalled`), so a peer that stops reading cannot stall it.
   * @default 2000
   */
  dialTimeout?: number;
  /**
   * Only these peers may connect, or be dialled (own node only): a list of peer ids, or a predicate
   * evaluated at every connection (useful to cut a node off at run time).
   * @default undefined: every peer may connect (they still cannot vote unless they are voters)
   */
  allow?: readonly string[] | ((peerId: string) => boolean);
  /**
   * Largest frame (election message or broadcast) accepted or sent, in bytes. A larger incoming frame is
   * skipped and counted as dropped (`invalid`); a larger outgoing broadcast is not sent.
   * @default 65536
   */
  maxFrameSize?: number;
  /**
   * How many frames may wait per peer while its stream opens or drains. When full, the oldest frame is
   * dropped and counted: election messages are repeated by the protocol, fresh ones matter most.
   * @default 256
   */
  maxQueuedFrames?: number;
  /**
   * How often the leader re-announces itself on the gossip topic, in ms; `0` turns announcements off. The
   * leader also announces at once when it starts to lead a term, and at its next heartbeat after a peer
   * subscribes to the topic.
   * @default 10000
   */
  leaderAnnounceInterval?: number;
  /**
   * Longest wait between two attempts to reopen a broken stream or redial a known peer, in ms.
   * @default 2000
   */
  maxRedialDelay?: number;
  /**
   * How many times a disconnected peer that is neither a bootstrap peer nor a voter (an observer, a peer
   * found by mDNS or named in a PEERS frame) is redialled before this node gives up on it; `0` never
   * redials them. Bootstrap peers and voters are redialled for ever. A peer that sent LEAVE is not
   * redialled unless it is a bootstrap peer or a voter. With the default backoff, 10 dials span about 5-9 s.
   * @default 10
   */
  maxRedialAttempts?: number;
  /**
   * libp2p's metrics for the node Baton creates (own node only): `prometheusMetrics({ registry })` of
   * `@libp2p/prometheus-metrics` reports connections, streams, dials and protocol traffic on the same
   * prom-client registry as `registerBatonMetrics()` of `@baton/core/metrics`. Put it on your own `node`
   * otherwise.
   * @default undefined: no libp2p metrics
   */
  metrics?: Libp2pOptions['metrics'];
  /**
   * Where the transport logs: warnings (e.g. mDNS without a key), errors, and debug traces (peers joining
   * and leaving, dropped frames, failed dials and redials) at `debug`. The same kind of logger as
   * `LeaderElection`'s: give both the same one to see everything in one place.
   * @default `consoleLogger('warn')` of `@baton/core`: warnings and errors on the console
   */
  logger?: ElectionLogger;
}

/**
 * Options with defaults filled in and values checked.
 *
 * @example
 * ```ts
 * import { type ResolvedTransportOptions, resolveTransportOptions } from './options.js';
 * const resolved: ResolvedTransportOptions = resolveTransportOptions({ clusterId: 'jobs' });
 * console.log(resolved.bootstrapPeers.length, resolved.bootstrapAddresses.length); // 0 0
 * ```
 */
export interface ResolvedTransportOptions {
  readonly clusterId: string;
  readonly node: Libp2p | undefined;
  readonly pubsub: GossipSub | false | undefined;
  readonly listen: readonly Multiaddr[];
  /** The `bootstrap` addresses that name their peer (`/p2p/<id>`). */
  readonly bootstrapPeers: readonly Multiaddr[];
  /** The `bootstrap` addresses without a peer id: the peer is learnt when it answers. */
  readonly bootstrapAddresses: readonly Multiaddr[];
  readonly bootstrapRefreshInterval: number;
  readonly resolveDns: DnsResolver;
  readonly mdns: boolean;
  readonly preSharedKey: Uint8Array | undefined;
  readonly dataDir: string | undefined;
  readonly dialTimeout: number;
  readonly allow: ((peerId: string) => boolean) | undefined;
  readonly maxFrameSize: number;
  readonly maxQueuedFrames: number;
  readonly leaderAnnounceInterval: number;
  readonly maxRedialDelay: number;
  readonly maxRedialAttempts: number;
  readonly metrics: Libp2pOptions['metrics'];
  readonly logger: ElectionLogger;
}

/**
 * Defaults of {@link Libp2pTransportOptions}.
 *
 * @example
 * ```ts
 * import { TRANSPORT_DEFAULTS } from '@baton/transport-libp2p';
 * console.log(TRANSPORT_DEFAULTS.maxFrameSize); // 65536
 * ```
 */
export const TRANSPORT_DEFAULTS = {
  listen: ['/ip4/0.0.0.0/tcp/0'],
  bootstrapRefreshInterval: 10_000,
  dialTimeout: 2000,
  maxFrameSize: 65_536,
  maxQueuedFrames: 256,
  leaderAnnounceInterval: 10_000,
  maxRedialDelay: 2000,
  maxRedialAttempts: 10,
} as const;

const CLUSTER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function integer(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidOptionError(option, value, 'must be an integer');
  }
  if (value < min || value > max)
    throw new InvalidOptionError(option, value, `must be between ${min} and ${max}`);
  return value;
}

/** The names of {@link Libp2pTransportOptions} (every one: the type checks that none is missing). */
const OPTION_NAMES = Object.keys({
  clusterId: true,
  node: true,
  pubsub: true,
  listen: true,
  bootstrap: true,
  bootstrapRefreshInterval: true,
  resolveDns: true,
  mdns: true,
  preSharedKey: true,
  dataDir: true,
  dialTimeout: true,
  allow: true,
  maxFrameSize: true,
  maxQueuedFrames: true,
  leaderAnnounceInterval: true,
  maxRedialDelay: true,
  maxRedialAttempts: true,
  metrics: true,
  logger: true,
} satisfies Record<keyof Libp2pTransportOptions, true>);

/**
 * Checks transport options and fills in defaults; throws {@link InvalidOptionError} naming the first bad one.
 *
 * @example
 * ```ts
 * import { resolveTransportOptions } from './options.js';
 * const options = resolveTransportOptions({ clusterId: 'jobs' });
 * console.log(options.dialTimeout); // 2000
 * ```
 */
export function resolveTransportOptions(options: Libp2pTransportOptions): ResolvedTransportOptions {
  if (options == null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, 'must be an object with at least clusterId');
  }
  rejectUnknownOptions(options, OPTION_NAMES); // a typo (`bootstrapp`) is an error, not a default
  const { clusterId, node } = options;
  if (typeof clusterId !== 'string' || !CLUSTER_ID.test(clusterId)) {
    throw new InvalidOptionError(
      'clusterId',
      clusterId,
      'must be 1-64 letters, digits, ".", "_" or "-" (it is part of a protocol id)',
    );
  }
  if (node !== undefined) {
    if (node === null || typeof node !== 'object' || typeof node.handle !== 'function') {
      throw new InvalidOptionError('node', node, 'must be a libp2p node (from createLibp2p)');
    }
    for (const option of ['listen', 'mdns', 'preSharedKey', 'dataDir', 'allow', 'metrics'] as const) {
      if (options[option] !== undefined) {
        throw new InvalidOptionError(
          option,
          options[option],
          'configures a node Baton creates: set it on your own `node`',
        );
      }
    }
  }
  if (options.pubsub !== undefined && options.pubsub !== false) {
    const pubsub = options.pubsub as Partial<GossipSub> | null;
    if (node === undefined)
      throw new InvalidOptionError('pubsub', '<gossipsub>', 'only applies together with `node`');
    if (pubsub == null || typeof pubsub.publish !== 'function' || !(pubsub.topicValidators instanceof Map)) {
      throw new InvalidOptionError('pubsub', '<object>', 'must be a gossipsub service or false');
    }
  }

  if (options.listen !== undefined && !Array.isArray(options.listen)) {
    throw new InvalidOptionError('listen', options.listen, 'must be an array of multiaddrs');
  }
  const listen = (options.listen ?? TRANSPORT_DEFAULTS.listen).map((address, index) => {
    try {
      return multiaddr(address);
    } catch (error) {
      throw new InvalidOptionError(
        `listen[${index}]`,
        address,
        `not a multiaddr: ${(error as Error).message}`,
      );
    }
  });
  if (options.bootstrap !== undefined && !Array.isArray(options.bootstrap)) {
    throw new InvalidOptionError('bootstrap', options.bootstrap, 'must be an array of multiaddrs');
  }
  const bootstrap = (options.bootstrap ?? []).map((address, index) =>
    parseDialAddress(address, `bootstrap[${index}]`, 'optional'),
  );
  if (options.resolveDns !== undefined && typeof options.resolveDns !== 'function') {
    throw new InvalidOptionError(
      'resolveDns',
      options.resolveDns,
      'must be a function (hostname, family) => Promise<string[]>',
    );
  }
  if (options.mdns !== undefined && typeof options.mdns !== 'boolean') {
    throw new InvalidOptionError('mdns', options.mdns, 'must be true or false');
  }
  const preSharedKey =
    options.preSharedKey === undefined ? undefined : loadPreSharedKey(options.preSharedKey);
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir === '')) {
    throw new InvalidOptionError('dataDir', options.dataDir, 'must be a non-empty path');
  }

  let allow: ((peerId: string) => boolean) | undefined;
  if (typeof options.allow === 'function') {
    allow = options.allow;
  } else if (Array.isArray(options.allow)) {
    const allowed = new Set(options.allow.map(String));
    allow = (peerId) => allowed.has(peerId);
  } else if (options.allow !== undefined) {
    throw new InvalidOptionError('allow', options.allow, 'must be an array of peer ids or a predicate');
  }
  if (options.metrics !== undefined && typeof options.metrics !== 'function') {
    throw new InvalidOptionError(
      'metrics',
      options.metrics,
      'must be a libp2p metrics factory, e.g. prometheusMetrics() of @libp2p/prometheus-metrics',
    );
  }
  const logger = options.logger ?? consoleLogger('warn');
  const missing = LOG_LEVELS.filter(
    (level) => typeof (logger as Partial<ElectionLogger>)?.[level] !== 'function',
  );
  if (missing.length > 0) {
    throw new InvalidOptionError(
      'logger',
      '<object>',
      `must have debug, info, warn and error methods (no ${missing.join(', ')})`,
    );
  }

  return {
    clusterId,
    node,
    pubsub: options.pubsub,
    listen,
    bootstrapPeers: bootstrap.filter((address) => peerIdOfAddress(address) !== undefined),
    bootstrapAddresses: bootstrap.filter((address) => peerIdOfAddress(address) === undefined),
    bootstrapRefreshInterval: integer(
      'bootstrapRefreshInterval',
      options.bootstrapRefreshInterval ?? TRANSPORT_DEFAULTS.bootstrapRefreshInterval,
      100,
    ),
    resolveDns: options.resolveDns ?? systemDnsResolver,
    mdns: options.mdns ?? false,
    preSharedKey,
    dataDir: options.dataDir,
    dialTimeout: integer('dialTimeout', options.dialTimeout ?? TRANSPORT_DEFAULTS.dialTimeout, 1, 600_000),
    allow,
    maxFrameSize: integer(
      'maxFrameSize',
      options.maxFrameSize ?? TRANSPORT_DEFAULTS.maxFrameSize,
      256,
      16 << 20,
    ),
    maxQueuedFrames: integer(
      'maxQueuedFrames',
      options.maxQueuedFrames ?? TRANSPORT_DEFAULTS.maxQueuedFrames,
      1,
      1_000_000,
    ),
    leaderAnnounceInterval: integer(
      'leaderAnnounceInterval',
      options.leaderAnnounceInterval ?? TRANSPORT_DEFAULTS.leaderAnnounceInterval,
      0,
    ),
    maxRedialDelay: integer(
      'maxRedialDelay',
      options.maxRedialDelay ?? TRANSPORT_DEFAULTS.maxRedialDelay,
      10,
    ),
    maxRedialAttempts: integer(
      'maxRedialAttempts',
      options.maxRedialAttempts ?? TRANSPORT_DEFAULTS.maxRedialAttempts,
      0,
      1_000_000,
    ),
    metrics: options.metrics,
    logger,
  };
}
