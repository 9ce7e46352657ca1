import {
  type ClusterMessage,
  type Configuration,
  checkGroupName,
  DEFAULT_GROUP,
  type ElectionGroup,
  LeaderElection,
  type LeadershipHandle,
  type Membership,
  type MembershipChangeOptions,
  type NodeId,
  type Role,
} from '@baton/core';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { BehaviorSubject, distinctUntilChanged, map, type Observable, Subject } from 'rxjs';
import { decoratedGroups } from './decorated-groups.js';
import { GroupNotAskedError } from './errors.js';
import type { LeaderModuleOptions } from './interfaces/leader-module-options.interface.js';
import type { LeaderState } from './interfaces/leader-state.interface.js';
import { LEADER_ELECTION } from './leader.constants.js';
import { LEADER_MODULE_OPTIONS } from './leader.module-definition.js';
import { LeaderGroup } from './leader-group.js';
import type { LeadershipGate } from './leader-only.registry.js';
import { moduleGroupName } from './module-groups.js';

/** Internal: lets the module refresh and complete the streams without making that public API. */
export const SYNC_STATE = Symbol('baton:sync-state');
export const COMPLETE_STREAMS = Symbol('baton:complete-streams');
/** Internal: lets the explorer ask for the groups the application's decorators name. */
export const ASK_GROUP = Symbol('baton:ask-group');

function sameState(a: LeaderState, b: LeaderState): boolean {
  return a.leader === b.leader && a.term === b.term && a.isLeader === b.isLeader && a.role === b.role;
}

function samePeers(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((peer, index) => peer === b[index]);
}

function sameMembers(a: Membership, b: Membership): boolean {
  return (
    a.version === b.version &&
    a.term === b.term &&
    a.leaving === b.leaving &&
    samePeers(a.voters, b.voters) &&
    samePeers(a.observers, b.observers) &&
    a.change?.added === b.change?.added &&
    a.change?.removed === b.change?.removed
  );
}

/**
 * The election as the rest of the application sees it: the current state, RxJS streams of it, and the
 * operations a node can ask for. Inject it anywhere `LeaderModule` is visible.
 *
 * Streams of a latest value (`leader$`, `isLeader$`, `term$`, `peers$`, `membership$`, `voters$`) give a new subscriber the current
 * value at once and never emit the same value twice in a row; `messages$` emits messages as they arrive.
 * All of them complete when the application shuts down.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { LeaderService } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Dashboard {
 *   constructor(private readonly leader: LeaderService) {
 *     this.leader.leader$.subscribe(({ leader, term }) => console.log(`term ${term}: ${leader}`));
 *   }
 * }
 * ```
 */
@Injectable()
export class LeaderService implements LeadershipGate {
  private readonly state: BehaviorSubject<LeaderState>;
  private readonly peerList: BehaviorSubject<readonly NodeId[]>;
  private readonly members: BehaviorSubject<Membership>;
  private readonly messages = new Subject<ClusterMessage>();
  private readonly unsubscribes: (() => void)[] = [];
  /** The election groups this node asked for (the default one left out): module option and decorators. */
  private readonly asked = new Set<string>();
  private readonly groupViews = new Map<string, LeaderGroup>();

