import type { LeaderElectionSnapshot } from '@baton/core';
import type { LeaderService } from '../leader.service.js';

/**
 * The details of Baton's health indicators: `inspect()`'s snapshot, its `status` renamed `electionStatus`
 * (terminus owns `status`), and `groupsLed`: the election groups this node leads right now (its `groups`
 * describe every group it takes part in).
 *
 * @example
 * ```ts
 * import type { ElectionHealthDetails } from '@baton/nestjs/health';
 * const describe = ({ role, leader, term, electionStatus, groupsLed }: ElectionHealthDetails) =>
 *   `${electionStatus}: ${role} in term ${term}, leader ${leader ?? 'unknown'}; leads ${groupsLed.join(', ') || 'no group'}`;
 * ```
 */
export type ElectionHealthDetails = Omit<LeaderElectionSnapshot, 'status'> & {
  readonly electionStatus: string;
  /** The election groups (other than the default one) this node holds a valid lease of, sorted. */
  readonly groupsLed: readonly string[];
};

/** The election's health details, or the message of the error that kept them from being read (before start). */
export function electionDetails(
  leaderService: LeaderService,
): { readonly details: ElectionHealthDetails } | { readonly message: string } {
  try {
    const { status: electionStatus, ...rest } = leaderService.inspect();
    const groupsLed = Object.values(rest.groups ?? {})
      .filter((group) => group.isLeader)
      .map((group) => group.name)
      .sort();
    return { details: { ...rest, electionStatus, groupsLed } };
  } catch (error) {
    return { message: error instanceof Error ? error.message : String(error) };
  }
}
