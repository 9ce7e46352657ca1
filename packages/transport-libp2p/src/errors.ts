/**
 * The node's key file exists but cannot be used. Baton never replaces it: a new key is a new peer id, and
 * a new peer id is a different member of the election.
 *
 * @example
 * ```ts
 * import { PeerKeyError, loadOrCreatePeerKey } from '@baton/transport-libp2p';
 * try {
 *   await loadOrCreatePeerKey('/var/lib/jobs');
 * } catch (error) {
 *   if (error instanceof PeerKeyError) console.error(`fix or remove ${error.path}`);
 * }
 * ```
 */
export class PeerKeyError extends Error {
  override readonly name = 'PeerKeyError';
  constructor(
    /** The key file. */
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`peer key file ${path}: ${reason}`, options);
  }
}

/**
 * `discoverVoters({ expect })` found more members than expected, so the initial voter set cannot be formed
 * deterministically. Never start more than `expect` nodes before the first voter set is formed.
 *
 * @example
 * ```ts
 * import { ExpectMismatchError } from '@baton/transport-libp2p';
 * const error = new ExpectMismatchError(3, ['a', 'b', 'c', 'd']);
 * console.log(error.message);
 * ```
 */
export class ExpectMismatchError extends Error {
  override readonly name = 'ExpectMismatchError';
  constructor(
    readonly expect: number,
    /** Every member found, sorted. */
    readonly found: readonly string[],
  ) {
    super(
      `expected ${expect} members to form the initial voter set, found ${found.length} (${found.join(', ')}): ` +
        'start exactly `expect` nodes for the first formation, or name the voters explicitly',
    );
  }
}
