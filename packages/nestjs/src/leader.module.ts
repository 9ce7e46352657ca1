import { LeaderElection } from '@baton/core';
import {
  type BeforeApplicationShutdown,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LEADER_ELECTION } from './leader.constants.js';
import { LeaderExplorer } from './leader.explorer.js';
import { unregisterModuleMetrics } from './leader.metrics.js';
import { ConfigurableModuleClass, LEADER_MODULE_OPTIONS } from './leader.module-definition.js';
import { leaderElectionProvider } from './leader.providers.js';
import { COMPLETE_STREAMS, LeaderService, SYNC_STATE } from './leader.service.js';

/**
 * Joins the application to a Baton cluster. The module owns the `LeaderElection`: it starts it once the
 * application has bootstrapped (after every handler is registered) and stops it in
 * `beforeApplicationShutdown`; the election's `stop()` hands leadership over, waiting at most `stopTimeout`
 * for a successor. Call `app.enableShutdownHooks()` so that SIGTERM runs the shutdown hooks.
 *
 * Import it once, with one of its two static methods (made by Nest's `ConfigurableModuleBuilder`):
 *
 * - `LeaderModule.forRoot(options)`: the options as they are ({@link LeaderModuleForRootOptions}: the
 *   {@link LeaderModuleOptions} plus `isGlobal`).
 * - `LeaderModule.forRootAsync(options)`: the options made by a factory that can inject providers of the
 *   modules in `imports`, or by a class with a `createLeaderOptions()` method
 *   ({@link LeaderModuleAsyncOptions}: `imports`, `inject`, `useFactory` / `useClass` / `useExisting`,
 *   plus `isGlobal`).
 *
 * Either returns a dynamic module that provides `LeaderService` and the `LEADER_ELECTION` token (everywhere
 * with `isGlobal: true`, otherwise to the importing module).
 *
 * @example forRoot: options known up front
 * ```ts
 * import { Module } from '@nestjs/common';
 * import { LeaderModule } from '@baton/nestjs';
 *
 * @Module({
 *   imports: [
 *     LeaderModule.forRoot({
 *       isGlobal: true,
 *       clusterId: 'billing-jobs',
 *       voters: ['billing-0', 'billing-1', 'billing-2'],
 *       dataDir: '/var/lib/billing/baton',
 *       libp2p: { listen: ['/ip4/0.0.0.0/tcp/4001'] },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 *
 * @example forRootAsync: options made by a factory, with injected providers
 * ```ts
 * import { Injectable, Module } from '@nestjs/common';
 * import { LeaderModule } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Settings {
 *   readonly dataDir = process.env.DATA_DIR ?? '/var/lib/billing/baton';
 * }
 * @Module({ providers: [Settings], exports: [Settings] }) // or ConfigModule of @nestjs/config
 * export class SettingsModule {}
 *
 * @Module({
 *   imports: [
 *     LeaderModule.forRootAsync({
 *       isGlobal: true,
 *       imports: [SettingsModule],
 *       inject: [Settings],
 *       useFactory: ({ dataDir }: Settings) => ({ clusterId: 'billing-jobs', dataDir, libp2p: {} }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [leaderElectionProvider, LeaderService, LeaderExplorer],
  exports: [LeaderService, LEADER_ELECTION, LEADER_MODULE_OPTIONS],
})
export class LeaderModule
  extends ConfigurableModuleClass
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
    private readonly leaderService: LeaderService,
    private readonly explorer: LeaderExplorer,
  ) {
    super();
  }

  /** Starts the election; handlers were registered in `onModuleInit`, so none misses an event. */
  async onApplicationBootstrap(): Promise<void> {
    await this.election.start();
    this.leaderService[SYNC_STATE]();
  }

  /**
   * Stops the election, which is the handover: a leader ends its leadership (reason `'stopped'`, so its work
   * hears it first), hands leadership to the most suitable follower and waits at most `stopTimeout` until a
   * successor is known; then the election leaves (pending saves, transport, store). In this hook, not in
   * `onApplicationShutdown`, so that it happens while the application is whole: before any provider's
   * `onApplicationShutdown` releases what leader work may still use, and before the HTTP server closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.election.stop();
  }

  /**
   * Unsubscribes the handlers, takes the election's metrics off their registry and completes
   * `LeaderService`'s streams, after their last value.
   */
  onApplicationShutdown(): void {
    unregisterModuleMetrics(this.election);
    this.explorer.dispose();
    this.leaderService[COMPLETE_STREAMS]();
  }
}
