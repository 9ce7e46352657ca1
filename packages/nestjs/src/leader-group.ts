import {
  DEFAULT_GROUP,
  ELECTION_GROUP_EVENTS,
  type ElectionGroup,
  type LeaderElection,
  type LeadershipHandle,
  type NodeId,
  type Role,
} from '@baton/core';
import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { LeaderState } from './interfaces/leader-state.interface.js';

function sameState(a: LeaderState, b: LeaderState): boolean {
  return a.leader === b.leader && a.term === b.term && a.isLeader === b.isLeader && a.role === b.role;
}

/**
 * One election group as the application sees it, from `LeaderService#group(name)`: the same values, streams
 * and operations as `LeaderService` has for the default election (`leader$`, `isLeader$`, `term$`,
 * `isLeader()`, `leader()`, `term()`, `currentLeadership()`, `whenLeader()`, `transferLeadership()`,
 * `stepDown()`), for that group: its own leader, term (the fencing token of its leader) and lease. Streams
 * give a new subscriber the current value at once, never emit the same value twice in a row, and complete
 * when the application shuts down.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeaderGroup, LeaderService } from '@baton/nestjs';
 *
 * @Injectable()
 * export class BillingStatus {
 *   readonly billing: LeaderGroup;
 *   constructor(leaderService: LeaderService) {
 *     this.billing = leaderService.group('billing'); // asked for by LeaderModule's `groups` or a decorator
 *     this.billing.isLeader$.subscribe((leads) => console.log(leads ? 'billing here' : 'billing elsewhere'));
 *   }
 * }
 * ```
 */
export class LeaderGroup {
  private readonly state: BehaviorSubject<LeaderState>;
  private readonly unsubscribes: (() => void)[] = [];

  /**
   * The group's `{ leader, term, isLeader, role }` (as `LeaderService#leader$`, for this group); emits on
   * every change.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class BillingTopology {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.group('billing').leader$.subscribe(({ leader, term }) => console.log(term, leader));
   *   }
   * }
   * ```
   */
  readonly leader$: Observable<LeaderState>;
  /**
   * Whether this node holds the group's lease; emits on every change.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class BillingConsumer {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.group('billing').isLeader$.subscribe((leads) => console.log(leads ? 'consume' : 'pause'));
   *   }
   * }
   * ```
   */
  readonly isLeader$: Observable<boolean>;
  /**
   * The group's latest term this node has seen (the fencing token of its leader); emits on every change.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class BillingTerm {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   onModuleInit() {
   *     this.leaderService.group('billing').term$.subscribe((term) => console.log(`billing term ${term}`));
   *   }
   * }
   * ```
   */
  readonly term$: Observable<number>;

  /** @internal Made by `LeaderService#group()`. */
  constructor(
    private readonly election: LeaderElection,
    private readonly handle: ElectionGroup,
  ) {
    this.state = new BehaviorSubject(this.readState());
    this.leader$ = this.state.asObservable().pipe(distinctUntilChanged(sameState));
    this.isLeader$ = this.leader$.pipe(
      map((state) => state.isLeader),
      distinctUntilChanged(),
    );
    this.term$ = this.leader$.pipe(
      map((state) => state.term),
      distinctUntilChanged(),
    );
    const sync = () => this.sync();
    for (const event of ELECTION_GROUP_EVENTS) this.unsubscribes.push(handle.on(event, sync));
  }

  /**
   * The group's name.
   *
   * @example
   * ```ts
   * import type { LeaderGroup } from '@baton/nestjs';
   * const label = (group: LeaderGroup) => `${group.name}: ${group.leader() ?? 'no leader'}`;
   * ```
   */
  get name(): string {
    return this.handle.name;
  }

  /**
   * Whether this node holds a valid lease of the group right now.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { LeaderService } from '@baton/nestjs';
   *
   * @Injectable()
   * export class Invoices {
   *   constructor(private readonly leaderService: LeaderService) {}
   *   close() {
   *     if (!this.leaderService.group('billing').isLeader()) return; // the billing leader does it
   *     console.log('closing the month');
   *   }
   * }
   * ```
   */
  isLeader(): boolean {
    return this.handle.isLeader();
  }

