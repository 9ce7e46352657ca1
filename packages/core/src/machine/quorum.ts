import type { NodeId } from './types.js';

/**
 * The outcome of a vote count: won by a strict majority, lost once a majority can no longer be reached.
 *
 * @example
 * ```ts
 * import { type VoteResult, voteResult } from './quorum.js';
 * const result: VoteResult = voteResult(['a', 'b', 'c'], new Map([['b', false], ['c', false]]));
 * console.log(result); // 'lost': two of three refused
 * ```
 */
export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The number of voters that make a strict majority of `voterCount`.
 *
 * @example
 * ```ts
 * import { majority } from './quorum.js';
 * console.log(majority(3), majority(4), majority(5)); // 2 3 3
 * ```
 */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * Counts votes against a voter set. Only answers from members of `voters` count; the set always includes
 * every configured voter, never only the peers seen so far.
 *
 * @example
 * ```ts
 * import { voteResult } from './quorum.js';
 * voteResult(['a', 'b', 'c'], new Map([['a', true], ['b', true]])); // 'won'
 * voteResult(['a', 'b', 'c'], new Map([['a', true], ['b', false]])); // 'pending'
 * ```
 */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'lost';
  let granted = 0;
  let refused = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) refused++;
  }
  const needed = majority(voters.length);
  if (granted >= needed) return 'won';
  if (voters.length - refused < needed) return 'lost';
  return 'pending';
}

/**
 * The highest heartbeat round that a strict majority of `voters` has acknowledged (a voter that acknowledged
 * round r also counts for every round below r). Returns 0 when no round is acknowledged by a majority.
 *
 * @example
 * ```ts
 * import { quorumRound } from './quorum.js';
 * quorumRound(['a', 'b', 'c'], new Map([['a', 7], ['b', 5], ['c', 2]])); // 5
 * ```
 */
export function quorumRound(voters: readonly NodeId[], acked: ReadonlyMap<NodeId, number>): number {
  if (voters.length === 0) return 0;
  const rounds = voters.map((voter) => acked.get(voter) ?? 0).sort((a, b) => b - a);
  return rounds[majority(voters.length) - 1] ?? 0;
}
