import { InvalidOptionError } from '@baton/core';
import { Logger } from '@nestjs/common';
import { InvalidDecoratorTargetError } from '../errors.js';
import { LEADER_LOGGER_CONTEXT, LEADER_ONLY_METADATA } from '../leader.constants.js';
import {
  LEADER_ONLY_NOT_BOOLEAN,
  LEADER_ONLY_OPTIONS_NOT_OBJECT,
  LEADER_ONLY_UNKNOWN_OPTION,
  leaderOnlyUnregistered,
} from '../leader.messages.js';
import { resolveLeadershipGate } from '../leader-only.registry.js';
import { decoratedClassName } from './decorated-member.js';

/**
 * Options of {@link LeaderOnly}.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { Interval } from '@nestjs/schedule';
 * import { LeaderOnly, type LeaderOnlyOptions, type LeadershipHandle } from '@baton/nestjs';
 *
 * const options: LeaderOnlyOptions = { passLeadership: true };
 * @Injectable()
 * export class Reports {
 *   @LeaderOnly(options)
 *   @Interval(60_000)
 *   publish({ fencingToken }: LeadershipHandle) {
 *     console.log('publishing with fencing token', fencingToken);
 *   }
 * }
 * ```
 */
export interface LeaderOnlyOptions {
  /**
   * Pass the whole `LeadershipHandle` (`fencingToken`, `term`, `since`, `signal`) as the method's first
   * argument, before the arguments the caller gave. Send the fencing token with every write to a protected
   * resource so that the resource can refuse writes of a deposed leader; stop work when `signal` aborts.
   * @default false
   */
  passLeadership?: boolean;
}

const logger = new Logger(LEADER_LOGGER_CONTEXT);

const OPTION_NAMES: readonly string[] = ['passLeadership'] satisfies (keyof LeaderOnlyOptions)[];

/** The options as given, or an `InvalidOptionError` naming the first one that is not right. */
function checkOptions(options: LeaderOnlyOptions): LeaderOnlyOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, LEADER_ONLY_OPTIONS_NOT_OBJECT);
  }
  for (const [name, value] of Object.entries(options)) {
    if (!OPTION_NAMES.includes(name)) throw new InvalidOptionError(name, value, LEADER_ONLY_UNKNOWN_OPTION);
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidOptionError(name, value, LEADER_ONLY_NOT_BOOLEAN);
    }
  }
  return options;
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
 * ```
 */
export function LeaderOnly(options: LeaderOnlyOptions = {}): MethodDecorator {
  const passHandle = checkOptions(options).passLeadership === true;
  return (target, propertyKey, descriptor) => {
    const className = decoratedClassName(target);
    const methodName = String(propertyKey);
    const original: unknown = descriptor.value;
    if (typeof original !== 'function') {
      throw new InvalidDecoratorTargetError('@LeaderOnly()', `${className}.${methodName}`);
    }
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
      const leadership = gate.currentLeadership();
      if (!leadership) return skipped();
      return passHandle ? method.call(this, leadership, ...args) : method.apply(this, args);
    };

    // @nestjs/schedule (and Nest's SetMetadata in general) keep method metadata on the function object.
    for (const key of Reflect.getOwnMetadataKeys(method)) {
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, method), leaderOnly);
    }
    Reflect.defineMetadata(LEADER_ONLY_METADATA, { passLeadership: passHandle }, leaderOnly);
    Object.defineProperty(leaderOnly, 'name', { value: method.name, configurable: true });
    Object.defineProperty(leaderOnly, 'length', { value: method.length, configurable: true });
    descriptor.value = leaderOnly as typeof descriptor.value;
    return descriptor;
  };
}
