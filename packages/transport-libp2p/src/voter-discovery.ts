import { InvalidOptionError, type NodeId } from '@baton/core';
import type { LeaderAnnouncements } from './announcements.js';
import type { TransportContext } from './context.js';
import { ExpectMismatchError, FormationConflictError } from './errors.js';
import {
  decideFormation,
  type FormationStep,
  type FormationView,
  type PeerFormation,
  refusalLock,
} from './formation.js';
import type { Membership } from './membership.js';
import type { VoterDiscovery } from './types.js';
import { readFormationLock, readStoredVoters, writeFormationLock, writeStoredVoters } from './voter-store.js';

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

/** What discoverVoters needs of the transport. */
type Context = Pick<TransportContext, 'clusterId' | 'options' | 'log' | 'localId' | 'formationLock'>;
type Members = Pick<
  Membership,
  'connected' | 'configurationOf' | 'lockOf' | 'waitFor' | 'wake' | 'knowVoters' | 'helloAll'
>;
type Announcements = Pick<LeaderAnnouncements, 'latest' | 'subscribe'>;

/**
 * Forms the initial voter set of an open transport, once (see `discoverVoters()`): the set saved in `dataDir`
 * when there is one (`saved`); else, while waiting for members, `join` as soon as a cluster shows it exists;
 * else, with `expect` ≥ 2, the formation handshake of formation.ts: lock one set of `expect` fresh members
 * (saved in `dataDir` before any peer hears of it), form it once every member said it locked it too
 * (`formed`, saved). A locked set that a member of it locked differently is a {@link FormationConflictError};
 * more fresh members than `expect` and nothing to lock or join is an {@link ExpectMismatchError}. With
 * `expect: 1`, the node forms alone only after 2 × `dialTimeout` and only when it has the smallest id of the
 * fresh peers it sees (the others wait to join it). A set formed or read becomes the voters this transport
 * knows.
 */
export async function discoverVoters(
  context: Context,
  membership: Members,
  announcements: Announcements,
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
  const found =
    expect === 1
      ? await formAlone(context, membership, announcements, signal)
      : await formTogether(context, membership, announcements, expect, signal);
  if (found.outcome === 'join') {
    context.log.info(
      `a cluster exists already (${found.reason}, ${found.peer}): joining it as an observer, not forming one`,
    );
    return found;
  }
  if (dataDir !== undefined) await writeStoredVoters(dataDir, clusterId, found.voters);
  membership.knowVoters(found.voters);
  return found;
}

/**
 * `expect: 1` (forming alone) is what replicas started together with no `expect` would all do at once, each a
 * cluster of its own. So a node forms alone only after a settling time (2 × dialTimeout, for the bootstrap and
 * DNS dials of its start to be answered), and only when no fresh peer it sees has a smaller id: replicas that
 * see each other leave the forming to the smallest, and join it when its configuration or its leader shows
 * (from their HELLO and the leader's announcements).
 */
async function formAlone(
  context: Context,
  membership: Members,
  announcements: Announcements,
  signal: AbortSignal | undefined,
): Promise<VoterDiscovery> {
  let found: Extract<VoterDiscovery, { outcome: 'join' }> | null = null;
  const settled = performance.now() + 2 * context.options.dialTimeout;
  const heardAll = () =>
    [...membership.connected].every((peer) => membership.configurationOf(peer) !== undefined);
  const settle = setTimeout(() => membership.wake(), 2 * context.options.dialTimeout + 1);
  const off = announcements.subscribe(() => membership.wake());
  try {
    await membership.waitFor(() => {
      found = existingCluster(membership, announcements);
      if (found !== null) return true;
      return (
        performance.now() >= settled &&
        heardAll() &&
        [...membership.connected].every((peer) => peer > context.localId)
      );
    }, signal);
  } finally {
    off();
    clearTimeout(settle);
  }
  return found ?? { outcome: 'formed', voters: [context.localId] };
}

