import { Injectable } from '@nestjs/common';
import { ClusterHealthIndicator } from './cluster.health.js';

/**
 * The earlier name of {@link ClusterHealthIndicator}, kept so that existing applications compile: the same
 * readiness check (a leader is known and this node is a member holding its configuration). Its default key
 * is `'leader'`, as before.
 *
 * @deprecated use `ClusterHealthIndicator` (readiness) or `IsLeaderHealthIndicator` (routing by role)
 * @example
 * ```ts
 * import { LeaderHealthIndicator } from '@baton/nestjs/health';
 * // providers: [LeaderHealthIndicator]; then this.health.check([() => this.leader.isHealthy('election')])
 * const indicator: typeof LeaderHealthIndicator = LeaderHealthIndicator;
 * ```
 */
@Injectable()
export class LeaderHealthIndicator extends ClusterHealthIndicator {
  override isHealthy<const Key extends string = 'leader'>(key: Key = 'leader' as Key) {
    return super.isHealthy(key);
  }
}
