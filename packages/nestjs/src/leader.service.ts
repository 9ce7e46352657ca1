import {
  type ClusterMessage,
  LeaderElection,
  type LeadershipHandle,
  type NodeId,
  type Role,
} from '@baton/core';
import { Inject, Injectable } from '@nestjs/common';
import { BehaviorSubject, distinctUntilChanged, map, type Observable, Subject } from 'rxjs';
import type { LeaderState } from './interfaces/leader-state.interface.js';
import { LEADER_ELECTION } from './leader.constants.js';
import type { LeadershipGate } from './leader-only.registry.js';

/** Internal: lets the module refresh and complete the streams without making that public API. */
export const SYNC_STATE = Symbol('baton:sync-state');
export const COMPLETE_STREAMS = Symbol('baton:complete-streams');

function sameState(a: LeaderState, b: LeaderState): boolean {
  return a.leader === b.leader && a.term === b.term && a.isLeader === b.isLeader && a.role === b.role;
}

function samePeers(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((peer, index) => peer === b[index]);
}

/**
 * The election as the rest of the application sees it: the current state, RxJS streams of it, and the
 * operations a node can ask for. Inject it anywhere `LeaderModule` is visible.
 *
 * Streams of a latest value (`leader$`, `isLeader$`, `term$`, `peers$`) give a new subscriber the current
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
  private readonly messages = new Subject<ClusterMessage>();
  private readonly unsubscribes: (() => void)[] = [];

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

  constructor(@Inject(LEADER_ELECTION) private readonly election: LeaderElection) {
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
  currentLeadership(): LeadershipHandle | null {
    if (!this.election.isLeader()) return null;
    const leadership = this.election.leadership;
    return leadership && !leadership.signal.aborted ? leadership : null;
  }

  /** @internal Re-reads the election's state into the streams (after events, start and stop). */
  [SYNC_STATE](): void {
    if (this.state.isStopped) return;
    const next = this.readState();
    if (!sameState(next, this.state.getValue())) this.state.next(next);
    this.syncPeers();
  }

  /** @internal Detaches from the election and completes every stream (application shutdown). */
  [COMPLETE_STREAMS](): void {
    this[SYNC_STATE]();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.state.complete();
    this.peerList.complete();
    this.messages.complete();
  }

  private syncPeers(): void {
    if (this.peerList.isStopped) return;
    const next = this.readPeers();
    if (!samePeers(next, this.peerList.getValue())) this.peerList.next(next);
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