  /**
   * The current `{ leader, term, isLeader, role }`; emits on every change.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Topology {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.leader$.subscribe((state) => console.log(state.role, state.leader));
   *   }
   * }
   * ```
   */
  readonly leader$: Observable<LeaderState>;
  /**
   * Whether this node holds the leader lease; emits on every change.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Consumers {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.isLeader$.subscribe((leading) => console.log(leading ? 'consume' : 'pause'));
   *   }
   * }
   * ```
   */
  readonly isLeader$: Observable<boolean>;
  /**
   * The latest term this node has seen; emits on every change.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class TermGauge {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   term = 0;
   *   onModuleInit() {
   *     this.leaderService.term$.subscribe((term) => (this.term = term)); // e.g. a metrics gauge
   *   }
   * }
   * ```
   */
  readonly term$: Observable<number>;
  /**
   * The peers of the cluster currently reachable (sorted); emits on every change.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class PeerCount {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.peers$.subscribe((peers) => console.log(`${peers.length} peers reachable`));
   *   }
   * }
   * ```
   */
  readonly peers$: Observable<readonly NodeId[]>;
  /**
   * Messages other nodes sent with `broadcast()`, as they arrive (no replay).
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Inbox {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.messages$.subscribe(({ from, payload }) => console.log(from, payload));
   *   }
   * }
   * ```
   */
  readonly messages$: Observable<ClusterMessage>;
  /**
   * Who the members are, as this node sees them (the core's `Membership`: `voters`, `observers`, the
   * configuration's `version` and `term`, the `change` in progress on the leader, `leaving`); emits when the
   * configuration changes (`voters-changed`), when peers join or leave, and on role changes.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Members {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.membership$.subscribe(({ voters, observers, version }) =>
   *       console.log(`configuration ${version}: voters ${voters.join(', ')}; observers ${observers.join(', ')}`),
   *     );
   *   }
   * }
   * ```
   */
  readonly membership$: Observable<Membership>;
  /**
   * The voters of this node's configuration; emits when they change (a node made a voter or removed).
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class QuorumWatch {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.voters$.subscribe((voters) => console.log(`${voters.length} voters: ${voters.join(', ')}`));
   *   }
   * }
   * ```
   */
  readonly voters$: Observable<readonly NodeId[]>;

  constructor(
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
    @Optional() @Inject(LEADER_MODULE_OPTIONS) options?: Pick<LeaderModuleOptions, 'groups'>,
    @Optional() private readonly discovery?: DiscoveryService,
    @Optional() private readonly scanner?: MetadataScanner,
  ) {
    for (const entry of options?.groups ?? []) {
      const name = moduleGroupName(entry);
      if (name !== DEFAULT_GROUP) this.asked.add(name);
    }
    this.state = new BehaviorSubject(this.readState());
    this.peerList = new BehaviorSubject(this.readPeers());
    this.leader$ = this.state.asObservable().pipe(distinctUntilChanged(sameState));
    this.isLeader$ = this.leader$.pipe(
      map((state) => state.isLeader),
      distinctUntilChanged(),
    );
    this.term$ = this.leader$.pipe(
      map((state) => state.term),
      distinctUntilChanged(),
    );
    this.peers$ = this.peerList.asObservable().pipe(distinctUntilChanged(samePeers));
    this.messages$ = this.messages.asObservable();
    this.members = new BehaviorSubject(election.membership());
    this.membership$ = this.members.asObservable().pipe(distinctUntilChanged(sameMembers));
    this.voters$ = this.membership$.pipe(
      map((membership) => membership.voters),
      distinctUntilChanged(samePeers),
    );

    const sync = () => this[SYNC_STATE]();
    for (const event of [
      'became-leader',
      'became-follower',
      'leader-changed',
      'term-changed',
      'leadership-lost',
    ] as const) {
      this.unsubscribes.push(election.on(event, sync));
    }
    const syncPeers = () => this.syncPeers();
    this.unsubscribes.push(election.on('peer-joined', syncPeers), election.on('peer-left', syncPeers));
    this.unsubscribes.push(election.on('voters-changed', syncPeers));
    this.unsubscribes.push(election.on('message', (message) => this.messages.next(message)));
  }

  /**
   * This node's id in the cluster.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Banner {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onApplicationBootstrap() {
   *     console.log(`this is node ${this.leaderService.id}`);
   *   }
   * }
   * ```
   */
  get id(): NodeId {
    return this.election.id;
  }

  /**
   * Whether this node holds a valid leader lease right now.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Compaction {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   async compact() {
   *     if (!this.leaderService.isLeader()) return; // another replica does it
   *     console.log('compacting tables');
   *   }
   * }
   * ```
   */
  isLeader(): boolean {
    return this.election.isLeader();
  }

  /**
   * The leader this node knows of, or `null`.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Forwarder {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   target(): string {
   *     return this.leaderService.leader() ?? 'no leader yet'; // e.g. 'node-b'
   *   }
   * }
   * ```
   */
  leader(): NodeId | null {
    return this.election.leader();
  }

