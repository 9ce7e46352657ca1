import type { Connection } from '@libp2p/interface';
import { backoffDelay } from './redialer.js';

/**
 * One connection per pair of peers. When two nodes dial each other at once (both start with the other as a
 * bootstrap peer, both redial after a partition, both hear of the other in a PEERS frame), libp2p keeps both
 * connections, and each runs its own pings, identify and gossipsub streams. Two rules keep one:
 *
 * - the peer with the larger id waits {@link yieldDelay} before dialling a smaller one, so the smaller's
 *   dial usually comes first (the larger still dials after it: a pair is never left without a connection
 *   because one side waits);
 * - a connection dialled by the larger id is closed as it opens, before any stream runs on it, when one
 *   dialled by the smaller id is open ({@link isDuplicate}). Both sides apply the same rule to the same
 *   connection, and a connection dialled by the smaller id is never closed by it.
 */
export function dialsFirst(local: string, remote: string): boolean {
  return local < remote;
}

/** Whether `connection`, seen from `local`, was dialled by the smaller peer id of the pair. */
function dialledBySmaller(local: string, connection: Connection): boolean {
  return (connection.direction === 'outbound') === dialsFirst(local, connection.remotePeer.toString());
}

/**
 * Whether `connection` (just opened) is a duplicate to close: dialled by the larger peer id while another
 * open connection to the same peer was dialled by the smaller.
 */
export function isDuplicate(local: string, connection: Connection, all: readonly Connection[]): boolean {
  if (dialledBySmaller(local, connection)) return false;
  return all.some(
    (other) => other !== connection && other.status === 'open' && dialledBySmaller(local, other),
  );
}

/** The depth in the redial backoff at which the larger peer id dials a smaller one first: 200-400 ms. */
export const YIELD_LEVEL = 5;

/**
 * How long the larger peer id waits before dialling a smaller one it is not connected to: 200-400 ms, never
 * more than `maxRedialDelay` (the redial backoff at depth {@link YIELD_LEVEL}).
 */
export function yieldDelay(maxRedialDelay: number): number {
  return backoffDelay(YIELD_LEVEL, maxRedialDelay);
}
