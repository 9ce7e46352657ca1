import type { LeaderEventName } from './leader.constants.js';
import { decoratorOnNonMethod, discoveryTimedOut, groupNotAsked, handlerFailed } from './leader.messages.js';

/**
 * The stable codes of the errors `@baton/nestjs` itself throws, one per condition (the core's errors keep
 * theirs: `InvalidOptionError` is `'ERR_INVALID_OPTION'`, and so on).
 *
 * @example
 * ```ts
 * import type { LeaderModuleErrorCode } from '@baton/nestjs';
 * const code: LeaderModuleErrorCode = 'ERR_EVENT_HANDLER_FAILED';
 * ```
 */
export type LeaderModuleErrorCode =
  | 'ERR_EVENT_HANDLER_FAILED'
  | 'ERR_INVALID_DECORATOR_TARGET'
  | 'ERR_DISCOVERY_TIMEOUT'
  | 'ERR_GROUP_NOT_ASKED';

/**
 * The base class of the errors `@baton/nestjs` itself throws: a `name` (the class's) and a stable
 * {@link LeaderModuleErrorCode}. Compare with `instanceof` or `code`, never with the message. Errors of the
 * election itself (bad options, `NotLeaderError`, `TimeoutError`, ...) are the core's, extending its
 * `BatonError`.
 *
 * @example
 * ```ts
 * import { LeaderModuleError } from '@baton/nestjs';
 * function describe(error: unknown): string {
 *   return error instanceof LeaderModuleError ? `${error.code}: ${error.message}` : String(error);
 * }
 * ```
 */
export abstract class LeaderModuleError extends Error {
  /** The condition, stable across releases. */
  abstract readonly code: LeaderModuleErrorCode;
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/**
 * A method decorated with `@OnBecomeLeader()` or another event decorator threw or rejected. The module
 * hands this error to the election in place of the method's own, which stays available as `cause`: the
 * election logs it (through the module's logger, so the line names the handler's `Class.method` and the
 * event), and a failed `became-leader` handler makes the node step down unless `stepDownOnHandlerError` is
 * false. The module itself neither logs it nor steps down.
 *
 * @example
 * ```ts
 * import { EventHandlerError } from '@baton/nestjs';
 * const error = new EventHandlerError('Outbox.relay', 'became-leader', new Error('broker unreachable'));
 * console.log(error.message); // "Outbox.relay failed while handling 'became-leader': Error: broker unreachable"
 * console.log(error.code, error.cause); // 'ERR_EVENT_HANDLER_FAILED' Error: broker unreachable
 * ```
 */
export class EventHandlerError extends LeaderModuleError {
  override readonly name = 'EventHandlerError';
  readonly code = 'ERR_EVENT_HANDLER_FAILED';
  constructor(
    /** The method that failed, as `Class.method`. */
    readonly handler: string,
    /** The election event it was handling. */
    readonly event: LeaderEventName,
    /** What the method threw, or why its promise rejected. */
    cause: unknown,
  ) {
    super(`${handlerFailed(handler, event)}: ${describeCause(cause)}`, { cause });
  }
}

/**
 * A decorator of `@baton/nestjs` (`@LeaderOnly()`, `@OnBecomeLeader()` and the other event decorators) was
 * put on something that is not a method: a property, or an accessor. Thrown when the class is defined.
 *
 * @example
 * ```ts
 * import { InvalidDecoratorTargetError, LeaderOnly } from '@baton/nestjs';
 * try {
 *   LeaderOnly()({}, 'interval', { value: 1_000 });
 * } catch (error) {
 *   if (error instanceof InvalidDecoratorTargetError) console.log(error.code, error.target); // 'ERR_INVALID_DECORATOR_TARGET' 'Object.interval'
 * }
 * ```
 */
export class InvalidDecoratorTargetError extends LeaderModuleError {
  override readonly name = 'InvalidDecoratorTargetError';
  readonly code = 'ERR_INVALID_DECORATOR_TARGET';
  constructor(
    /** The decorator, as it is written (`@LeaderOnly()`). */
    readonly decorator: string,
    /** What it decorated, as `Class.member`. */
    readonly target: string,
  ) {
    super(decoratorOnNonMethod(decorator, target));
  }
}

/**
 * A node without `voters` looked for its cluster for `discoveryTimeout` milliseconds and found neither a
 * cluster to join nor the `expect` fresh nodes to form the first voter set with. Thrown when the module is
 * instantiated (`NestFactory.create()` rejects with it), after the transport discovery opened was stopped.
 * `peers` are the cluster's peers this node reached by then (none when the bootstrap addresses answered nothing).
 *
 * @example
 * ```ts
 * import { DiscoveryTimeoutError } from '@baton/nestjs';
 * const error = new DiscoveryTimeoutError(60_000, 3, ['12D3KooWBb…']);
 * console.log(error.code, error.peers.length); // 'ERR_DISCOVERY_TIMEOUT' 1
 * ```
 */
export class DiscoveryTimeoutError extends LeaderModuleError {
  override readonly name = 'DiscoveryTimeoutError';
  readonly code = 'ERR_DISCOVERY_TIMEOUT';
  constructor(
    /** The `discoveryTimeout` that ran out, in milliseconds. */
    readonly timeout: number,
    /** The `expect` the node waited for (this node included). */
    readonly expect: number,
    /** The peers it had found when the time ran out, sorted. */
    readonly peers: readonly string[],
  ) {
    super(discoveryTimedOut(timeout, expect, peers));
  }
}

/**
 * `LeaderService#group(name)` was called for an election group this node did not ask for: no method is
 * decorated for it (`@LeaderOnly('billing')`, `@OnBecomeLeader('billing')`, `@LeaderRoute({ group })`, ...)
 * and it is not in `LeaderModule`'s `groups` option. A replica leads only the groups it asks for, so the
 * module does not ask for one behind your back (a typo would otherwise create a group nobody serves): list
 * the group in `groups`.
 *
 * @example
 * ```ts
 * import { GroupNotAskedError } from '@baton/nestjs';
 * const error = new GroupNotAskedError('billing', ['reports']);
 * console.log(error.code, error.group, error.asked); // 'ERR_GROUP_NOT_ASKED' 'billing' ['reports']
 * ```
 */
export class GroupNotAskedError extends LeaderModuleError {
  override readonly name = 'GroupNotAskedError';
  readonly code = 'ERR_GROUP_NOT_ASKED';
  constructor(
    /** The group asked about. */
    readonly group: string,
    /** The groups this node asked for (the default one left out), sorted. */
    readonly asked: readonly string[],
  ) {
    super(groupNotAsked(group, asked));
  }
}
