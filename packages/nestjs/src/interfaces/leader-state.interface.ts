import type { NodeId, Role } from '@baton/core';

/**
 * What `LeaderService#leader$` emits: who leads, in which term, and this node's part in it.
 *
 * @example
 * ```ts
 * import type { LeaderState } from '@baton/nestjs';
 * const state: LeaderState = { leader: 'node-a', term: 3, isLeader: false, role: 'follower' };
 * ```
 */
export interface LeaderState {
  /** The leader this node knows of; `null` while none is known (before the first election, or during one). */
  readonly leader: NodeId | null;
  /** The latest term this node has seen; also the leader's fencing token. */
  readonly term: number;
  /** Whether this node holds a valid leader lease. */
  readonly isLeader: boolean;
  /** This node's role in the election. */
  readonly role: Role;
}
