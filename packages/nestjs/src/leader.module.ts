import { LeaderElection, TimeoutError } from '@baton/core';
import {
  type BeforeApplicationShutdown,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { LeaderModuleOptions } from './interfaces/leader-module-options.interface.js';
import { LEADER_ELECTION, LEADER_LOGGER_CONTEXT } from './leader.constants.js';
import { LeaderExplorer } from './leader.explorer.js';
import { handoverDone, handoverFailed, handoverStarted, handoverTimedOut } from './leader.messages.js';
import { ConfigurableModuleClass, LEADER_MODULE_OPTIONS } from './leader.module-definition.js';
import { leaderElectionProvider, resolveHandoverTimeout } from './leader.providers.js';
import { COMPLETE_STREAMS, LeaderService, SYNC_STATE } from './leader.service.js';

/**
 * Joins the application to a Baton cluster. The module owns the `LeaderElection`: it starts it once the
 * application has bootstrapped (after every handler is registered), hands leadership over in
 * `beforeApplicationShutdown` and stops it in `onApplicationShutdown`. Call `app.enableShutdownHooks()`
 * so that SIGTERM runs those hooks.
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
  exports: [LeaderService, LEADER_ELECTION],
})
export class LeaderModule
  extends ConfigurableModuleClass
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(LEADER_LOGGER_CONTEXT);

  constructor(
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
    @Inject(LEADER_MODULE_OPTIONS) private readonly options: LeaderModuleOptions,
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
   * When this node leads, asks another voter to take over and waits (at most `handoverTimeoutMs`) until
   * one does, so the cluster has a leader again before this node's lease would have lapsed.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const leadership = this.leaderService.currentLeadership();
    if (!leadership || this.election.peerCount() === 0) return;
    const timeoutMs = resolveHandoverTimeout(this.options);
    this.logger.log(handoverStarted(leadership.term));
    try {
      const successor = await this.election.transferLeadership(undefined, { timeout: timeoutMs });
      this.logger.log(handoverDone(successor, this.election.term()));
    } catch (error) {
      this.logger.warn(
        error instanceof TimeoutError
          ? handoverTimedOut(timeoutMs)
          : handoverFailed(error instanceof Error ? error.message : String(error)),
      );
    }
  }

  /** Stops the election, then unsubscribes the handlers and completes `LeaderService`'s streams. */
  async onApplicationShutdown(): Promise<void> {
    try {
      await this.election.stop();
    } finally {
      this.explorer.dispose();
      this.leaderService[COMPLETE_STREAMS]();
    }
  }
}
