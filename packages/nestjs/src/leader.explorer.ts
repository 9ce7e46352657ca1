import { type ElectionGroupEvents, LeaderElection, type LeaderElectionEvents } from '@baton/core';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { decoratedGroups } from './decorated-groups.js';
import { EventHandlerError } from './errors.js';
import {
  type GroupEventEntry,
  LEADER_ELECTION,
  LEADER_EVENT_DECORATORS,
  LEADER_EVENT_METADATA,
  LEADER_GROUP_EVENT_METADATA,
  LEADER_LOGGER_CONTEXT,
  LEADER_ONLY_METADATA,
  type LeaderEventName,
} from './leader.constants.js';
import { leaderOnlyOnRoute, nonStaticHandler } from './leader.messages.js';
import { ASK_GROUP, LeaderService } from './leader.service.js';
import { registerLeaderOnlyInstance, registerLeaderOnlyPrototype } from './leader-only.registry.js';

type Method = (...args: unknown[]) => unknown;

/** Where `@Get()`, `@Post()` and the other route decorators of `@nestjs/common` keep the path of a handler. */
const ROUTE_PATH_METADATA = 'path';

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Finds the methods decorated with `@OnBecomeLeader()` and the other event decorators in every provider
 * and controller, and subscribes them to the election; maps every instance with a `@LeaderOnly()` method
 * to this application's `LeaderService`. Asks the election for every group a decorator names
 * (`election.group(name)`: this replica may then lead it), and subscribes the group handlers to their group.
 * Runs in `onModuleInit`, before the election starts.
 *
 * @example
 * ```ts
 * import { OnBecomeLeader, type LeadershipHandle } from '@baton/nestjs';
 * // Internal to LeaderModule; what it does for this class:
 * class Jobs {
 *   @OnBecomeLeader() lead(handle: LeadershipHandle) {} // election.on('became-leader', lead)
 *   @OnBecomeLeader('billing') bill(handle: LeadershipHandle) {} // election.group('billing').on('became-leader', bill)
 * }
 * ```
 */
@Injectable()
export class LeaderExplorer implements OnModuleInit {
  private readonly logger = new Logger(LEADER_LOGGER_CONTEXT);
  private readonly disposers: (() => void)[] = [];

  constructor(
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
    private readonly leaderService: LeaderService,
    private readonly discovery: DiscoveryService,
    private readonly metadataScanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      this.explore(wrapper);
    }
  }

  /**
   * Unsubscribes the handlers and forgets the `@LeaderOnly()` instances. Called by the module after the
   * election stopped, so that handlers still hear about the leadership ending during shutdown.
   */
  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose();
  }

  private explore(wrapper: InstanceWrapper): void {
    const { instance } = wrapper;
    if (!instance || typeof instance !== 'object') return;
    const prototype: object | null = Object.getPrototypeOf(instance);
    if (!prototype) return;
    const isStatic = wrapper.isDependencyTreeStatic();
    for (const group of decoratedGroups(prototype, this.metadataScanner))
      this.leaderService[ASK_GROUP](group);
    let registeredLeaderOnly = false;
    for (const methodName of this.metadataScanner.getAllMethodNames(prototype)) {
      const method: unknown = (instance as Record<string, unknown>)[methodName];
      if (typeof method !== 'function') continue;
      const leaderOnly = Reflect.getOwnMetadata(LEADER_ONLY_METADATA, method) !== undefined;
      if (leaderOnly && Reflect.getOwnMetadata(ROUTE_PATH_METADATA, method) !== undefined) {
        this.logger.warn(leaderOnlyOnRoute(instance.constructor?.name ?? wrapper.name, methodName));
      }
      if (!registeredLeaderOnly && leaderOnly) {
        registeredLeaderOnly = true;
        this.registerLeaderOnly(instance, prototype, isStatic);
      }
      const events: readonly LeaderEventName[] = Reflect.getOwnMetadata(LEADER_EVENT_METADATA, method) ?? [];
      const className = instance.constructor?.name ?? wrapper.name;
      for (const event of events) {
        if (!isStatic) {
          this.logger.warn(nonStaticHandler(className, methodName, LEADER_EVENT_DECORATORS[event]));
          continue;
        }
        this.subscribe(event, instance, method as Method, className, methodName);
      }
      const groupEvents: readonly GroupEventEntry[] =
        Reflect.getOwnMetadata(LEADER_GROUP_EVENT_METADATA, method) ?? [];
      for (const { event, group } of groupEvents) {
        if (!isStatic) {
          this.logger.warn(nonStaticHandler(className, methodName, LEADER_EVENT_DECORATORS[event]));
          continue;
        }
        const handler = this.handler(event, instance, method as Method, `${className}.${methodName}`);
        this.disposers.push(this.leaderService[ASK_GROUP](group).on(event, handler));
      }
    }
  }

  /**
   * A singleton is registered as the instance itself; a request-scoped or transient provider, whose
   * instances are created later, by its class (the discovered instance shares its prototype).
   */
  private registerLeaderOnly(instance: object, prototype: object, isStatic: boolean): void {
    this.disposers.push(
      isStatic
        ? registerLeaderOnlyInstance(instance, this.leaderService)
        : registerLeaderOnlyPrototype(prototype, this.leaderService),
    );
  }

  /**
   * Subscribes the method to the election's event. The wrapper hands a failure on to the election as an
   * `EventHandlerError` naming `Class.method` (a throw, or a rejected promise): the election logs it, once,
   * and steps down after a failed `became-leader` handler (`stepDownOnHandlerError`). The module neither logs
   * it nor steps down itself. The election calls each handler outside its loop and awaits none of them, so a
   * slow handler delays neither the election nor the other handlers.
   */
  private subscribe<E extends LeaderEventName>(
    event: E,
    instance: object,
    method: Method,
    className: string,
    methodName: string,
  ): void {
    const handler = this.handler<LeaderElectionEvents[E]>(
      event,
      instance,
      method,
      `${className}.${methodName}`,
    );
    this.disposers.push(this.election.on(event, handler));
  }

  /** The method as an event handler that reports its failures as an `EventHandlerError` (see `subscribe`). */
  private handler<
    P extends LeaderElectionEvents[LeaderEventName] | ElectionGroupEvents[keyof ElectionGroupEvents],
  >(
    event: LeaderEventName,
    instance: object,
    method: Method,
    handlerName: string,
  ): (payload: P) => void | Promise<void> {
    const fail = (error: unknown): never => {
      throw new EventHandlerError(handlerName, event, error);
    };
    return (payload: P): void | Promise<void> => {
      let result: unknown;
      try {
        result = method.call(instance, payload); // the event as the election emits it
      } catch (error) {
        fail(error);
      }
      if (isPromiseLike(result)) return Promise.resolve(result).then(() => undefined, fail);
    };
  }
}
