import { FileStateStore, InvalidOptionError, type NodeId, type Transport } from '@baton/core';
import type { DiscoverVotersOptions, VoterDiscovery } from '@baton/transport-libp2p';
import type { LoggerService } from '@nestjs/common';
import type { LeaderModuleOptions } from './interfaces/leader-module-options.interface.js';
import {
  DISCOVERY_NEEDS_DATA_DIR,
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

/** Checks `voters` against `expect` and `expect` itself, before anything starts. */
export function checkVoterOptions(options: Pick<LeaderModuleOptions, 'voters' | 'expect'>): void {
  const { voters, expect } = options;
  if (expect === undefined) return;
  if (voters !== undefined) throw new InvalidOptionError('expect', expect, EXPECT_WITH_VOTERS);
  if (typeof expect !== 'number' || !Number.isInteger(expect) || expect < 1 || expect > 1000) {
    throw new InvalidOptionError('expect', expect, EXPECT_NOT_COUNT);
  }
}

/**
 * The voters the election starts with. Named `voters` are used as they are. Without them: none when `dataDir`
 * holds a configuration (the node is a member already, its configuration rules and it never forms a cluster
 * again); else the transport's `discoverVoters({ expect })` (none on `join`: the node joins the existing
 * cluster as an observer and the leader's autopilot promotes it); else, with a transport that cannot
 * discover, none (the node can only join a cluster).
 */
export async function startingVoters(
  options: LeaderModuleOptions,
  transport: Transport,
  logger: LoggerService,
): Promise<readonly NodeId[] | undefined> {
  checkVoterOptions(options);
  const { voters, expect, dataDir } = options;
  if (voters !== undefined) return voters;
  if (!discovers(transport)) {
    if (expect !== undefined) throw new InvalidOptionError('expect', expect, EXPECT_NEEDS_DISCOVERY);
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
  const found = await transport.discoverVoters({ expect: wanted });
  if (found.outcome === 'join') {
    logger.log(`joined: a cluster exists (${found.reason}, ${found.peer}); waiting to be made a voter`);
  } else {
    const how = found.outcome === 'formed' ? 'formed the first voter set' : 'the voter set formed before';
    logger.log(`${how}: ${found.voters.join(', ')}`);
  }
  return found.voters;
}
