import { InvalidOptionError, type NodeId } from '@baton/core';
import type { TransportContext } from './context.js';
import { ExpectMismatchError } from './errors.js';
import type { Membership } from './membership.js';
import { readStoredVoters, writeStoredVoters } from './voter-store.js';

/** Checks `discoverVoters`' `expect`: an integer from 1 to 1000; throws {@link InvalidOptionError} naming it. */
export function checkExpect(expect: unknown): number {
  if (typeof expect !== 'number' || !Number.isInteger(expect) || expect < 1 || expect > 1000) {
    throw new InvalidOptionError('expect', expect, 'must be an integer between 1 and 1000');
  }
  return expect;
}

/**
 * Forms the initial voter set of an open transport (see `discoverVoters()`): the set saved in `dataDir` when
 * there is one; else, once `expect` members (this node included) have found each other, their ids sorted,
 * saved when there is a `dataDir`. More members than `expect` is an {@link ExpectMismatchError}. The set
 * formed or read becomes the voters this transport knows.
 */
export async function formVoterSet(
  context: Pick<TransportContext, 'clusterId' | 'options' | 'log' | 'localId'>,
  membership: Pick<Membership, 'connected' | 'waitFor' | 'knowVoters'>,
  expect: number,
  signal: AbortSignal | undefined,
): Promise<readonly NodeId[]> {
  const { clusterId } = context;
  const { dataDir } = context.options;
  if (dataDir !== undefined) {
    const stored = await readStoredVoters(dataDir, clusterId);
    if (stored !== null) {
      if (stored.length !== expect) {
        context.log.warn(
          `using the voter set formed before (${stored.length} voters), not a new one of expect=${expect}`,
        );
      }
      membership.knowVoters(stored);
      return stored;
    }
  }
  await membership.waitFor(() => membership.connected.size + 1 >= expect, signal);
  const found = [context.localId, ...membership.connected].sort();
  if (found.length > expect) throw new ExpectMismatchError(expect, found);
  if (dataDir !== undefined) await writeStoredVoters(dataDir, clusterId, found);
  membership.knowVoters(found);
  return found;
}
