/**
 * Every error Baton throws for a condition a caller may want to branch on has its own class and a stable
 * `code`, as etcd's sentinel errors and libp2p's named errors do: compare with `instanceof` or `code`, never
 * with the message (it is for people and may change).
 */

/**
 * The stable codes of Baton's errors, one per condition.
 *
 * @example
 * ```ts
 * import type { BatonErrorCode } from '@baton/core';
 * const retryable: BatonErrorCode[] = ['ERR_NOT_LEADER', 'ERR_TIMEOUT', 'ERR_NO_SUCCESSOR'];
 * ```
 */
export type BatonErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_NOT_LEADER'
  | 'ERR_NOT_RUNNING'
  | 'ERR_NO_SUCCESSOR'
  | 'ERR_INVALID_TARGET'
  | 'ERR_REENTRANT_CALL'
  | 'ERR_TIMEOUT'
  | 'ERR_INVALID_PERSISTENT_STATE'
  | 'ERR_MEMBERSHIP_CHANGE'
  | 'ERR_CONFIGURATION_VERSION'
  | 'ERR_LEADER_PRESENT'
  | 'ERR_INVALID_TRANSITION'
  | 'ERR_STATE_LOCKED'
  | 'ERR_CORRUPT_STATE'
  | 'ERR_STORE_STATE'
  | 'ERR_INVALID_PAYLOAD'
  | 'ERR_LEADERSHIP_LOST'
  | 'ERR_MISSING_DEPENDENCY';

/**
 * The base class of Baton's errors: a `name` (the class's) and a stable {@link BatonErrorCode}.
 *
 * @example
 * ```ts
 * import { BatonError, LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store: new MemoryStateStore() });
 * try {
 *   election.inspect(); // not started yet
 * } catch (error) {
 *   if (error instanceof BatonError) console.log(error.code); // 'ERR_NOT_RUNNING'
 * }
 * ```
 */
export abstract class BatonError extends Error {
  /** The condition, stable across releases. */
  abstract readonly code: BatonErrorCode;
}

/**
 * An option was missing or had a value the election cannot work with.
 *
 * @example
 * ```ts
 * import { InvalidOptionError, resolveElectionOptions } from '@baton/core';
 * try {
 *   resolveElectionOptions({ clusterId: 'jobs', electionTimeoutMin: 300, electionTimeoutMax: 150 });
 * } catch (error) {
 *   if (error instanceof InvalidOptionError) console.log(error.option); // 'electionTimeoutMax'
 * }
 * ```
 */
