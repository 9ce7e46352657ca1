import { InvalidOptionError, type NodeId } from '@baton/core';
import { peerIdFromString } from '@libp2p/peer-id';
import { isMultiaddr, type Multiaddr, multiaddr } from '@multiformats/multiaddr';

/**
 * A voter named by its peer id (`12D3KooW…`) or by a multiaddr that ends in `/p2p/<peer id>`.
 *
 * @example
 * ```ts
 * import type { VoterSpec } from '@baton/transport-libp2p';
 * const specs: VoterSpec[] = ['12D3KooWA…', '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWB…'];
 * ```
 */
export type VoterSpec = string | Multiaddr;

/**
 * Voter specs resolved into election ids and the addresses to dial.
 *
 * @example
 * ```ts
 * import { type ResolvedVoters, resolveVoters } from '@baton/transport-libp2p';
 * const { voters, addresses }: ResolvedVoters = resolveVoters(specs);
 * ```
 */
export interface ResolvedVoters {
  /** The voters' peer ids, sorted, without duplicates: give them to `LeaderElection` as `voters`. */
  readonly voters: readonly NodeId[];
  /** The multiaddrs among the specs (each with `/p2p/<id>`): give them to the transport as `bootstrap`. */
  readonly addresses: readonly Multiaddr[];
}

/**
 * Resolves voter specs (peer ids, or multiaddrs with `/p2p/<id>`) into the voters' ids and dial addresses.
 * Throws {@link InvalidOptionError} naming the bad entry, e.g. `voters[2]`.
 *
 * @example
 * ```ts
 * import { libp2pTransport, resolveVoters } from '@baton/transport-libp2p';
 * const { voters, addresses } = resolveVoters([
 *   '/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWA…',
 *   '/dns4/jobs-2.internal/tcp/4001/p2p/12D3KooWB…',
 *   '12D3KooWC…', // found by mDNS
 * ]);
 * const transport = libp2pTransport({ clusterId: 'jobs', bootstrap: addresses, dataDir: './data' });
 * // new LeaderElection({ clusterId: 'jobs', transport, voters, dataDir: './data' })
 * ```
 */
export function resolveVoters(specs: readonly VoterSpec[], option = 'voters'): ResolvedVoters {
  if (!Array.isArray(specs))
    throw new InvalidOptionError(option, specs, 'must be an array of peer ids or multiaddrs');
  const ids = new Set<NodeId>();
  const addresses: Multiaddr[] = [];
  specs.forEach((spec, index) => {
    const name = `${option}[${index}]`;
    if (isMultiaddr(spec) || (typeof spec === 'string' && spec.startsWith('/'))) {
      const address = parseDialAddress(spec, name);
      ids.add(peerIdOfAddress(address) as NodeId);
      addresses.push(address);
    } else if (typeof spec === 'string') {
      ids.add(parsePeerId(spec, name));
    } else {
      throw new InvalidOptionError(name, spec, 'must be a peer id or a multiaddr with /p2p/<peer id>');
    }
  });
  return { voters: [...ids].sort(), addresses };
}

/** Parses a multiaddr that must name its peer (`/p2p/<id>`). */
export function parseDialAddress(spec: string | Multiaddr, option: string): Multiaddr {
  let address: Multiaddr;
  try {
    address = isMultiaddr(spec) ? spec : multiaddr(spec);
  } catch (error) {
    throw new InvalidOptionError(option, spec, `not a multiaddr: ${(error as Error).message}`);
  }
  const peer = peerIdOfAddress(address);
  if (peer == null) throw new InvalidOptionError(option, address.toString(), 'must end in /p2p/<peer id>');
  parsePeerId(peer, option);
  return address;
}

/** The peer id named by a multiaddr's `/p2p/` component, if any. */
export function peerIdOfAddress(address: Multiaddr): string | undefined {
  return address.getComponents().findLast((component) => component.name === 'p2p')?.value;
}

function parsePeerId(spec: string, option: string): NodeId {
  try {
    return peerIdFromString(spec).toString();
  } catch (error) {
    throw new InvalidOptionError(option, spec, `not a peer id: ${(error as Error).message}`);
  }
}
