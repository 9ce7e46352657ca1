import type { NodeId } from '@baton/core';
import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { LeaderModuleOptions } from '../interfaces/leader-module-options.interface.js';
import { LEADER_ROUTE_METADATA } from '../leader.constants.js';
import { NOT_THE_LEADER, notTheGroupLeader } from '../leader.messages.js';
import { LEADER_MODULE_OPTIONS } from '../leader.module-definition.js';
import { LeaderService } from '../leader.service.js';
import type { LeaderRouteOptions } from './leader-route.decorator.js';

/**
 * The body of the answer of a follower to a leader-only route (`LeaderGuard`, `@LeaderRoute()`).
 *
 * @example
 * ```ts
 * import type { NotLeaderResponse } from '@baton/nestjs';
 * const body: NotLeaderResponse = {
 *   statusCode: 503, error: 'Service Unavailable', message: 'this node is not the leader',
 *   code: 'ERR_NOT_LEADER', leader: 'node-b', leaderAddress: 'http://10.0.0.2:3000',
 * };
 * ```
 */
export interface NotLeaderResponse {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  /** The core's `NotLeaderError` code. */
  readonly code: 'ERR_NOT_LEADER';
  /** The election group of the route (`@LeaderRoute({ group })`); absent for the default election. */
  readonly group?: string;
  /** The leader this node knows (of the route's group), or `null` during an election. */
  readonly leader: NodeId | null;
  /** The leader's HTTP base URL from the module's `leaderAddress`, or `null` when unknown. */
  readonly leaderAddress: string | null;
}

/**
 * A guard that lets requests through on the leader only (of the default election, or of the election group
 * that `@LeaderRoute({ group })` names). On a follower: `503 Service Unavailable` with
 * `Retry-After` and a {@link NotLeaderResponse} body, or a `307` redirect to the leader with
 * `@LeaderRoute({ redirect: true })` when its address is known. Use it as `@UseGuards(LeaderGuard)` on a
 * controller or route, or through `@LeaderRoute(options)`. Needs `LeaderModule` visible to the controller's
 * module (import it, or make it global). Outside HTTP (microservices, websockets) a follower's request is
 * refused the way Nest refuses a guard's `false` (`ForbiddenException`).
 *
 * @example
 * ```ts
 * import { Controller, Post, UseGuards } from '@nestjs/common';
 * import { LeaderGuard } from '@baton/nestjs';
 *
 * @Controller('admin')
 * @UseGuards(LeaderGuard)
 * export class AdminController {
 *   @Post('reindex')
 *   reindex() {
 *     return { reindexing: true }; // only the leader answers; followers say 503 and who leads
 *   }
 * }
 * ```
 */
@Injectable()
export class LeaderGuard implements CanActivate {
  constructor(
    private readonly leaderService: LeaderService,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(LEADER_MODULE_OPTIONS) private readonly options?: LeaderModuleOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const route =
      this.reflector.getAllAndOverride<LeaderRouteOptions | undefined>(LEADER_ROUTE_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) ?? {};
    const election = route.group === undefined ? this.leaderService : this.leaderService.group(route.group);
    if (election.isLeader()) return true;
    if (context.getType() !== 'http') return false;
    const leader = election.leader();
    const leaderAddress = (leader === null ? null : this.options?.leaderAddress?.(leader)) ?? null;
    const adapter = this.adapterHost.httpAdapter;
    const http = context.switchToHttp();
    const response = http.getResponse();
    if (route.redirect === true && leaderAddress !== null) {
      const location = new URL(adapter.getRequestUrl(http.getRequest()), leaderAddress).href;
      adapter.setHeader(response, 'Location', location);
      throw new HttpException(
        body(HttpStatus.TEMPORARY_REDIRECT, 'Temporary Redirect', leader, leaderAddress, route.group),
        HttpStatus.TEMPORARY_REDIRECT,
      );
    }
    adapter.setHeader(response, 'Retry-After', String(route.retryAfter ?? 1));
    throw new HttpException(
      body(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', leader, leaderAddress, route.group),
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}

function body(
  statusCode: number,
  error: string,
  leader: NodeId | null,
  leaderAddress: string | null,
  group: string | undefined,
): NotLeaderResponse {
  if (group === undefined) {
    return { statusCode, error, message: NOT_THE_LEADER, code: 'ERR_NOT_LEADER', leader, leaderAddress };
  }
  const message = notTheGroupLeader(group);
  return { statusCode, error, message, code: 'ERR_NOT_LEADER', group, leader, leaderAddress };
}
