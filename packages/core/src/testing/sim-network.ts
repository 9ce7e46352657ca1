import type { NodeId } from '../machine/types.js';
import type { Prng } from './prng.js';

/**
 * How long a message takes: `baseMs + jitterMs × U[0, 1)`, except that a fraction `slowRate` of messages takes
 * `U[slowMinMs, slowMaxMs)` instead (a retransmission, a busy peer).
 *
 * @example
 * ```ts
 * import { SimCluster } from '@baton/core/testing';
 * // A WAN: 20-40 ms, 5 % of messages at 100-300 ms.
 * const c = SimCluster.create({
 *   network: { latency: { baseMs: 20, jitterMs: 20, slowRate: 0.05, slowMinMs: 100, slowMaxMs: 300 } },
 * });
 * ```
 */
export interface LatencyModel {
  /** @default 0.2 */
  baseMs: number;
  /** @default 1.8 */
  jitterMs: number;
  /** @default 0.02 */
  slowRate: number;
  /** @default 5 */
  slowMinMs: number;
  /** @default 45 */
  slowMaxMs: number;
  /**
   * Fraction of messages stuck for `U[stallMinMs, stallMaxMs)` more (a full buffer, a retransmission after a
   * timeout): they arrive long after they were sent, when their sender may have moved on.
   * @default 0
   */
  stallRate: number;
  /** @default 100 */
  stallMinMs: number;
  /** @default 2000 */
  stallMaxMs: number;
}

/**
 * What the simulated network does to each message, besides partitions.
 *
 * @example
 * ```ts
 * import { SimCluster } from '@baton/core/testing';
 * const c = SimCluster.create({ nodes: 3 });
 * c.setNetwork({ lossRate: 0.1, duplicateRate: 0.05, reorderRate: 0.2 });
 * console.log(c.network.conditions.lossRate); // 0.1
 * ```
 */
export interface NetworkConditions {
  /** Probability that a message is lost. @default 0 */
  lossRate: number;
  /** Probability that a message is delivered twice (the copy with its own delay). @default 0 */
  duplicateRate: number;
  /** Probability that a message is held back by up to `reorderWindowMs` more, so later ones overtake it. @default 0 */
  reorderRate: number;
  /** @default 20 */
  reorderWindowMs: number;
  latency: LatencyModel;
}

/**
 * The defaults: a healthy LAN with 2 % slow messages (the delays of the simulation of the ergo `leader`
 * package's rules in docs/design.md).
 *
 * @example
 * ```ts
 * import { HEALTHY_NETWORK, SimCluster } from '@baton/core/testing';
 * const c = SimCluster.create({ nodes: 3, network: { lossRate: 0.2 } });
 * c.setNetwork(HEALTHY_NETWORK); // back to no loss
 * ```
 */
export const HEALTHY_NETWORK: NetworkConditions = {
  lossRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderWindowMs: 20,
  latency: {
    baseMs: 0.2,
    jitterMs: 1.8,
    slowRate: 0.02,
    slowMinMs: 5,
    slowMaxMs: 45,
    stallRate: 0,
    stallMinMs: 100,
    stallMaxMs: 2_000,
  },
};

/**
 * A change to {@link NetworkConditions}; the latency model can be changed field by field.
 *
 * @example
 * ```ts
 * import type { NetworkConditionsChange } from '@baton/core/testing';
 * const stormy: NetworkConditionsChange = { lossRate: 0.3, latency: { stallRate: 0.05 } };
 * ```
 */
export type NetworkConditionsChange = Partial<Omit<NetworkConditions, 'latency'>> & {
  latency?: Partial<LatencyModel>;
};

/**
 * The simulated network between a fixed set of nodes: directed links that can be cut (full, partial and
 * one-way partitions), and loss, duplication, reordering and variable delay drawn from a seeded generator.
 *
 * @example
 * ```ts
 * import { Prng, SimNetwork } from '@baton/core/testing';
 * const net = new SimNetwork(['a', 'b', 'c'], new Prng(1));
 * net.cut('a', 'c'); // a partial partition: a reaches b, b reaches c, a does not reach c
 * net.reaches('a', 'c'); // false
 * net.heal();
 * ```
 */
export class SimNetwork {
  private readonly index = new Map<NodeId, number>();
  private readonly members: NodeId[];
  /** Room for this many nodes (the ones given, and those `addNode` adds later). */
  private readonly n: number;
  /** `blocked[from * n + to] === 1` when messages from `from` to `to` are dropped. */
  private readonly blockedLinks: Uint8Array;
  private blockedCount = 0;
  private current: NetworkConditions;

  constructor(
    ids: readonly NodeId[],
    private readonly random: Prng,
    conditions: NetworkConditionsChange = {},
    /** How many nodes `addNode` may add later (nodes that join a running cluster). */
    spare = 0,
  ) {
    this.members = [...ids];
    ids.forEach((id, i) => {
      this.index.set(id, i);
    });
    this.n = ids.length + spare;
    this.blockedLinks = new Uint8Array(this.n * this.n);
    this.current = mergeConditions(HEALTHY_NETWORK, conditions);
  }

  /** Every node of the network, in the order they were added (their index). */
  get ids(): readonly NodeId[] {
    return this.members;
  }

