import { setMaxListeners } from 'node:events';
import type { ConfigurationId, ElectionLogger, NodeId } from '@baton/core';
import type { Libp2p } from '@libp2p/interface';
import { TransportCounters } from './counters.js';
import { Delivery } from './delivery.js';
import { TransportNotOpenError } from './errors.js';
import type { GossipChannel } from './gossip.js';
import type { ResolvedTransportOptions } from './options.js';

/** Where a transport is in its life. */
export type TransportState = 'closed' | 'opening' | 'open' | 'closing';

/**
 * What the parts of one transport share, as js-libp2p hands its services their components: the options, the
 * one logger, the counters, the delivery to the election's handlers, where the transport is in its life,
 * and what exists while it is open (the libp2p node, this node's id, the gossip topic). The transport's
 * lifecycle (`Libp2pTransport` and `NodeBinding`) writes it; the other parts only read it.
 */
export class TransportContext {
  readonly clusterId: string;
  /** The election protocol id: `/baton/<clusterId>/election/1.0.0`. */
  readonly protocol: string;
  /** The gossip topic: `/baton/<clusterId>/gossip/1.0.0`. */
  readonly topic: string;
  /** Where warnings go, and debug traces (at `debug`): the `logger` option. */
  readonly log: ElectionLogger;
  readonly counters = new TransportCounters();
  readonly delivery: Delivery;
  state: TransportState = 'closed';
  /** The libp2p node (Baton's own or the user's), from the start of an opening to the end of `stop()`. */
  node: Libp2p | null = null;
  /** This node's peer id, known from the first opening on. */
  id: NodeId | null = null;
  /** The cluster's gossip topic, while open and gossip is on. */
  gossip: GossipChannel | null = null;
  /**
   * The voter configuration this node holds (version 0: none yet), as `start()` and `configurationChanged()`
   * tell it: every HELLO says it, so a new node can tell that a cluster exists.
   */
  configuration: ConfigurationId = { term: 0, version: 0 };
  /**
   * The first voter set this node locked for its first formation (sorted; null: none), as `discoverVoters`
   * records it (saved in `dataDir` first): every HELLO says it (see formation.ts).
   */
  formationLock: readonly NodeId[] | null = null;
  private lifetime = new AbortController();

  constructor(readonly options: ResolvedTransportOptions) {
    this.clusterId = options.clusterId;
    this.protocol = `/baton/${this.clusterId}/election/1.0.0`;
    this.topic = `/baton/${this.clusterId}/gossip/1.0.0`;
    this.log = options.logger;
    this.delivery = new Delivery(this.log, this.counters);
  }

  /** This node holds `configuration` now (its id is kept, not its voters). */
  holds(configuration: ConfigurationId): void {
    this.configuration = { term: configuration.term, version: configuration.version };
  }

  /** Open, or opening: peers may join, and redials go on. */
  get running(): boolean {
    return this.state === 'open' || this.state === 'opening';
  }

  /** This node's peer id; throws before the first opening has it. */
  get localId(): NodeId {
    if (this.id === null)
      throw new TransportNotOpenError('localId', 'known once open() or start() has resolved');
    return this.id;
  }

  /** Whether the latest lifetime has ended (`stop()` began tearing down): dials must not start. */
  get ended(): boolean {
    return this.lifetime.signal.aborted;
  }

  /** An opening begins a new lifetime. */
  begin(): void {
    this.lifetime = new AbortController();
    setMaxListeners(Number.POSITIVE_INFINITY, this.lifetime.signal);
  }

  /** The lifetime ends: every dial in flight is aborted. */
  end(): void {
    this.lifetime.abort(new Error('transport stopped'));
  }

  /** The signal of one dial: aborted after `dialTimeout`, or when the lifetime ends. */
  dialSignal(): AbortSignal {
    const signal = AbortSignal.any([this.lifetime.signal, AbortSignal.timeout(this.options.dialTimeout)]);
    setMaxListeners(Number.POSITIVE_INFINITY, signal);
    return signal;
  }

  /** Publishes on the gossip topic, and counts it; returns false (nothing sent) when gossip is off. */
  publish(data: Uint8Array): boolean {
    if (this.gossip === null) return false;
    this.counters.published();
    void this.gossip.publish(data);
    return true;
  }
}
