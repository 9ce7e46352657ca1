/**
 * An option was missing or had a value the election cannot work with.
 *
 * @example
 * ```ts
 * import { InvalidOptionError, resolveElectionOptions } from '@baton/core';
 * try {
 *   resolveElectionOptions({ clusterId: 'jobs', electionTimeoutMin: 300, electionTimeoutMax: 150 });
 * } catch (error) {
 *   if (error instanceof InvalidOptionError) console.log(error.option); // 'electionTimeoutMax'
 * }
 * ```
 */
export class InvalidOptionError extends Error {
  override readonly name = 'InvalidOptionError';
  constructor(
    /** The option that is wrong, as it is spelt in the options object. */
    readonly option: string,
    /** The value that was given. */
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid option ${option}=${formatValue(value)}: ${reason}`);
  }
}

/**
 * The persisted state cannot be used with these options, or a transition the state machine forbids was
 * attempted. The node refuses to go on rather than risk two leaders.
 *
 * @example
 * ```ts
 * import { ElectionStateError } from '@baton/core';
 * const error = new ElectionStateError('invalid transition [follower -> leader]');
 * console.log(error.name); // 'ElectionStateError'
 * ```
 */
export class ElectionStateError extends Error {
  override readonly name = 'ElectionStateError';
}

/**
 * The operation needs this node to be the leader, and it is not.
 *
 * @example
 * ```ts
 * import { NotLeaderError } from '@baton/core';
 * const error = new NotLeaderError('transferLeadership', 'node-b');
 * console.log(error.message); // 'transferLeadership: this node is not the leader (leader: node-b)'
 * ```
 */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  constructor(
    readonly operation: string,
    /** The leader this node knows of, if any. */
    readonly leader: string | null,
  ) {
    super(`${operation}: this node is not the leader (leader: ${leader ?? 'none'})`);
  }
}

/** Renders a value for an error message: strings quoted, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