  /**
   * The latest term this node has seen.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Status {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   term(): number {
   *     return this.leaderService.term();
   *   }
   * }
   * ```
   */
  term(): number {
    return this.election.term();
  }

  /**
   * The peers of the cluster currently reachable.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Quorum {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   reachable(): number {
   *     return this.leaderService.peers().length;
   *   }
   * }
   * ```
   */
  peers(): readonly NodeId[] {
    return this.election.peers();
  }

  /**
   * Sends an application payload to every reachable node of the cluster; they receive it in
   * `@OnClusterMessage()` handlers and `messages$`. Best effort: a node that is unreachable misses it.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class ConfigReload {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   announce(version: number) {
   *     this.leaderService.broadcast({ type: 'config-reloaded', version }); // to @OnClusterMessage() handlers
   *   }
   * }
   * ```
   */
  broadcast(payload: unknown): ReturnType<LeaderElection['broadcast']> {
    return this.election.broadcast(payload);
  }

  /**
   * Hands leadership to `to`, or to the most suitable follower (for example before maintenance), and
   * resolves with the successor's id once this node knows it. Rejects with `NotLeaderError` when this node
   * does not lead, `NoSuccessorError` when no follower can take over, `InvalidTargetError` when `to`
   * cannot, `TimeoutError` when no successor is known within `timeout` (default: twice
   * `electionTimeoutMax`).
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Maintenance {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   async drain(): Promise<string> {
   *     return this.leaderService.transferLeadership('node-c', { timeout: 1_000 }); // the successor's id
   *   }
   * }
   * ```
   */
  transferLeadership(
    to?: NodeId,
    options?: Parameters<LeaderElection['transferLeadership']>[1],
  ): ReturnType<LeaderElection['transferLeadership']> {
    return this.election.transferLeadership(to, options);
  }

  /**
   * Gives up leadership without naming a successor; the node stays in the cluster and waits an extra
   * election timeout before it campaigns again. Returns whether this node was leading.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Admin {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   release() {
   *     if (!this.leaderService.stepDown()) console.log('was not leading');
   *   }
   * }
   * ```
   */
  stepDown(): ReturnType<LeaderElection['stepDown']> {
    return this.election.stepDown();
  }

  /**
   * A point-in-time view of this node: role, term, leader, lease, peers, counters.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Diagnostics {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   summary(): string {
   *     const { role, term, leaseRemaining } = this.leaderService.inspect();
   *     return `${role} in term ${term}, ${leaseRemaining} ms of lease left`;
   *   }
   * }
   * ```
   */
  inspect(): ReturnType<LeaderElection['inspect']> {
    return this.election.inspect();
  }

  /**
   * Resolves with the leadership handle when this node becomes leader (at once if it leads already).
   * Rejects with the signal's reason when `signal` aborts first.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Migration {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   async runOnce() {
   *     const timeout = AbortSignal.timeout(60_000);
   *     const { fencingToken, signal } = await this.leaderService.whenLeader({ signal: timeout });
   *     if (!signal.aborted) console.log('migrating with fencing token', fencingToken);
   *   }
   * }
   * ```
   */
  whenLeader(options: { signal?: AbortSignal } = {}): Promise<LeadershipHandle> {
    return this.election.whenLeader(options);
  }

  /**
   * The leadership this node holds right now (with a valid lease), or `null`. What `@LeaderOnly()` asks.
   * With `group`, that election group's (as `group(name).currentLeadership()`, and throwing as `group()` does).
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Writer {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   write(row: string) {
   *     const leadership = this.leaderService.currentLeadership();
   *     if (leadership) console.log(`write ${row} with fencing token ${leadership.fencingToken}`);
   *   }
   * }
   * ```
   */
  currentLeadership(group?: string): LeadershipHandle | null {
    if (group !== undefined && group !== DEFAULT_GROUP) return this.group(group).currentLeadership();
    if (!this.election.isLeader()) return null;
    const leadership = this.election.leadership;
    return leadership && !leadership.signal.aborted ? leadership : null;
  }

