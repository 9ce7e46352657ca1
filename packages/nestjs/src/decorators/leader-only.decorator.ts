import { DEFAULT_GROUP, InvalidOptionError } from '@baton/core';
import { Logger } from '@nestjs/common';
import { InvalidDecoratorTargetError } from '../errors.js';
import { LEADER_LOGGER_CONTEXT, LEADER_ONLY_METADATA } from '../leader.constants.js';
import {
  LEADER_ONLY_GROUP_NOT_STRING,
  LEADER_ONLY_NOT_BOOLEAN,
  LEADER_ONLY_OPTIONS_NOT_OBJECT,
  LEADER_ONLY_SECOND_ARGUMENT,
  LEADER_ONLY_UNKNOWN_OPTION,
  leaderOnlyTwoGroups,
  leaderOnlyUnregistered,
} from '../leader.messages.js';
import { resolveLeadershipGate } from '../leader-only.registry.js';
import { decoratedClassName, decoratedGroup } from './decorated-member.js';

/**
 * Options of {@link LeaderOnly}.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { Interval } from '@nestjs/schedule';
 * import { LeaderOnly, type LeaderOnlyOptions, type LeadershipHandle } from '@baton/nestjs';
 *
 * const options: LeaderOnlyOptions = { group: 'reports', passLeadership: true };
 * @Injectable()
 * export class Reports {
 *   @LeaderOnly(options) // the same as @LeaderOnly('reports', { passLeadership: true })
 *   @Interval(60_000)
 *   publish({ fencingToken }: LeadershipHandle) {
 *     console.log('publishing with the fencing token of group reports', fencingToken);
 *   }
 * }
 * ```
 */
export interface LeaderOnlyOptions {
  /**
   * The election group whose leader runs the method (its lease, its fencing token). The same as giving the
   * name first, `@LeaderOnly('billing')`; give it in one place, or the same name in both. Decorating a method
   * for a group asks for it (this replica may lead it). A name that is not 1-63 characters of a-z, 0-9,
   * '.', '_', '-' (starting with a letter or a digit) throws an `InvalidOptionError` naming `Class.method`
   * when the class is defined.
   * @default 'default': the cluster's default election, the one `LeaderService#isLeader()` describes
   */
  group?: string;
  /**
   * Pass the whole `LeadershipHandle` (`fencingToken`, `term`, `since`, `signal`) as the method's first
   * argument, before the arguments the caller gave. Send the fencing token with every write to a protected
   * resource so that the resource can refuse writes of a deposed leader; stop work when `signal` aborts.
   * @default false
   */
  passLeadership?: boolean;
}

const logger = new Logger(LEADER_LOGGER_CONTEXT);

const OPTION_NAMES: readonly string[] = ['group', 'passLeadership'] satisfies (keyof LeaderOnlyOptions)[];

/** The options as given, or an `InvalidOptionError` naming the first one that is not right. */
function checkOptions(options: LeaderOnlyOptions): LeaderOnlyOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, LEADER_ONLY_OPTIONS_NOT_OBJECT);
  }
  for (const [name, value] of Object.entries(options)) {
    if (!OPTION_NAMES.includes(name)) throw new InvalidOptionError(name, value, LEADER_ONLY_UNKNOWN_OPTION);
    if (name === 'group') {
      if (value !== undefined && typeof value !== 'string') {
        throw new InvalidOptionError(name, value, LEADER_ONLY_GROUP_NOT_STRING);
      }
    } else if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidOptionError(name, value, LEADER_ONLY_NOT_BOOLEAN);
    }
  }
  return options;
}

/** The arguments of `@LeaderOnly()` as `{ group, options }` (the group not checked yet: that needs the method). */
function readArguments(
  first: string | LeaderOnlyOptions | undefined,
  second: LeaderOnlyOptions | undefined,
): { group: string | undefined; options: LeaderOnlyOptions } {
  if (typeof first === 'string' || (first === undefined && second !== undefined)) {
    const options = checkOptions(second ?? {});
    if (options.group !== undefined && first !== undefined && options.group !== first) {
      throw new InvalidOptionError('group', options.group, leaderOnlyTwoGroups(first));
    }
    return { group: first ?? options.group, options };
  }
  if (second !== undefined) throw new InvalidOptionError('options', second, LEADER_ONLY_SECOND_ARGUMENT);
  const options = checkOptions(first ?? {});
  return { group: options.group, options };
}

