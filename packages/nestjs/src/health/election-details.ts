import type { LeaderElectionSnapshot } from '@baton/core';
import type { LeaderService } from '../leader.service.js';

/**
 * The details of Baton's health indicators: `inspect()`'s snapshot, its `status` renamed `electionStatus`
 * (terminus owns `status`).
 *
 * @example
 * ```ts
 * import type { ElectionHealthDetails } from '@baton/nestjs/health';
 * const describe = ({ role, leader, term, electionStatus }: ElectionHealthDetails) =>
 *   `${electionStatus}: ${role} in term ${term}, leader ${leader ?? 'unknown'}`;
 * ```
 */
export type ElectionHealthDetails = Omit<LeaderElectionSnapshot, 'status'> & {
  readonly electionStatus: string;
};

/** The election's health details, or the message of the error that kept them from being read (before start). */
export function electionDetails(
  leaderService: LeaderService,
): { readonly details: ElectionHealthDetails } | { readonly message: string } {
  try {
    const { status: electionStatus, ...rest } = leaderService.inspect();
    return { details: { ...rest, electionStatus } };
  } catch (error) {
    return { message: error instanceof Error ? error.message : String(error) };
  }
}
