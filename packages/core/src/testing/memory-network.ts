import type { ElectionMessage, NodeId } from '../machine/types.js';
import { defaultTimeProvider, type TimeProvider } from '../runtime/time-provider.js';
import type { Transport, TransportHandlers, TransportStartOptions } from '../transport/types.js';

/**
 * Options of a {@link MemoryNetwork}.
 *
 * @example
 * ```ts
 * import { MemoryNetwork, VirtualClock } from '@baton/core/testing';
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ time: clock.provider(), latencyMs: (from, to) => (from === 'a' ? 5 : 1) });
 * ```
 */
export interface MemoryNetworkOptions {
  /**
   * The time provider deliveries are scheduled with: one for all, or one per node (use the recipient's, so
   * that a frozen node receives nothing until it resumes).
   * @default defaultTimeProvider (real time)
   */
  time?: TimeProvider | ((id: NodeId) => TimeProvider);
  /**
   * One-way delay of every message and broadcast, in milliseconds; 0 delivers on the next task.
   * @default 0
   */
  latencyMs?: number | ((from: NodeId, to: NodeId) => number);
}

/**
 * Counters of a {@link MemoryNetwork}.
 *
 * @example
 * ```ts
 * import { MemoryNetwork, type MemoryNetworkStats } from '@baton/core/testing';
 * const network = new MemoryNetwork();
 * const stats: MemoryNetworkStats = network.stats;
 * console.log(stats); // { delivered: 0, dropped: 0 }
 * ```
 */
export interface MemoryNetworkStats {
  /** Messages and broadcasts handed to a recipient. */
  readonly delivered: number;
  /** Sent to a node that is not started, or across a cut link, or still in flight when it went down. */
  readonly dropped: number;
}

/**
 * An in-process network for runtimes: `network.transport(id)` gives a {@link Transport}. Delivery is
 * asynchronous (scheduled on the recipient's time provider, after `latencyMs`), messages are copied, and
 * links can be cut to make partitions.
 *
 * A cut link behaves like a broken connection: both ends are told the peer disconnected, messages across it
 * (including those in flight) are lost, and `heal` reconnects it.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const network = new MemoryNetwork({ latencyMs: 1 });
 * const voters = ['a', 'b', 'c'];
 * const nodes = voters.map((id) => new LeaderElection({
 *   clusterId: 'demo', voters, transport: network.transport(id), store: new MemoryStateStore(),
 * }));
 * await Promise.all(nodes.map((node) => node.start()));
 * network.isolate('a'); // 'a' can reach nobody until network.heal()
 * ```
 */
export class MemoryNetwork {
  private readonly nodes = new Map<NodeId, MemoryTransport>();
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<NodeId>();
  private delivered = 0;
  private dropped = 0;

  constructor(private readonly options: MemoryNetworkOptions = {}) {
    const { latencyMs } = options;
    if (latencyMs !== undefined && typeof latencyMs !== 'function' && !(latencyMs >= 0)) {
      throw new TypeError(`MemoryNetwork: latencyMs must be a number >= 0 or a function (got ${latencyMs})`);
    }
  }

