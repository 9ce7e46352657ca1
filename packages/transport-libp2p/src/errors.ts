/**
 * The node's key file exists but cannot be used. Baton never replaces it: a new key is a new peer id, and
 * a new peer id is a different member of the election. Code `'ERR_PEER_KEY'`.
 *
 * @example
 * ```ts
 * import { PeerKeyError, loadOrCreatePeerKey } from '@baton/transport-libp2p';
 * try {
 *   await loadOrCreatePeerKey('./data');
 * } catch (error) {
 *   if (error instanceof PeerKeyError) console.error(`fix or remove ${error.path}`); // error.code: 'ERR_PEER_KEY'
 * }
 * ```
 */
export class PeerKeyError extends Error {
  override readonly name = 'PeerKeyError';
  readonly code = 'ERR_PEER_KEY';
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
 * The voter set that `discoverVoters` saved (`voters-<clusterId>.json` in `dataDir`), or the set it locked for
 * the first formation (`formation-lock-<clusterId>.json`), cannot be read or is not a set of peer ids. Baton never replaces it: forming a new set while the old one may be in use could make
 * two majorities. Code `'ERR_VOTERS_FILE'`.
 *
 * @example
 * ```ts
 * import { libp2pTransport, VotersFileError } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs', dataDir: './data' });
 * try {
 *   console.log(await transport.discoverVoters({ expect: 1 })); // a set of one: this node
 * } catch (error) {
 *   if (error instanceof VotersFileError) console.error(`restore or remove ${error.path}`); // error.code: 'ERR_VOTERS_FILE'
 * }
 * ```
 */
export class VotersFileError extends Error {
  override readonly name = 'VotersFileError';
  readonly code = 'ERR_VOTERS_FILE';
  constructor(
    /** The voters file. */
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`voters file ${path}: ${reason}`, options);
  }
}

/**
 * `discoverVoters({ expect })` found more fresh members than expected, and no cluster, so the initial voter set
 * cannot be formed deterministically; this node formed none. Never start more than `expect` nodes before the
 * first voter set is formed. A best-effort check: nodes that each see exactly `expect` of them form without
 * it. Code `'ERR_EXPECT_MISMATCH'`.
 *
 * @example
 * ```ts
 * import { ExpectMismatchError } from '@baton/transport-libp2p';
 * const error = new ExpectMismatchError(3, ['a', 'b', 'c', 'd']);
 * console.log(error.code, error.found.length); // 'ERR_EXPECT_MISMATCH' 4
 * ```
 */
export class ExpectMismatchError extends Error {
  override readonly name = 'ExpectMismatchError';
  readonly code = 'ERR_EXPECT_MISMATCH';
  constructor(
    readonly expect: number,
    /** Every member found, sorted. */
    readonly found: readonly string[],
  ) {
    super(
      `expect=${expect}, but this node found ${found.length} fresh members and no cluster (${found.join(', ')}), ` +
        'and no set it could lock or join, so it formed no voter set (and told its peers, so that sets naming ' +
        'it fail too): more fresh nodes started than `expect`. Start it again once the others ' +
        'have formed the cluster (it then joins as an observer); for the first formation start exactly ' +
        '`expect` fresh nodes, or name the voters',
    );
  }
}

/**
 * `discoverVoters({ expect })`: this node locked a first voter set (`locked`), and `peer`, a member of it, locked
 * another one (`other`), so that set can never form: every member of a set must lock it, and a node locks one
 * set only. It happens when more fresh nodes than `expect` started (or nodes started with different `expect`):
 * different nodes saw different groups. This node formed nothing. Code `'ERR_FORMATION_CONFLICT'`.
 *
 * To recover: when the other nodes formed a cluster, start this node again, it joins it as an observer; when
 * none did, stop the extra nodes, delete `formation-lock-<clusterId>.json` from the `dataDir` of every node
 * that formed nothing (no `voters-<clusterId>.json`), and start exactly `expect` of them.
 *
 * @example
 * ```ts
 * import { FormationConflictError } from '@baton/transport-libp2p';
 * const error = new FormationConflictError(3, ['a', 'b', 'c'], 'b', ['b', 'c', 'd']);
 * console.log(error.code, error.other); // 'ERR_FORMATION_CONFLICT' ['b', 'c', 'd']
 * ```
 */
export class FormationConflictError extends Error {
  override readonly name = 'FormationConflictError';
  readonly code = 'ERR_FORMATION_CONFLICT';
  constructor(
    readonly expect: number,
    /** The set this node locked, sorted. */
    readonly locked: readonly string[],
    /** The member of `locked` that locked another set. */
    readonly peer: string,
    /** The set `peer` locked, sorted. */
    readonly other: readonly string[],
  ) {
    super(
      `expect=${expect}: this node locked the first voter set [${locked.join(', ')}], but ${peer}, a member of ` +
        `it, locked [${other.join(', ')}], so that set can never form and this node formed none. More fresh ` +
        'nodes than `expect` were started (or with different `expect`), and they saw different groups. If the ' +
        'others formed a cluster, start this node again: it joins it. Otherwise stop the extra nodes, delete ' +
        'formation-lock-<clusterId>.json from the dataDir of every node that formed nothing, and start exactly ' +
        '`expect` of them',
    );
  }
}

/**
 * The operation needs the transport open, and it is not: `localId` read before `open()` (or `start()`)
 * resolved, or a `discoverVoters()` still waiting for members when `stop()` was called. Code
 * `'ERR_TRANSPORT_NOT_OPEN'`.
 *
 * @example
 * ```ts
 * import { libp2pTransport, TransportNotOpenError } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs' });
 * try {
 *   console.log(transport.localId);
 * } catch (error) {
 *   if (error instanceof TransportNotOpenError) console.log(error.operation, error.code); // 'localId' 'ERR_TRANSPORT_NOT_OPEN'
 * }
 * ```
 */
export class TransportNotOpenError extends Error {
  override readonly name = 'TransportNotOpenError';
  readonly code = 'ERR_TRANSPORT_NOT_OPEN';
  constructor(
    /** What was asked of the transport: `'localId'` or `'discoverVoters'`. */
    readonly operation: string,
    reason: string,
  ) {
    super(`libp2pTransport: ${operation}: ${reason}`);
  }
}

/** What a call given an aborted `signal` rejects with: the signal's reason. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}
