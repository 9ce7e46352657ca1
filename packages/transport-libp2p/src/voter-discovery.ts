import { InvalidOptionError, type NodeId } from '@baton/core';
import type { LeaderAnnouncements } from './announcements.js';
import type { TransportContext } from './context.js';
import { ExpectMismatchError } from './errors.js';
import type { Membership } from './membership.js';
import type { VoterDiscovery } from './types.js';
import { readStoredVoters, writeStoredVoters } from './voter-store.js';

/** Checks `discoverVoters`' `expect`: an integer from 1 to 1000; throws {@link InvalidOptionError} naming it. */
export function checkExpect(expect: unknown): number {
  if (typeof expect !== 'number' || !Number.isInteger(expect) || expect < 1 || expect > 1000) {
    throw new InvalidOptionError('expect', expect, 'must be an integer between 1 and 1000');
  }
  return expect;
}

/**
 * What shows that a cluster exists already, as this node sees it now: a leader announcement (gossip from a
 * member), or a connected peer whose HELLO (or election traffic) says it holds a configuration (version > 0).
 */
export function existingCluster(
  membership: Pick<Membership, 'connected' | 'configurationOf'>,
  announcements: Pick<LeaderAnnouncements, 'latest'>,
): Extract<VoterDiscovery, { outcome: 'join' }> | null {
  const announced = announcements.latest;
  if (announced !== null) {
    return {
      outcome: 'join',
      voters: [],
      reason: 'leader-announced',
      peer: announced.leader,
      configuration: null,
    };
  }
  for (const peer of [...membership.connected].sort()) {
    const configuration = membership.configurationOf(peer);
    if (configuration !== undefined && configuration.version > 0) {
      return { outcome: 'join', voters: [], reason: 'member-configured', peer, configuration };
    }
  }
  return null;
}

/**
 * Forms the initial voter set of an open transport, once (see `discoverVoters()`): the set saved in `dataDir`
 * when there is one (`saved`); else, while waiting for members, `join` as soon as a cluster shows it exists;
 * else, once `expect` members (this node included) have found each other and each said (HELLO) it holds no
 * configuration, their ids sorted (`formed`), saved when there is a `dataDir`. More fresh members than
 * `expect` is an {@link ExpectMismatchError}. With `expect: 1`, the node forms alone only after 2 × `dialTimeout`
 * and only when it has the smallest id of the fresh peers it sees (the others wait to join it). A set formed or read becomes the voters this transport knows.
 */
export async function discoverVoters(
  context: Pick<TransportContext, 'clusterId' | 'options' | 'log' | 'localId'>,
  membership: Pick<Membership, 'connected' | 'configurationOf' | 'waitFor' | 'wake' | 'knowVoters'>,
  announcements: Pick<LeaderAnnouncements, 'latest' | 'subscribe'>,
  expect: number,
  signal: AbortSignal | undefined,
): Promise<VoterDiscovery> {
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
      return { outcome: 'saved', voters: stored };
    }
  }
  let found: Extract<VoterDiscovery, { outcome: 'join' }> | null = null;
  const heardAll = () =>
    [...membership.connected].every((peer) => membership.configurationOf(peer) !== undefined);
  // `expect: 1` (forming alone) is what replicas started together with no `expect` would all do at once, each
  // a cluster of its own. So a node forms alone only after a settling time (2 × dialTimeout, for the
  // bootstrap and DNS dials of its start to be answered), and only when no fresh peer it sees has a smaller
  // id: replicas that see each other leave the forming to the smallest, and join it when its configuration
  // or its leader shows (from their HELLO and the leader's announcements).
  const alone = expect === 1;
  const settled = alone ? performance.now() + 2 * context.options.dialTimeout : 0;
  const formAlone = () =>
    performance.now() >= settled &&
    heardAll() &&
    [...membership.connected].every((peer) => peer > context.localId);
  const settle = alone ? setTimeout(() => membership.wake(), 2 * context.options.dialTimeout + 1) : undefined;
  const off = announcements.subscribe(() => membership.wake());
  try {
    await membership.waitFor(() => {
      found = existingCluster(membership, announcements);
      if (found !== null) return true;
      return alone ? formAlone() : membership.connected.size + 1 >= expect && heardAll();
    }, signal);
  } finally {
    off();
    clearTimeout(settle);
  }
  if (found !== null) {
    const { reason, peer } = found as Extract<VoterDiscovery, { outcome: 'join' }>;
    context.log.info(
      `a cluster exists already (${reason}, ${peer}): joining it as an observer, not forming one`,
    );
    return found;
  }
  const members: NodeId[] = alone ? [context.localId] : [context.localId, ...membership.connected].sort();
  if (members.length > expect) throw new ExpectMismatchError(expect, members);
  if (dataDir !== undefined) await writeStoredVoters(dataDir, clusterId, members);
  membership.knowVoters(members);
  return { outcome: 'formed', voters: members };
}