  /**
   * Who the members are, as this node sees them: the voters and version of its configuration, the observers
   * it knows, the change in progress (on the leader) and whether it is leaving. Before the election starts,
   * the `voters` it starts with.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class MembersReport {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   report(): string {
   *     const { voters, observers, change } = this.leaderService.membership();
   *     return `${voters.length} voters, ${observers.length} observers${change ? ', a change in progress' : ''}`;
   *   }
   * }
   * ```
   */
  membership(): Membership {
    return this.election.membership();
  }

  /**
   * The voters of this node's configuration.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class VoterCheck {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   isVoter(): boolean {
   *     return this.leaderService.voters().includes(this.leaderService.id);
   *   }
   * }
   * ```
   */
  voters(): readonly NodeId[] {
    return this.election.membership().voters;
  }

  /**
   * The members this node knows of that are not voters (nodes that joined and wait to be made voters, or
   * that the autopilot keeps as spares).
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Spares {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   count(): number {
   *     return this.leaderService.observers().length;
   *   }
   * }
   * ```
   */
  observers(): readonly NodeId[] {
    return this.election.membership().observers;
  }

  /**
   * This node's configuration: its `voters`, its `version` (one more per change of the voter set; 0 before
   * any) and the `term` of the leader that installed it. Give `version` as `expectedVersion` to
   * `addVoter`/`removeVoter`/`replaceVoter` for a compare-and-swap.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class ConfigurationReport {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   line(): string {
   *     const { version, voters } = this.leaderService.configuration();
   *     return `configuration ${version}: ${voters.join(', ')}`;
   *   }
   * }
   * ```
   */
  configuration(): Configuration {
    const { voters, version, term } = this.election.membership();
    return { voters, version, term };
  }

  /**
   * On the leader, makes `node` (a member in contact: an observer) a voter; resolves with the new
   * configuration once a majority of the new voters holds it. Rejects as the core's `addVoter` does:
   * `NotLeaderError` on any other node, `ConfigurationVersionError` when `expectedVersion` is not the current
   * version, `MembershipChangeError` when a rule forbids it now, `TimeoutError` after `timeout`.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Promote {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   async promote(node: string) {
   *     const { version } = this.leaderService.configuration();
   *     const next = await this.leaderService.addVoter(node, { expectedVersion: version, timeout: 2_000 });
   *     console.log(`configuration ${next.version}: ${next.voters.join(', ')}`);
   *   }
   * }
   * ```
   */
  addVoter(node: NodeId, options?: MembershipChangeOptions): Promise<Configuration> {
    return this.election.addVoter(node, options);
  }

  /**
   * On the leader, removes `node` from the voters (not the leader itself: transfer leadership first);
   * resolves once a majority of the remaining voters holds the change. Rejects as {@link addVoter} does.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Decommission {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   async retire(node: string) {
   *     const { voters } = await this.leaderService.removeVoter(node, { timeout: 2_000 });
   *     console.log(`voters now: ${voters.join(', ')}`);
   *   }
   * }
   * ```
   */
  removeVoter(node: NodeId, options?: MembershipChangeOptions): Promise<Configuration> {
    return this.election.removeVoter(node, options);
  }

  /**
   * On the leader, replaces voter `old` with `next` (`next` in, then `old` out, so the voters never drop by
   * one); resolves with the final configuration. Should the second change fail, both are voters: retry
   * `removeVoter(old)`.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Migration {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   async move() {
   *     const { voters } = await this.leaderService.replaceVoter('node-c', 'node-d', { timeout: 2_000 });
   *     console.log(voters); // node-d instead of node-c
   *   }
   * }
   * ```
   */
  replaceVoter(old: NodeId, next: NodeId, options?: MembershipChangeOptions): Promise<Configuration> {
    return this.election.replaceVoter(old, next, options);
  }

