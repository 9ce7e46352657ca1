import { setMaxListeners } from 'node:events';
import { type ConfigurationId, compareConfigurations, type NodeId } from '@baton/core';
import { encodeLeaveFrame } from './codec.js';
import type { TransportContext } from './context.js';
import { abortError, TransportNotOpenError } from './errors.js';
import { lengthPrefixed } from './framing.js';

/** How long `stop()` spends telling peers it leaves, in ms. */
const LEAVE_TIMEOUT = 500;

/** What {@link Membership} has the rest of the transport do when peers come and go. */
export interface MembershipHost {
  /** `peer` joined: redial it should it disconnect. */
  keep(peer: NodeId): void;
  /** Greets a peer that joined while the transport is open: opens its stream, tells it who else is here. */
  greet(peer: NodeId): void;
  /** Sends a connected peer this node's HELLO again: the set it locked for the formation changed. */
  hello(peer: NodeId): void;
  /** `peer` left: close its outbound stream. */
  closeChannel(peer: NodeId): void;
  /** Sends `peer` a last frame and closes its channel; never throws. */
  finish(peer: NodeId, frame: Uint8Array, signal: AbortSignal): Promise<void>;
  /** `peer` was reported connected (`true`) or disconnected (`false`); `count` peers are connected now. */
  connectedChanged(peer: NodeId, connected: boolean, count: number): void;
  /** `peer` said it holds a newer configuration than it did before. */
  configurationHeard(peer: NodeId): void;
}

/**
 * Who is in the cluster, as this node sees it: the peers connected now (joined: connected and speaking the
 * protocol) and the voter configuration each one holds (from its HELLO and election messages), the members
 * known (every peer seen speaking it, bootstrap peers, peers learnt at a bootstrap address, voters), and the
 * voters once known. Reports peers joining and leaving to the election, greets those that join, and says
 * goodbye (LEAVE) when the transport stops.
 */