  /**
   * The group's leader this node knows of (itself when it leads), or `null`.
   *
   * @example
   * ```ts
   * import type { LeaderGroup } from '@baton/nestjs';
   * const target = (billing: LeaderGroup) => billing.leader() ?? 'no billing leader yet';
   * ```
   */
  leader(): NodeId | null {
    return this.handle.leader();
  }

  /**
   * The group's latest term on this node (0 before it took part): the fencing token of its leader.
   *
   * @example
   * ```ts
   * import type { LeaderGroup } from '@baton/nestjs';
   * const describe = (billing: LeaderGroup) => `billing in term ${billing.term()}`;
   * ```
   */
  term(): number {
    return this.handle.term();
  }

  /**
   * The group's leadership this node holds right now (with a valid lease), or `null`. What
   * `@LeaderOnly(group)` asks.
   *
   * @example
   * ```ts
   * import type { LeaderGroup } from '@baton/nestjs';
   * function write(billing: LeaderGroup, row: string) {
   *   const leadership = billing.currentLeadership();
   *   if (leadership) console.log(`write ${row} with fencing token ${leadership.fencingToken}`);
   * }
   * ```
   */
  currentLeadership(): LeadershipHandle | null {
    if (!this.handle.isLeader()) return null;
    const leadership = this.handle.leadership;
    return leadership && !leadership.signal.aborted ? leadership : null;
  }

  /**
   * Resolves with the group's leadership handle when this node leads the group (at once if it does).
   * Rejects with the signal's reason when `signal` aborts first.
   *
   * @example
   * ```ts
   * import type { LeaderGroup } from '@baton/nestjs';
   * async function migrateOnce(billing: LeaderGroup) {
   *   const { fencingToken } = await billing.whenLeader({ signal: AbortSignal.timeout(60_000) });
   *   console.log('migrating billing with fencing token', fencingToken);
   * }
   * ```
   */
  whenLeader(options: { signal?: AbortSignal } = {}): Promise<LeadershipHandle> {
    return this.handle.whenLeader(options);
  }

  /**
   * Hands the group's leadership to `to`, or to the most suitable voter, and resolves with the successor's id
   * once this node follows it. Rejects as `LeaderService#transferLeadership()` does (`NotLeaderError` when
   * this node does not lead the group, `NoSuccessorError`, `InvalidTargetError`, `TimeoutError`).
   *
   * @example
   * ```ts
   * import type { LeaderGroup } from '@baton/nestjs';
   * async function moveBilling(billing: LeaderGroup) {
   *   console.log('billing now led by', await billing.transferLeadership('node-c', { timeout: 1_000 }));
   * }
   * ```
   */
  transferLeadership(
    to?: NodeId,
    options?: Parameters<ElectionGroup['transferLeadership']>[1],
  ): Promise<NodeId> {
    return this.handle.transferLeadership(to, options);
  }

  /**
   * Gives the group's leadership up without naming a successor. Returns whether this node led it.
   *
   * @example
   * ```ts
   * import type { LeaderGroup } from '@baton/nestjs';
   * const release = (billing: LeaderGroup) => billing.stepDown() || console.log('was not leading billing');
   * ```
   */
  stepDown(): boolean {
    return this.handle.stepDown();
  }

  /** @internal Re-reads the group's state into the streams (after its events, start and stop). */
  sync(): void {
    if (this.state.isStopped) return;
    const next = this.readState();
    if (!sameState(next, this.state.getValue())) this.state.next(next);
  }

  /** @internal Detaches from the group and completes the streams (application shutdown). */
  complete(): void {
    this.sync();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.state.complete();
  }

  private readState(): LeaderState {
    let role: Role = 'follower'; // inspect() throws before start(): a node that has not started follows nobody
    try {
      const snapshot = this.election.inspect();
      role = (this.name === DEFAULT_GROUP ? snapshot.role : snapshot.groups?.[this.name]?.role) ?? 'follower';
    } catch {}
    const isLeader = this.handle.isLeader();
    return { leader: this.handle.leader(), term: this.handle.term(), isLeader, role };
  }
}
