import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LeaderModuleOptions } from './interfaces/leader-module-options.interface.js';

/**
 * What `forRoot()`/`forRootAsync()` take besides the options themselves.
 *
 * @example
 * ```ts
 * LeaderModule.forRoot({ isGlobal: true, clusterId: 'jobs', voters, dataDir: '/data/baton', libp2p: {} });
 * ```
 */
export interface LeaderModuleExtras {
  /**
   * Register the module globally, so that `LeaderService` can be injected everywhere without importing
   * `LeaderModule` again.
   * @default false
   */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: LEADER_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LeaderModuleOptions>({ moduleName: 'Leader' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createLeaderOptions')
  .setExtras<LeaderModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? false,
  }))
  .build();

/**
 * What `LeaderModule.forRoot()` takes: the module options plus `isGlobal`.
 *
 * @example
 * ```ts
 * const options: LeaderModuleForRootOptions = { isGlobal: true, clusterId: 'jobs', transport, dataDir };
 * ```
 */
export type LeaderModuleForRootOptions = typeof OPTIONS_TYPE;

/**
 * What `LeaderModule.forRootAsync()` takes: `imports`, `inject` and `useFactory` (or `useClass` /
 * `useExisting` with a `createLeaderOptions()` method), plus `isGlobal`.
 *
 * @example
 * ```ts
 * LeaderModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ clusterId: config.getOrThrow('CLUSTER'), libp2p: {}, dataDir: '/data' }),
 * });
 * ```
 */
export type LeaderModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
