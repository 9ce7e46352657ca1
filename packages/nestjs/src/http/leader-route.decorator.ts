import { checkGroupName, InvalidOptionError } from '@baton/core';
import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { LEADER_ROUTE_METADATA } from '../leader.constants.js';
import { LeaderGuard } from './leader.guard.js';

/**
 * Options of {@link LeaderRoute} (and of `LeaderGuard` on a route or controller without it).
 *
 * @example
 * ```ts
 * import type { LeaderRouteOptions } from '@baton/nestjs';
 * const options: LeaderRouteOptions = { redirect: true, retryAfter: 2 };
 * const billingAdmin: LeaderRouteOptions = { group: 'billing', redirect: true }; // on billing's leader
 * ```
 */
export interface LeaderRouteOptions {
  /**
   * The election group whose leader serves the route: followers of that group answer 503 naming the group's
   * leader (or redirect to it). Decorating a route for a group asks for it (this replica may lead it). A name
   * that is not 1-63 characters of a-z, 0-9, '.', '_', '-' (starting with a letter or a digit) throws an
   * `InvalidOptionError` (option `group`) when the class is defined.
   * @default 'default': the cluster's default election
   */
  group?: string;
  /**
   * On a follower, redirect the request to the leader (307, same method and body) when its address is known
   * (the module's `leaderAddress`), instead of answering 503.
   * @default false
   */
  redirect?: boolean;
  /**
   * The `Retry-After` header of the 503 answer, in seconds (an HTTP header counts seconds).
   * @default 1
   */
  retryAfter?: number;
}

const OPTION_NAMES: readonly string[] = [
  'group',
  'redirect',
  'retryAfter',
] satisfies (keyof LeaderRouteOptions)[];

function checkOptions(options: LeaderRouteOptions): LeaderRouteOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(
      'options',
      options,
      '@LeaderRoute() takes { group?, redirect?, retryAfter? } or nothing',
    );
  }
  for (const [name, value] of Object.entries(options)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new InvalidOptionError(
        name,
        value,
        'not an option of @LeaderRoute(): group, redirect, retryAfter',
      );
    }
  }
  if (options.group !== undefined) checkGroupName('@LeaderRoute()', options.group);
  if (options.redirect !== undefined && typeof options.redirect !== 'boolean') {
    throw new InvalidOptionError('redirect', options.redirect, 'must be true or false');
  }
  const { retryAfter } = options;
  if (retryAfter !== undefined && (!Number.isInteger(retryAfter) || retryAfter < 0)) {
    throw new InvalidOptionError('retryAfter', retryAfter, 'must be a whole number of seconds, 0 or more');
  }
  return options;
}

/**
 * Serves a route (or every route of a controller) on the leader only: `@UseGuards(LeaderGuard)` with
 * options. On a follower the request is answered `503 Service Unavailable` with a `Retry-After` header and a
 * JSON body naming the leader (`{ statusCode: 503, code: 'ERR_NOT_LEADER', leader, leaderAddress }`), or,
 * with `redirect: true` and the leader's address known (`leaderAddress` option of `LeaderModule`), redirected
 * there with `307 Temporary Redirect`. Checked per request with `isLeader()`: the lease, read from the clock.
 *
 * With `group`, the route is served by the leader of that election group instead, and a follower's answer
 * names that group's leader.
 *
 * For scheduled methods use `@LeaderOnly()`; this is for HTTP handlers.
 *
 * @example
 * ```ts
 * import { Body, Controller, Post } from '@nestjs/common';
 * import { LeaderRoute } from '@baton/nestjs';
 *
 * @Controller('jobs')
 * export class JobsController {
 *   @Post('run')
 *   @LeaderRoute({ redirect: true })
 *   run(@Body() job: { name: string }) {
 *     return { started: job.name }; // on the leader only; followers redirect to it
 *   }
 * }
 *
 * @Controller('billing')
 * @LeaderRoute({ group: 'billing', redirect: true }) // every route, on the leader of the group 'billing'
 * export class BillingAdminController {
 *   @Post('close-month')
 *   closeMonth() {
 *     return { closing: true };
 *   }
 * }
 * ```
 */
export function LeaderRoute(options: LeaderRouteOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(LEADER_ROUTE_METADATA, checkOptions(options)), UseGuards(LeaderGuard));
}