  /** A new transport for node `id` (not started). Only one transport per id may be started at a time. */
  transport(id: NodeId): MemoryTransport {
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(
        `MemoryNetwork.transport: id must be a non-empty string (got ${JSON.stringify(id)})`,
      );
    }
    return new MemoryTransport(this, id);
  }

  /** The ids of the started transports. */
  get members(): readonly NodeId[] {
    return [...this.nodes.keys()].sort();
  }

  /** Messages and broadcasts delivered and dropped so far. */
  get stats(): MemoryNetworkStats {
    return { delivered: this.delivered, dropped: this.dropped };
  }

  /** Whether `a` and `b` are both started and the link between them is up. */
  connected(a: NodeId, b: NodeId): boolean {
    return a !== b && this.nodes.has(a) && this.nodes.has(b) && this.linkUp(a, b);
  }

  /** Breaks the link between `a` and `b` (both directions). */
  cut(a: NodeId, b: NodeId): void {
    this.changeLinks(() => this.cuts.add(pairKey(a, b)));
  }

  /** Breaks every link of `id`, present and future, until healed. */
  isolate(id: NodeId): void {
    this.changeLinks(() => this.isolated.add(id));
  }

  /** Restores the link `a`-`b`; with one id, ends its isolation; with none, restores every link. */
  heal(a?: NodeId, b?: NodeId): void {
    this.changeLinks(() => {
      if (a === undefined) {
        this.cuts.clear();
        this.isolated.clear();
      } else if (b === undefined) {
        this.isolated.delete(a);
        for (const key of [...this.cuts]) if (JSON.parse(key).includes(a)) this.cuts.delete(key);
      } else {
        this.cuts.delete(pairKey(a, b));
      }
    });
  }

  /** @internal */
  attach(node: MemoryTransport): void {
    const existing = this.nodes.get(node.localId);
    if (existing !== undefined && existing !== node) {
      throw new Error(`MemoryNetwork: a transport for ${node.localId} is already started on this network`);
    }
    this.changeLinks(() => this.nodes.set(node.localId, node));
  }

  /** @internal */
  detach(node: MemoryTransport): void {
    if (this.nodes.get(node.localId) !== node) return;
    this.changeLinks(() => this.nodes.delete(node.localId));
  }

  /** @internal */
  peersOf(id: NodeId): NodeId[] {
    return this.members.filter((other) => this.connected(id, other));
  }

  /** @internal Schedules `deliver` on the recipient's time provider; it runs only if the link still holds. */
  route(from: MemoryTransport, to: NodeId, deliver: (recipient: MemoryTransport) => void): void {
    const recipient = this.nodes.get(to);
    if (recipient === undefined || !this.connected(from.localId, to)) {
      this.dropped += 1;
      return;
    }
    const time = this.timeOf(to);
    const latency = this.latency(from.localId, to);
    const run = () => {
      if (this.nodes.get(to) !== recipient || !this.connected(from.localId, to) || !recipient.isStarted) {
        this.dropped += 1;
        return;
      }
      this.delivered += 1;
      deliver(recipient);
    };
    if (latency > 0) time.setTimeout(run, latency);
    else time.queueTask(run);
  }

  private timeOf(id: NodeId): TimeProvider {
    const { time } = this.options;
    if (time === undefined) return defaultTimeProvider;
    return typeof time === 'function' ? time(id) : time;
  }

  private latency(from: NodeId, to: NodeId): number {
    const { latencyMs } = this.options;
    if (latencyMs === undefined) return 0;
    const value = typeof latencyMs === 'function' ? latencyMs(from, to) : latencyMs;
    return Number.isFinite(value) && value > 0 ? value : 0;
  }

  private linkUp(a: NodeId, b: NodeId): boolean {
    return !this.isolated.has(a) && !this.isolated.has(b) && !this.cuts.has(pairKey(a, b));
  }

  /** Applies a change and tells both ends of every link that went up or down. */
  private changeLinks(change: () => void): void {
    const before = this.linkSnapshot();
    change();
    const after = this.linkSnapshot();
    for (const key of new Set([...before, ...after])) {
      if (before.has(key) === after.has(key)) continue;
      const [a, b] = JSON.parse(key) as [NodeId, NodeId];
      const up = after.has(key);
      this.nodes.get(a)?.notifyLink(b, up);
      this.nodes.get(b)?.notifyLink(a, up);
    }
  }

  private linkSnapshot(): Set<string> {
    const ids = this.members;
    const links = new Set<string>();
    for (const [i, a] of ids.entries()) {
      for (const b of ids.slice(i + 1)) if (this.linkUp(a, b)) links.add(pairKey(a, b));
    }
    return links;
  }

  /** @internal */
  timeFor(id: NodeId): TimeProvider {
    return this.timeOf(id);
  }
}

/**
 * A {@link Transport} on a {@link MemoryNetwork}.
 *
 * @example
 * ```ts
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * await transport.start({ onMessage: console.log, onBroadcast() {}, onPeerConnected() {}, onPeerDisconnected() {} });
 * ```
 */
export class MemoryTransport implements Transport {
  private handlers: TransportHandlers | null = null;
  private starting: Promise<void> | null = null;

  constructor(
    private readonly network: MemoryNetwork,
    readonly localId: NodeId,
  ) {}

  /** Whether the transport is started. */
  get isStarted(): boolean {
    return this.handlers !== null;
  }

  start(handlers: TransportHandlers, options: TransportStartOptions = {}): Promise<void> {
    if (this.handlers !== null) return Promise.resolve();
    if (this.starting !== null) return this.starting;
    this.starting = (async () => {
      options.signal?.throwIfAborted();
      this.handlers = handlers;
      try {
        this.network.attach(this);
      } catch (error) {
        this.handlers = null;
        throw error;
      }
    })().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    if (this.handlers === null) return;
    this.network.detach(this);
    this.handlers = null;
  }

  send(message: ElectionMessage): void {
    if (this.handlers === null) return;
    const copy = structuredClone(message);
    this.network.route(this, message.to, (recipient) => recipient.handlers?.onMessage(copy));
  }

  broadcast(payload: Uint8Array, options: { to?: readonly NodeId[] } = {}): void {
    if (this.handlers === null) return;
    const targets = options.to === undefined ? this.peers() : options.to.filter((id) => id !== this.localId);
    for (const to of new Set(targets)) {
      const copy = payload.slice();
      this.network.route(this, to, (recipient) => recipient.handlers?.onBroadcast(this.localId, copy));
    }
  }

  peers(): readonly NodeId[] {
    return this.handlers === null ? [] : this.network.peersOf(this.localId);
  }

  /** @internal Tells this node's handlers that the link to `peer` went up or down, as a task of its own. */
  notifyLink(peer: NodeId, up: boolean): void {
    const handlers = this.handlers;
    if (handlers === null) return;
    this.network.timeFor(this.localId).queueTask(() => {
      if (this.handlers !== handlers) return; // stopped (or restarted) since
      if (up) handlers.onPeerConnected(peer);
      else handlers.onPeerDisconnected(peer);
    });
  }
}

function pairKey(a: NodeId, b: NodeId): string {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}