export class Membership {
  private readonly connectedPeers = new Set<NodeId>();
  /** Peers known to belong to the cluster (gossip senders are checked against it). */
  private readonly members = new Set<NodeId>();
  /**
   * The election's voters, once known (from `start()`'s options or `discoverVoters()`): then only they may
   * announce leadership. Null while unknown (an observer that only `open()`s): members may.
   */
  private voters: ReadonlySet<NodeId> | null = null;
  /** The newest configuration each connected peer said it holds (unknown until its HELLO arrives). */
  private readonly configurations = new Map<NodeId, ConfigurationId>();
  /** The first voter set each connected peer said it locked for the formation (see formation.ts). */
  private readonly locks = new Map<NodeId, readonly NodeId[]>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly context: Pick<
      TransportContext,
      'clusterId' | 'log' | 'delivery' | 'state' | 'running' | 'id' | 'node'
    >,
    private readonly host: MembershipHost,
  ) {}

  /** Cluster peers connected now. */
  get connected(): ReadonlySet<NodeId> {
    return this.connectedPeers;
  }

  /**
   * `peer` is connected and speaks the protocol (identify said so, a stream to it opened, or a valid frame
   * came from it). Reported to the election once, however many of these it takes.
   */
  joined(peer: NodeId): void {
    if (!this.context.running || peer === this.context.id) return;
    this.members.add(peer);
    this.host.keep(peer);
    if (this.connectedPeers.has(peer)) return;
    this.connectedPeers.add(peer);
    this.context.log.debug('peer joined', { peer });
    // Open the stream at once: the peer learns about us (its inbound handler) and the first message is fast.
    // Then tell it who else is here, so a cluster bootstrapped through one seed becomes fully connected.
    if (this.context.state === 'open') this.host.greet(peer);
    this.context.delivery.peerConnected(peer);
    this.host.connectedChanged(peer, true, this.connectedPeers.size);
    this.wake();
  }

  /**
   * `peer` said it holds `configuration` (its HELLO, or an election message): kept when it is the newest
   * heard from it, while it is connected.
   */
  configurationHeard(peer: NodeId, configuration: ConfigurationId): void {
    if (!this.connectedPeers.has(peer)) return;
    const known = this.configurations.get(peer);
    if (known !== undefined && compareConfigurations(known, configuration) >= 0) return;
    this.configurations.set(peer, { term: configuration.term, version: configuration.version });
    this.host.configurationHeard(peer);
    this.wake();
  }

  /** The configuration a connected peer holds, as far as it said; undefined before its HELLO arrived. */
  configurationOf(peer: NodeId): ConfigurationId | undefined {
    return this.configurations.get(peer);
  }

  /** `peer` said (HELLO) it locked `locked` for the first formation: kept while it is connected. */
  lockHeard(peer: NodeId, locked: readonly NodeId[]): void {
    if (!this.connectedPeers.has(peer)) return;
    this.locks.set(peer, locked);
    this.wake();
  }

  /** The set a connected peer said it locked for the first formation; undefined when it said none. */
  lockOf(peer: NodeId): readonly NodeId[] | undefined {
    return this.locks.get(peer);
  }

  /** Tells every connected peer this node's HELLO again (it locked a set for the formation). */
  helloAll(): void {
    for (const peer of this.connectedPeers) this.host.hello(peer);
  }

  /** Checks every wait again (something they wait for may have happened). */
  wake(): void {
    for (const wake of this.waiters) wake();
  }

  /** Greets the peers that joined while the node was starting: they get what later joiners get at once. */
  greetAll(): void {
    for (const peer of this.connectedPeers) this.host.greet(peer);
  }

  /** `peer` left: its last connection closed, it stopped speaking the protocol, or it sent LEAVE. */
  left(peer: NodeId): void {
    if (!this.connectedPeers.delete(peer)) return;
    this.configurations.delete(peer);
    this.locks.delete(peer);
    this.context.log.debug('peer left', { peer });
    this.host.closeChannel(peer);
    this.context.delivery.peerDisconnected(peer);
    this.host.connectedChanged(peer, false, this.connectedPeers.size);
  }

  /** A bootstrap peer, or a peer learnt at a bootstrap address: a member before it connects. */
  addMember(peer: NodeId): void {
    this.members.add(peer);
  }

  /**
   * Voters are members, and the only peers whose leader announcements count. A new set replaces the one
   * known (the configuration changed: a removed voter no longer counts).
   */
  knowVoters(voters: readonly NodeId[]): void {
    this.voters = new Set(voters);
    for (const voter of voters) this.members.add(voter);
  }

  /** Whether the voters are known (from the options, `discoverVoters()` or a configuration). */
  get votersKnown(): boolean {
    return this.voters !== null;
  }

  /** Every member known: connected now or before, bootstrap peers, peers learnt at a bootstrap address, voters. */
  get knownMembers(): ReadonlySet<NodeId> {
    return this.members;
  }

  isVoter(peer: NodeId): boolean {
    return this.voters?.has(peer) === true;
  }

  isMember(peer: NodeId): boolean {
    return this.members.has(peer) || this.connectedPeers.has(peer);
  }

  /** Whether a leader announcement from `peer` counts: a voter when the voters are known, else a member. */
  mayAnnounce(peer: NodeId): 'yes' | 'not-a-voter' | 'not-a-member' {
    if (this.voters !== null) return this.voters.has(peer) ? 'yes' : 'not-a-voter';
    return this.isMember(peer) ? 'yes' : 'not-a-member';
  }

  /** Whether a member this node knows of is not directly connected (so a broadcast needs gossip's relay). */
  someMemberUnreachable(): boolean {
    for (const member of this.members) {
      if (member !== this.context.id && !this.connectedPeers.has(member)) return true;
    }
    return false;
  }

  /**
   * Resolves once `done()` holds, checked whenever a peer joins; rejects when `signal` aborts (with its
   * reason) or the transport is not open (a {@link TransportNotOpenError} for `discoverVoters`).
   */
  waitFor(done: () => boolean, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (signal?.aborted) return finish(abortError(signal));
        if (this.context.state !== 'open') {
          return finish(
            new TransportNotOpenError('discoverVoters', 'the transport stopped while waiting for members'),
          );
        }
        if (done()) finish(null);
      };
      const finish = (error: unknown) => {
        this.waiters.delete(check);
        signal?.removeEventListener('abort', check);
        if (error === null) resolve();
        else reject(error);
      };
      this.waiters.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  /** Ends every wait (the transport stops: they reject). */
  stopWaiting(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /**
   * Tells every connected peer that this transport stops (a LEAVE frame on the election stream), so that
   * peers learn it left even when the libp2p node stays up. Bounded by {@link LEAVE_TIMEOUT}.
   */
  async leave(): Promise<void> {
    const { node, id: from, clusterId } = this.context;
    if (node === null || from === null || this.connectedPeers.size === 0) return;
    const signal = AbortSignal.timeout(LEAVE_TIMEOUT);
    setMaxListeners(Number.POSITIVE_INFINITY, signal);
    await Promise.all(
      [...this.connectedPeers].map((peer) =>
        this.host.finish(
          peer,
          lengthPrefixed(encodeLeaveFrame({ cluster: clusterId, from, to: peer })),
          signal,
        ),
      ),
    );
  }

  /** Forgets the connected peers (the node is gone); members and voters are kept for the next opening. */
  clear(): void {
    this.connectedPeers.clear();
    this.configurations.clear();
    this.locks.clear();
  }
}
