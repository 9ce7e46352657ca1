import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LeaderModuleOptions } from './interfaces/leader-module-options.interface.js';

/**
 * What `forRoot()`/`forRootAsync()` take besides the options themselves.
 *
 * @example
 * ```ts
 * import { LeaderModule, type LeaderModuleExtras } from '@baton/nestjs';
 * const extras: LeaderModuleExtras = { isGlobal: true }; // LeaderService can be injected in every module
 * const leaderModule = LeaderModule.forRoot({ ...extras, clusterId: 'jobs', dataDir: '/data', libp2p: {} });
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

/**
 * The base class of `LeaderModule`, made by Nest's `ConfigurableModuleBuilder`. It gives `LeaderModule` its
 * static `forRoot(options)` (options: {@link LeaderModuleForRootOptions}) and `forRootAsync(options)`
 * (options: {@link LeaderModuleAsyncOptions}: a factory, or a class with a `createLeaderOptions()` method),
 * and the token `LEADER_MODULE_OPTIONS` the resolved options are provided under. Generated methods cannot
 * carry TSDoc of their own: `LeaderModule`'s TSDoc documents both, with an example of each.
 */
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
 * import { MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * import { LeaderModule, type LeaderModuleForRootOptions } from '@baton/nestjs';
 * const options: LeaderModuleForRootOptions = {
 *   isGlobal: true,
 *   clusterId: 'jobs',
 *   voters: ['a'],
 *   transport: new MemoryNetwork().transport('a'), // a one-node cluster, in a test
 *   store: new MemoryStateStore(),
 * };
 * const leaderModule = LeaderModule.forRoot(options);
 * ```
 */
export type LeaderModuleForRootOptions = typeof OPTIONS_TYPE;

/**
 * What `LeaderModule.forRootAsync()` takes: `imports`, `inject` and `useFactory` (or `useClass` /
 * `useExisting` with a `createLeaderOptions()` method), plus `isGlobal`.
 *
 * @example
 * ```ts
 * import { Injectable, Module } from '@nestjs/common';
 * import { LeaderModule, type LeaderModuleAsyncOptions } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Settings {
 *   readonly clusterId = process.env.CLUSTER_ID ?? 'jobs';
 * }
 * @Module({ providers: [Settings], exports: [Settings] }) // or ConfigModule of @nestjs/config
 * export class SettingsModule {}
 *
 * const options: LeaderModuleAsyncOptions = {
 *   imports: [SettingsModule],
 *   inject: [Settings],
 *   useFactory: (settings: Settings) => ({ clusterId: settings.clusterId, dataDir: '/data', libp2p: {} }),
 * };
 * const leaderModule = LeaderModule.forRootAsync(options);
 * ```
 */
export type LeaderModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
