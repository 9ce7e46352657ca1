import type { ElectionGroupEvents, LeaderElectionEvents } from '@baton/core';
/**
 * Metadata keys and injection tokens of `@baton/nestjs`. The keys are strings (not symbols) so that two
 * copies of the package in one app, which happens with some bundlers, still read each other's metadata.
 */

/** Metadata key under which the event decorators list the election events a method handles. */
export const LEADER_EVENT_METADATA = 'baton:leader-event';

/**
 * Metadata key under which the event decorators list the events of a named election group a method handles,
 * as `{ event, group }` entries (the default group's stay under `LEADER_EVENT_METADATA`, as before groups).
 */
export const LEADER_GROUP_EVENT_METADATA = 'baton:leader-group-event';

/** Metadata key under which `@LeaderOnly()` stores its options (`passLeadership`, `group`) on the wrapped method. */
export const LEADER_ONLY_METADATA = 'baton:leader-only';

/** Metadata key under which `@LeaderRoute()` stores its options for `LeaderGuard`. */
export const LEADER_ROUTE_METADATA = 'baton:leader-route';

/**
 * Injection token of the module's `LeaderElection` instance, for code that needs the runtime itself.
 *
 * @example
 * ```ts
 * import { Inject, Injectable } from '@nestjs/common';
 * import type { LeaderElection } from '@baton/core';
 * import { LEADER_ELECTION } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Diagnostics {
 *   constructor(@Inject(LEADER_ELECTION) private readonly election: LeaderElection) {}
 * }
 * ```
 */
export const LEADER_ELECTION = 'BATON_LEADER_ELECTION';

/** Name under which the package logs (Nest's logger context). */
export const LEADER_LOGGER_CONTEXT = 'LeaderModule';

/**
 * An election event a decorator can subscribe a method to: every event of the runtime
 * (`LEADER_ELECTION_EVENTS` of `@baton/core`), one decorator each.
 */
export type LeaderEventName = keyof LeaderElectionEvents;

/** An event of one election group, which the event decorators can take a group name for. */
export type GroupEventName = keyof ElectionGroupEvents;

/** One `@OnBecomeLeader('billing')`-like decoration of a method: the event, and its group (never `'default'`). */
export interface GroupEventEntry {
  readonly event: GroupEventName;
  readonly group: string;
}

/** The decorator of each election event, as users write it (for messages). */
export const LEADER_EVENT_DECORATORS: Readonly<Record<LeaderEventName, string>> = {
  'became-leader': '@OnBecomeLeader()',
  'became-follower': '@OnBecomeFollower()',
  'leader-changed': '@OnLeaderChange()',
  'term-changed': '@OnTermChange()',
  'leadership-lost': '@OnLeadershipLost()',
  'voters-changed': '@OnVotersChange()',
  'peer-joined': '@OnPeerJoined()',
  'peer-left': '@OnPeerLeft()',
  message: '@OnClusterMessage()',
};