/**
 * `expect` ≥ 2: the formation handshake (formation.ts). The lock is read back from `dataDir` first, so a
 * restarted node never locks a second set; a new lock is saved before any peer hears of it (the HELLOs
 * sent again to every connected peer, and every later HELLO, carry it).
 */
async function formTogether(
  context: Context,
  membership: Members,
  announcements: Announcements,
  expect: number,
  signal: AbortSignal | undefined,
): Promise<VoterDiscovery> {
  const { clusterId } = context;
  const { dataDir, dialTimeout } = context.options;
  if (dataDir !== undefined && context.formationLock === null) {
    const saved = await readFormationLock(dataDir, clusterId);
    if (saved !== null) {
      context.formationLock = saved;
      membership.helloAll();
    }
  }
  if (context.formationLock !== null && context.formationLock.length !== expect) {
    context.log.warn(
      `this node locked a first voter set of ${context.formationLock.length} members before, not ${expect}: ` +
        'it forms none, and waits for a cluster to join',
    );
  }
  // A node without a lock refuses (more fresh members than expect, nothing to lock or join) only after a
  // settling time, for the locks taken by peers that started with it to reach it.
  const settledAt = performance.now() + 2 * dialTimeout;
  const settle = setTimeout(() => membership.wake(), 2 * dialTimeout + 1);
  const off = announcements.subscribe(() => membership.wake());
  try {
    for (;;) {
      let step: FormationStep = { step: 'wait' };
      await membership.waitFor(() => {
        step = decideFormation(formationView(context, membership, expect, performance.now() >= settledAt));
        return step.step !== 'wait' || announcements.latest !== null;
      }, signal);
      const next = step as FormationStep;
      if (next.step === 'form') return { outcome: 'formed', voters: next.set };
      const announced = announcements.latest === null ? null : existingCluster(membership, announcements);
      if (announced !== null) return announced;
      switch (next.step) {
        case 'join':
          return {
            outcome: 'join',
            voters: [],
            reason: 'member-configured',
            peer: next.peer,
            configuration: membership.configurationOf(next.peer) ?? null,
          };
        case 'lock': {
          // One lock at a time per transport, and saved before it is told: a lock told and then lost at a
          // restart could let this node lock a second set.
          const inFlight = locking.get(context);
          if (inFlight !== undefined) {
            await inFlight;
            continue;
          }
          const saving = (async () => {
            if (dataDir !== undefined) await writeFormationLock(dataDir, clusterId, next.set);
            context.formationLock = next.set;
          })();
          locking.set(context, saving);
          try {
            await saving;
          } finally {
            locking.delete(context);
          }
          context.log.info(`locked the first voter set [${next.set.join(', ')}]: telling its members`);
          membership.helloAll();
          continue;
        }
        case 'conflict':
          throw new FormationConflictError(expect, next.lock, next.peer, next.other);
        case 'refuse':
          // Not saved: a refusal is never formed, so forgetting it at a restart cannot make two sets form.
          context.formationLock = refusalLock(context.localId, next.found, expect);
          membership.helloAll();
          throw new ExpectMismatchError(expect, next.found);
        default:
          continue;
      }
    }
  } finally {
    off();
    clearTimeout(settle);
  }
}

/** The lock being saved, per transport (two `discoverVoters` calls at once take one lock between them). */
const locking = new WeakMap<Context, Promise<void>>();

/** What this node knows now, as the formation reads it. */
function formationView(
  context: Context,
  membership: Members,
  expect: number,
  settled: boolean,
): FormationView {
  const peers = new Map<NodeId, PeerFormation | undefined>();
  for (const peer of membership.connected) {
    const configuration = membership.configurationOf(peer);
    peers.set(
      peer,
      configuration === undefined
        ? undefined
        : { configured: configuration.version > 0, lock: membership.lockOf(peer) ?? null },
    );
  }
  return { self: context.localId, expect, lock: context.formationLock, peers, settled };
}
