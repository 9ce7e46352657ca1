/**
 * `@baton/nestjs/health`: the `@nestjs/terminus` health indicator. A separate entry point because
 * terminus is an optional peer dependency: `@baton/nestjs` itself never imports it.
 *
 * @packageDocumentation
 */
export { LeaderHealthIndicator } from './leader.health.js';
