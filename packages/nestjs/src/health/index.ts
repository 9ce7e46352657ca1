/**
 * `@baton/nestjs/health`: the `@nestjs/terminus` health indicators. A separate entry point because
 * terminus is an optional peer dependency: `@baton/nestjs` itself never imports it.
 *
 * @packageDocumentation
 */
export { ClusterHealthIndicator } from './cluster.health.js';
export type { ElectionHealthDetails } from './election-details.js';
export { IsLeaderHealthIndicator } from './is-leader.health.js';
export { LeaderHealthIndicator } from './leader.health.js';