  /** Adds a node that joins later; it reaches everyone (partitions in force do not include it). */
  addNode(id: NodeId): number {
    if (this.index.has(id)) throw new RangeError(`SimNetwork: node ${JSON.stringify(id)} exists already`);
    if (this.members.length >= this.n)
      throw new RangeError(`SimNetwork: no room for another node (${this.n})`);
    const i = this.members.length;
    this.members.push(id);
    this.index.set(id, i);
    return i;
  }

  /** The conditions in force. */
  get conditions(): NetworkConditions {
    return this.current;
  }

  /** Changes loss, duplication, reordering or latency; fields not given keep their value. */
  setConditions(change: NetworkConditionsChange): void {
    this.current = mergeConditions(this.current, change);
  }

  /** Whether any link is cut. */
  get partitioned(): boolean {
    return this.blockedCount > 0;
  }

  /** Whether messages from `from` reach `to` (ignoring random loss). */
  reaches(from: NodeId, to: NodeId): boolean {
    return this.blockedLinks[this.at(from) * this.n + this.at(to)] === 0;
  }

  /** Cuts the link between `a` and `b` in both directions. */
  cut(a: NodeId, b: NodeId): void {
    this.block(this.at(a), this.at(b));
    this.block(this.at(b), this.at(a));
  }

  /** Cuts only the direction `from` → `to` (an asymmetric partition). */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.block(this.at(from), this.at(to));
  }

  /** Cuts every link to and from `id`. */
  isolate(id: NodeId): void {
    const i = this.at(id);
    for (let j = 0; j < this.members.length; j++) {
      if (j === i) continue;
      this.block(i, j);
      this.block(j, i);
    }
  }

  /** Splits the nodes into groups that reach only their own group; nodes not listed form one more group. */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    const group = new Int32Array(this.n).fill(-1);
    groups.forEach((members, g) => {
      for (const id of members) group[this.at(id)] = g;
    });
    const count = this.members.length;
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < count; j++) if (i !== j && group[i] !== group[j]) this.block(i, j);
    }
  }

  /** Restores every link (random loss, duplication and delay stay as configured). */
  heal(): void {
    this.blockedLinks.fill(0);
    this.blockedCount = 0;
  }

  /** The links that are cut, as `from->to` strings (for logs). */
  cutLinks(): string[] {
    const links: string[] = [];
    for (let i = 0; i < this.members.length; i++) {
      for (let j = 0; j < this.members.length; j++) {
        if (this.blockedLinks[i * this.n + j] === 1) links.push(`${this.members[i]}->${this.members[j]}`);
      }
    }
    return links;
  }

  /** Whether the link between node indices `from` → `to` is cut (the simulator's hot path). */
  isBlocked(from: number, to: number): boolean {
    return this.blockedLinks[from * this.n + to] === 1;
  }

  /** The delay of one message sent over an open link, or -1 when it is lost. */
  transitDelay(): number {
    const c = this.current;
    if (c.lossRate > 0 && this.random.next() < c.lossRate) return -1;
    return this.latency(c);
  }

  /** The delay of a duplicate of the message just sent, or -1 when it is not duplicated. */
  duplicateDelay(): number {
    const c = this.current;
    if (c.duplicateRate > 0 && this.random.next() < c.duplicateRate) return this.latency(c);
    return -1;
  }

  private latency(c: NetworkConditions): number {
    const l = c.latency;
    let delay =
      l.slowRate > 0 && this.random.next() < l.slowRate
        ? this.random.between(l.slowMinMs, l.slowMaxMs)
        : l.baseMs + l.jitterMs * this.random.next();
    if (c.reorderRate > 0 && this.random.next() < c.reorderRate)
      delay += c.reorderWindowMs * this.random.next();
    if (l.stallRate > 0 && this.random.next() < l.stallRate) {
      delay += this.random.between(l.stallMinMs, l.stallMaxMs);
    }
    // A message is never delivered in the instant it is sent: the lease argument (lease.ts) relies on receipt
    // happening after the round started.
    return Math.max(delay, 0.001);
  }

  private block(from: number, to: number): void {
    const k = from * this.n + to;
    if (this.blockedLinks[k] === 0) {
      this.blockedLinks[k] = 1;
      this.blockedCount++;
    }
  }

  private at(id: NodeId): number {
    const i = this.index.get(id);
    if (i === undefined) throw new RangeError(`SimNetwork: unknown node ${JSON.stringify(id)}`);
    return i;
  }
}

function mergeConditions(base: NetworkConditions, change: NetworkConditionsChange): NetworkConditions {
  const merged: NetworkConditions = {
    ...base,
    ...change,
    latency: { ...base.latency, ...change.latency },
  };
  for (const key of ['lossRate', 'duplicateRate', 'reorderRate'] as const) {
    const value = merged[key];
    if (!(value >= 0 && value <= 1)) throw new RangeError(`network ${key} must be in [0, 1] (got ${value})`);
  }
  const l = merged.latency;
  const ordered =
    l.slowMinMs >= 0 && l.slowMaxMs >= l.slowMinMs && l.stallMinMs >= 0 && l.stallMaxMs >= l.stallMinMs;
  if (!(l.baseMs >= 0 && l.jitterMs >= 0 && ordered && l.slowRate >= 0 && l.stallRate >= 0)) {
    throw new RangeError(`network latency model is invalid: ${JSON.stringify(l)}`);
  }
  return merged;
}
