import { FileStateStore, InvalidOptionError, type NodeId, type Transport } from '@baton/core';
import type { DiscoverVotersOptions, VoterDiscovery } from '@baton/transport-libp2p';
import type { LoggerService } from '@nestjs/common';
import { DiscoveryTimeoutError } from './errors.js';
import type { LeaderModuleOptions } from './interfaces/leader-module-options.interface.js';
import {
  DISCOVERY_NEEDS_DATA_DIR,
  DISCOVERY_TIMEOUT_NOT_MS,
  DISCOVERY_TIMEOUT_WITH_VOTERS,
  EXPECT_NEEDS_DISCOVERY,
  EXPECT_NOT_COUNT,
  EXPECT_WITH_VOTERS,
} from './leader.messages.js';

/** The `expect` a node uses when it finds its voters itself and none was given: form alone if no cluster shows. */
export const DEFAULT_EXPECT = 1;

/** A transport that can form the first voter set itself, as `libp2pTransport()` can. */
type DiscoveringTransport = Transport & {
  discoverVoters(options: DiscoverVotersOptions): Promise<VoterDiscovery>;
};

function discovers(transport: Transport): transport is DiscoveringTransport {
  return typeof (transport as Partial<DiscoveringTransport>).discoverVoters === 'function';
}

/** The longest `discoveryTimeout`: what `setTimeout` can wait (about 24.8 days). */
const MAX_DISCOVERY_TIMEOUT = 2_147_483_647;

/**
 * The transport's `discoverVoters({ expect })`, bounded by `timeout` when there is one: when it runs out, the
 * discovery is aborted with a {@link DiscoveryTimeoutError} naming the peers found by then.
 */
async function discover(
  transport: DiscoveringTransport,
  expect: number,
  timeout: number | undefined,
): Promise<VoterDiscovery> {
  if (timeout === undefined) return transport.discoverVoters({ expect });
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new DiscoveryTimeoutError(timeout, expect, [...transport.peers()].sort()));
  }, timeout);
  try {
    return await transport.discoverVoters({ expect, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** Checks `voters` against `expect` and `discoveryTimeout`, and those themselves, before anything starts. */
export function checkVoterOptions(
  options: Pick<LeaderModuleOptions, 'voters' | 'expect' | 'discoveryTimeout'>,
): void {
  const { voters, expect, discoveryTimeout } = options;
  if (discoveryTimeout !== undefined) {
    if (
      typeof discoveryTimeout !== 'number' ||
      !Number.isInteger(discoveryTimeout) ||
      discoveryTimeout < 1 ||
      discoveryTimeout > MAX_DISCOVERY_TIMEOUT
    ) {
      throw new InvalidOptionError('discoveryTimeout', discoveryTimeout, DISCOVERY_TIMEOUT_NOT_MS);
    }
    if (voters !== undefined) {
      throw new InvalidOptionError('discoveryTimeout', discoveryTimeout, DISCOVERY_TIMEOUT_WITH_VOTERS);
    }
  }
  if (expect === undefined) return;
  if (voters !== undefined) throw new InvalidOptionError('expect', expect, EXPECT_WITH_VOTERS);
  if (typeof expect !== 'number' || !Number.isInteger(expect) || expect < 1 || expect > 1000) {
    throw new InvalidOptionError('expect', expect, EXPECT_NOT_COUNT);
  }
}

/**
 * The voters the election starts with. Named `voters` are used as they are. Without them: none when `dataDir`
 * holds a configuration (the node is a member already, its configuration rules and it never forms a cluster
 * again); else the transport's `discoverVoters({ expect })`, for at most `discoveryTimeout` (none on `join`: the node joins the existing
 * cluster as an observer and the leader's autopilot promotes it); else, with a transport that cannot
 * discover, none (the node can only join a cluster).
 */
export async function startingVoters(
  options: LeaderModuleOptions,
  transport: Transport,
  logger: LoggerService,
): Promise<readonly NodeId[] | undefined> {
  checkVoterOptions(options);
  const { voters, expect, dataDir, discoveryTimeout } = options;
  if (voters !== undefined) return voters;
  if (!discovers(transport)) {
    if (expect !== undefined) throw new InvalidOptionError('expect', expect, EXPECT_NEEDS_DISCOVERY);
    if (discoveryTimeout !== undefined) {
      throw new InvalidOptionError('discoveryTimeout', discoveryTimeout, EXPECT_NEEDS_DISCOVERY);
    }
    logger.log('no voters given: joining an existing cluster as an observer');
    return [];
  }
  if (typeof dataDir !== 'string' || dataDir === '') {
    throw new InvalidOptionError('dataDir', dataDir, DISCOVERY_NEEDS_DATA_DIR);
  }
  const persisted = await FileStateStore.read(dataDir);
  if (persisted !== null && persisted.configuration.version > 0) {
    const { voters: saved, version } = persisted.configuration;
    logger.log(`a member already (configuration ${version}, voters ${saved.join(', ')}): it rules`);
    return [];
  }
  const wanted = expect ?? DEFAULT_EXPECT;
  logger.log(`finding the cluster, or ${wanted} fresh node(s) to form it with (expect=${wanted})`);
  const found = await discover(transport, wanted, discoveryTimeout);
  if (found.outcome === 'join') {
    logger.log(`joined: a cluster exists (${found.reason}, ${found.peer}); waiting to be made a voter`);
  } else {
    const how = found.outcome === 'formed' ? 'formed the first voter set' : 'the voter set formed before';
    logger.log(`${how}: ${found.voters.join(', ')}`);
  }
  return found.voters;
}