  /**
   * One election group of this cluster: the same values, streams and operations as this service has for the
   * default election (`isLeader$`, `leader$`, `term$`, `isLeader()`, `leader()`, `term()`,
   * `currentLeadership()`, `whenLeader()`, `transferLeadership()`, `stepDown()`), for that group. The same
   * object on every call. `group('default')` is the default election.
   *
   * Only for a group this node asked for: one that a method is decorated for (`@LeaderOnly('billing')`,
   * `@OnBecomeLeader('billing')`, `@LeaderRoute({ group: 'billing' })`, ...) or that LeaderModule's `groups`
   * option lists. Asking makes this replica a candidate for the group's leadership, so it is never done
   * behind your back.
   *
   * @throws GroupNotAskedError naming the `groups` option, for a group this node did not ask for.
   * @throws InvalidOptionError (option `group`) when `name` is not a group name.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * // LeaderModule.forRoot({ ..., groups: ['billing'] })
   * @Injectable()
   * export class BillingWorker {
   *   constructor(private readonly leaderService: LeaderService) {
   *     this.leaderService.group('billing').isLeader$.subscribe((leads) => console.log('billing here:', leads));
   *   }
   *   async runOnce() {
   *     const { fencingToken } = await this.leaderService.group('billing').whenLeader();
   *     console.log('billing with fencing token', fencingToken);
   *   }
   * }
   * ```
   */
  group(name: string): LeaderGroup {
    const known = this.groupViews.get(name);
    if (known !== undefined) return known;
    checkGroupName('LeaderService.group', name);
    if (name !== DEFAULT_GROUP && !this.asked.has(name) && !this.decoratedGroups().has(name)) {
      throw new GroupNotAskedError(name, [...this.asked].sort());
    }
    const view = new LeaderGroup(this.election, this[ASK_GROUP](name));
    this.groupViews.set(name, view);
    return view;
  }

  /** @internal Asks the election for a group (idempotent): the explorer's, for every group a decorator names. */
  [ASK_GROUP](name: string): ElectionGroup {
    if (name !== DEFAULT_GROUP) this.asked.add(name);
    return this.election.group(name);
  }

  /**
   * The groups the application's decorators name, read from the classes of its providers and controllers:
   * `group()` may be called in a constructor, before the explorer asked for them at module init.
   */
  private decoratedGroups(): Set<string> {
    const groups = new Set<string>();
    if (this.discovery === undefined || this.scanner === undefined) return groups;
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const { instance, metatype, inject } = wrapper;
      const prototype: unknown =
        instance !== null && typeof instance === 'object'
          ? Object.getPrototypeOf(instance)
          : typeof metatype === 'function' && !inject
            ? metatype.prototype
            : null;
      if (prototype === null || typeof prototype !== 'object') continue;
      for (const group of decoratedGroups(prototype, this.scanner)) groups.add(group);
    }
    return groups;
  }

  /** @internal Re-reads the election's state into the streams (after events, start and stop). */
  [SYNC_STATE](): void {
    if (this.state.isStopped) return;
    const next = this.readState();
    if (!sameState(next, this.state.getValue())) this.state.next(next);
    this.syncPeers();
    for (const view of this.groupViews.values()) view.sync();
  }

  /** @internal Detaches from the election and completes every stream (application shutdown). */
  [COMPLETE_STREAMS](): void {
    this[SYNC_STATE]();
    for (const view of this.groupViews.values()) view.complete();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.state.complete();
    this.peerList.complete();
    this.members.complete();
    this.messages.complete();
  }

  /** Re-reads the reachable peers and the membership (they change together: peers join, leave, are promoted). */
  private syncPeers(): void {
    if (this.peerList.isStopped) return;
    const next = this.readPeers();
    if (!samePeers(next, this.peerList.getValue())) this.peerList.next(next);
    const members = this.election.membership();
    if (!sameMembers(members, this.members.getValue())) this.members.next(members);
  }

  private readPeers(): readonly NodeId[] {
    return [...this.election.peers()].sort();
  }

  private readState(): LeaderState {
    let role: Role;
    try {
      role = this.election.inspect().role;
    } catch {
      role = 'follower'; // inspect() throws before start(): a node that has not started follows nobody
    }
    const isLeader = this.election.isLeader();
    return { leader: this.election.leader(), term: this.election.term(), isLeader, role };
  }
}