export class InvalidOptionError extends BatonError {
  override readonly name = 'InvalidOptionError';
  readonly code = 'ERR_INVALID_OPTION';
  constructor(
    /** The option that is wrong, as it is spelt in the options object. */
    readonly option: string,
    /** The value that was given. */
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid option ${option}=${formatValue(value)}: ${reason}`);
  }
}

/**
 * The operation needs this node to be the leader, and it is not. `leader` names the leader this node knows,
 * so a caller can forward the request there.
 *
 * @example
 * ```ts
 * import { NotLeaderError } from '@baton/core';
 * const error = new NotLeaderError('transferLeadership', 'node-b');
 * console.log(error.message); // 'transferLeadership: this node is not the leader (leader: node-b)'
 * ```
 */
export class NotLeaderError extends BatonError {
  override readonly name = 'NotLeaderError';
  readonly code = 'ERR_NOT_LEADER';
  constructor(
    readonly operation: string,
    /** The leader this node knows of, if any. */
    readonly leader: string | null,
  ) {
    super(`${operation}: this node is not the leader (leader: ${leader ?? 'none'})`);
  }
}

/**
 * The operation needs a running election: it was called before `start()` resolved, after `stop()`, or a
 * stopped election was started again (create a new one instead). `status` says where the election was.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore, NotRunningError } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store: new MemoryStateStore() });
 * try {
 *   election.inspect();
 * } catch (error) {
 *   if (error instanceof NotRunningError) console.log(error.status); // 'idle'
 * }
 * ```
 */
export class NotRunningError extends BatonError {
  override readonly name = 'NotRunningError';
  readonly code = 'ERR_NOT_RUNNING';
  constructor(
    readonly operation: string,
    /** Where the election was: `'idle'`, `'starting'`, `'stopping'` or `'stopped'`. */
    readonly status: string,
    detail?: string,
  ) {
    super(`${operation}: the election is ${status}, not running${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * A leadership transfer found no follower to hand over to: none acknowledged a heartbeat in this term.
 * Leadership is kept.
 *
 * @example
 * ```ts
 * import { NoSuccessorError } from '@baton/core';
 * const error = new NoSuccessorError('transferLeadership', 4);
 * console.log(error.code, error.term); // 'ERR_NO_SUCCESSOR' 4
 * ```
 */
export class NoSuccessorError extends BatonError {
  override readonly name = 'NoSuccessorError';
  readonly code = 'ERR_NO_SUCCESSOR';
  constructor(
    readonly operation: string,
    /** The term this node leads and keeps leading. */
    readonly term: number,
  ) {
    super(`${operation}: no follower has acknowledged a heartbeat in term ${term}; leadership is kept`);
  }
}

/**
 * The node named as the target of a leadership transfer cannot take over: it is this node, not a voter, or
 * it has not acknowledged a heartbeat in this term.
 *
 * @example
 * ```ts
 * import { InvalidTargetError } from '@baton/core';
 * const error = new InvalidTargetError('transferLeadership', 'node-x', 'is not a voter [a, b, c]');
 * console.log(error.target); // 'node-x'
 * ```
 */
export class InvalidTargetError extends BatonError {
  override readonly name = 'InvalidTargetError';
  readonly code = 'ERR_INVALID_TARGET';
  constructor(
    readonly operation: string,
    /** The node that was named. */
    readonly target: string,
    why: string,
  ) {
    super(`${operation}: target ${JSON.stringify(target)} ${why}`);
  }
}

/**
 * An action on the election was called while the election is applying a step: from an abort listener of a
 * leadership signal, which runs synchronously inside the step. Defer the call (`queueMicrotask`).
 *
 * @example
 * ```ts
 * import { ReentrantCallError } from '@baton/core';
 * const error = new ReentrantCallError('stepDown');
 * console.log(error.code); // 'ERR_REENTRANT_CALL'
 * ```
 */
export class ReentrantCallError extends BatonError {
  override readonly name = 'ReentrantCallError';
  readonly code = 'ERR_REENTRANT_CALL';
  constructor(readonly operation: string) {
    super(
      `${operation}: cannot be called while the election is stepping (from an abort listener); defer it with queueMicrotask`,
    );
  }
}

/**
 * A wait (`whenLeader`, `transferLeadership`, `stop`) ran out of time before its outcome.
 *
 * @example
 * ```ts
 * import { TimeoutError } from '@baton/core';
 * const error = new TimeoutError('transferLeadership', 600);
 * console.log(error.message); // 'transferLeadership: gave up after 600 ms'
 * ```
 */
export class TimeoutError extends BatonError {
  override readonly name = 'TimeoutError';
  readonly code = 'ERR_TIMEOUT';
  constructor(
    readonly operation: string,
    /** The bound that ran out, in milliseconds. */
    readonly timeout: number,
  ) {
    super(`${operation}: gave up after ${timeout} ms`);
  }
}

/**
 * A persisted state handed to the state machine is impossible (a negative term, a voter listed twice, ...).
 * It is never repaired or reset: a node that forgot its vote can elect two leaders. `field` names the first
 * bad field.
 *
 * @example
 * ```ts
 * import { ElectionMachine, InvalidPersistentStateError } from '@baton/core';
 * try {
 *   const state = { term: -1, votedFor: null, configuration: { term: 0, version: 0, voters: [] } };
 *   new ElectionMachine({ id: 'a', options: { clusterId: 'jobs' }, state, random: Math.random, now: 0 });
 * } catch (error) {
 *   if (error instanceof InvalidPersistentStateError) console.log(error.field); // 'term'
 * }
 * ```
 */
export class InvalidPersistentStateError extends BatonError {
  override readonly name = 'InvalidPersistentStateError';
  readonly code = 'ERR_INVALID_PERSISTENT_STATE';
  constructor(
    /** The first field that is wrong (`term`, `votedFor`, `config.voters`, ...). */
    readonly field: string,
    readonly value: unknown,
    why: string,
  ) {
    super(`persisted state: ${field} ${why} (got ${formatValue(value)})`);
  }
}

/**
 * Why a change of the voters was refused.
 *
 * @example
 * ```ts
 * import type { MembershipChangeRefusal } from '@baton/core';
 * const retryLater: MembershipChangeRefusal[] = ['in-progress', 'not-done', 'settling'];
 * ```
 */
export type MembershipChangeRefusal =
  /** Another change is in progress: a majority of the new voters does not hold it yet. Retry once it is done. */
  | 'in-progress'
  /** The leader's configuration is not yet held by a majority in its term (a new leader). Retry shortly. */
  | 'not-done'
  /**
   * The leader's configuration became done less than `electionTimeoutMin` ago: changes are spaced so that a
   * lease of an election group never spans two of them (rule G5). Retry shortly.
   */
  | 'settling'
  | 'already-voter'
  | 'not-a-voter'
  /** The leader cannot remove itself: `transferLeadership()` first, then ask the new leader. */
  | 'leader'
  | 'last-voter'
  /** A voter to add must be a member in contact with the leader (an observer that acknowledges heartbeats). */
  | 'not-in-contact';

/**
 * A change of the voters (`addVoter`, `removeVoter`, `replaceVoter`) cannot be made now; `reason` says why
 * and `node` which member it was about.
 *
 * @example
 * ```ts
 * import { MembershipChangeError } from '@baton/core';
 * const error = new MembershipChangeError('removeVoter', 'leader', 'a', 'transfer leadership first');
 * console.log(error.code, error.reason); // 'ERR_MEMBERSHIP_CHANGE' 'leader'
 * ```
 */
export class MembershipChangeError extends BatonError {
  override readonly name = 'MembershipChangeError';
  readonly code = 'ERR_MEMBERSHIP_CHANGE';
  constructor(
    readonly operation: string,
    readonly reason: MembershipChangeRefusal,
    /** The member the change was about. */
    readonly node: string | null,
    detail: string,
  ) {
    super(`${operation}: ${detail}`);
  }
}

/**
 * A change was computed from a configuration that is no longer current (a compare-and-swap on the
 * configuration's version failed): read the membership again and recompute it.
 *
 * @example
 * ```ts
 * import { ConfigurationVersionError } from '@baton/core';
 * const error = new ConfigurationVersionError('addVoter', 3, 4);
 * console.log(error.message); // 'addVoter: expected configuration version 3, but the current one is 4'
 * ```
 */
export class ConfigurationVersionError extends BatonError {
  override readonly name = 'ConfigurationVersionError';
  readonly code = 'ERR_CONFIGURATION_VERSION';
  constructor(
    readonly operation: string,
    /** The version the caller computed its change from. */
    readonly expected: number,
    /** The version of the current configuration. */
    readonly actual: number,
  ) {
    super(`${operation}: expected configuration version ${expected}, but the current one is ${actual}`);
  }
}

/**
 * The unsafe recovery (`forceVoters`) was refused because this node hears from a leader: the cluster is not
 * lost, change its voters with `addVoter`/`removeVoter` instead.
 *
 * @example
 * ```ts
 * import { LeaderPresentError } from '@baton/core';
 * console.log(new LeaderPresentError('forceVoters', 'node-b').leader); // 'node-b'
 * ```
 */
export class LeaderPresentError extends BatonError {
  override readonly name = 'LeaderPresentError';
  readonly code = 'ERR_LEADER_PRESENT';
  constructor(
    readonly operation: string,
    /** The leader heard from, when known. */
    readonly leader: string | null,
  ) {
    super(
      `${operation}: refused, this node hears from a leader (${leader ?? 'unknown'}); ` +
        'the cluster can still change its voters safely (addVoter, removeVoter)',
    );
  }
}

/**
 * The state machine was asked for a transition its rules forbid (`invalid transition [follower -> leader]`).
 * It signals a bug in Baton, not a usage error.
 *
 * @example
 * ```ts
 * import { InvalidTransitionError } from '@baton/core';
 * console.log(new InvalidTransitionError('follower', 'leader').message); // 'invalid transition [follower -> leader]'
 * ```
 */
export class InvalidTransitionError extends BatonError {
  override readonly name = 'InvalidTransitionError';
  readonly code = 'ERR_INVALID_TRANSITION';
  constructor(
    readonly from: string,
    readonly to: string,
    detail?: string,
  ) {
    super(`invalid transition [${from} -> ${to}]${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * A feature needs an optional peer dependency that is not installed (`prom-client` for
 * `@baton/core/metrics`). `dependency` names the package to install.
 *
 * @example
 * ```ts
 * import { MissingDependencyError } from '@baton/core';
 * const error = new MissingDependencyError('prom-client', 'registerBatonMetrics()');
 * console.log(error.message); // 'registerBatonMetrics() needs prom-client, an optional peer dependency: npm install prom-client'
 * ```
 */
export class MissingDependencyError extends BatonError {
  override readonly name = 'MissingDependencyError';
  readonly code = 'ERR_MISSING_DEPENDENCY';
  constructor(
    /** The package to install. */
    readonly dependency: string,
    /** What needs it. */
    readonly feature: string,
    options?: { cause?: unknown },
  ) {
    super(`${feature} needs ${dependency}, an optional peer dependency: npm install ${dependency}`, options);
  }
}

/** Renders a value for an error message: strings quoted, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