/**
 * Runs the method only while this node holds a valid leader lease; otherwise the call returns `undefined`
 * (a resolved promise for an `async` method) without running it. Meant for `@Cron()`, `@Interval()` and
 * `@Timeout()` of `@nestjs/schedule` ("run this job on one replica only"), in either decorator order.
 *
 * Not for HTTP route handlers: a follower would answer `200` with an empty body. The module logs a warning at
 * bootstrap when it finds one on a route; guard routes with `@LeaderRoute()` or `@UseGuards(LeaderGuard)`,
 * which answer `503` with the leader (or redirect to it).
 *
 * The decorator replaces the method with a wrapper and copies every metadata entry of the original onto
 * it, so decorators applied before it (below it in the source) are still seen by their explorers, and
 * decorators applied after it attach their metadata to the wrapper directly. At run time the wrapper asks
 * the `LeaderService` of the application the instance belongs to (registered at bootstrap), so the
 * class must be a singleton provider or controller of an app that imports `LeaderModule`.
 *
 * The check happens when a run starts. A run that outlives the leadership is not interrupted: take the
 * handle with `passLeadership: true` and watch its `signal`.
 *
 * With a group name first (`@LeaderOnly('billing')`, `@LeaderOnly('billing', { passLeadership: true })`, or
 * `group` in the options), the method runs only while this replica leads that election group, with the
 * group's leadership handle (its own fencing token). Different groups can be led by different replicas, so
 * the jobs of a cluster spread over it. Decorating a method for a group asks for it: the module calls
 * `election.group(name)` before the election starts. A bad name throws an `InvalidOptionError` (option
 * `group`) naming `Class.method` when the class is defined.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { Cron, CronExpression } from '@nestjs/schedule';
 * import type { LeadershipHandle } from '@baton/core';
 * import { LeaderOnly } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Billing {
 *   @LeaderOnly({ passLeadership: true })
 *   @Cron(CronExpression.EVERY_MINUTE)
 *   async chargeDueInvoices({ fencingToken, signal }: LeadershipHandle) {
 *     for (const invoice of await this.due()) {
 *       if (signal.aborted) return;
 *       await this.charge(invoice, fencingToken);
 *     }
 *   }
 *   private async due(): Promise<string[]> { return []; }
 *   private async charge(invoice: string, fencingToken: number) {}
 * }
 *
 * @Injectable()
 * export class Reports {
 *   @LeaderOnly('reports') // on the replica that leads the group 'reports', maybe not the one above
 *   @Cron(CronExpression.EVERY_HOUR)
 *   publish() {}
 * }
 * ```
 */
export function LeaderOnly(options?: LeaderOnlyOptions): MethodDecorator;
export function LeaderOnly(group: string, options?: LeaderOnlyOptions): MethodDecorator;
export function LeaderOnly(
  groupOrOptions?: string | LeaderOnlyOptions,
  maybeOptions?: LeaderOnlyOptions,
): MethodDecorator {
  const { group: givenGroup, options } = readArguments(groupOrOptions, maybeOptions);
  const passHandle = options.passLeadership === true;
  return (target, propertyKey, descriptor) => {
    const className = decoratedClassName(target);
    const methodName = String(propertyKey);
    const original: unknown = descriptor.value;
    if (typeof original !== 'function') {
      throw new InvalidDecoratorTargetError('@LeaderOnly()', `${className}.${methodName}`);
    }
    const group = decoratedGroup('@LeaderOnly()', target, propertyKey, givenGroup);
    const gateGroup = group === DEFAULT_GROUP ? undefined : group;
    const method = original as (this: unknown, ...args: unknown[]) => unknown;
    const isAsync = Object.prototype.toString.call(method) === '[object AsyncFunction]';
    const skipped = () => (isAsync ? Promise.resolve(undefined) : undefined);
    let warnedUnregistered = false;

    const leaderOnly = function (this: unknown, ...args: unknown[]): unknown {
      const gate = resolveLeadershipGate(this);
      if (!gate) {
        if (!warnedUnregistered) {
          warnedUnregistered = true;
          logger.warn(leaderOnlyUnregistered(className, methodName));
        }
        return skipped();
      }
      const leadership = gate.currentLeadership(gateGroup);
      if (!leadership) return skipped();
      return passHandle ? method.call(this, leadership, ...args) : method.apply(this, args);
    };

    // @nestjs/schedule (and Nest's SetMetadata in general) keep method metadata on the function object.
    for (const key of Reflect.getOwnMetadataKeys(method)) {
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, method), leaderOnly);
    }
    Reflect.defineMetadata(LEADER_ONLY_METADATA, { passLeadership: passHandle, group }, leaderOnly);
    Object.defineProperty(leaderOnly, 'name', { value: method.name, configurable: true });
    Object.defineProperty(leaderOnly, 'length', { value: method.length, configurable: true });
    descriptor.value = leaderOnly as typeof descriptor.value;
    return descriptor;
  };
}
