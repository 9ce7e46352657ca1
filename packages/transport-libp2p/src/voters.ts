import { InvalidOptionError, type NodeId } from '@baton/core';
import { peerIdFromString } from '@libp2p/peer-id';
import { isMultiaddr, type Multiaddr, multiaddr } from '@multiformats/multiaddr';

/**
 * A voter named by its peer id (`12D3KooW…` for an Ed25519 key) or by a multiaddr that ends in
 * `/p2p/<peer id>`. A node prints its id with `loadOrCreatePeerKey`, or `transport.localId` after `open()`.
 *
 * @example
 * ```ts
 * import type { VoterSpec } from '@baton/transport-libp2p';
 * const specs: VoterSpec[] = [
 *   '12D3KooWMPMattKf9oJvUPDeDLBuk77z7c3LfpGwSSiPH1bGn1ca',
 *   '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWMcHyiT8oV8F7QWMQgNU87mcNUacxCwQPBdsLvi9gXPxF',
 * ];
 * ```
 */
export type VoterSpec = string | Multiaddr;

/**
 * Voter specs resolved into election ids and the addresses to dial.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys';
 * import { peerIdFromPrivateKey } from '@libp2p/peer-id';
 * import { type ResolvedVoters, resolveVoters } from '@baton/transport-libp2p';
 * // Ids as Baton derives them (from each node's key in its dataDir, see loadOrCreatePeerKey).
 * const [a, b] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
 * const { voters, addresses }: ResolvedVoters = resolveVoters([
 *   peerIdFromPrivateKey(a).toString(),
 *   `/ip4/10.0.0.2/tcp/4001/p2p/${peerIdFromPrivateKey(b).toString()}`,
 * ]);
 * console.log(voters.length, addresses.map(String)); // 2 ['/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW…']
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
 *   '/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWMPMattKf9oJvUPDeDLBuk77z7c3LfpGwSSiPH1bGn1ca',
 *   '/dns4/jobs-2.internal/tcp/4001/p2p/12D3KooWMcHyiT8oV8F7QWMQgNU87mcNUacxCwQPBdsLvi9gXPxF',
 *   '12D3KooWMmnLQ15XjwCXhbPoq6iY7midNp4D8T4yLbQB13GfPadZ', // found by mDNS
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

/** The components a dial address without a peer id may start with: an IP address or a DNS name. */
const HOST_COMPONENTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr']);

/**
 * Parses a multiaddr to dial. With `peer: 'required'` it must name its peer (`/p2p/<id>`); with `'optional'`
 * it may instead be a bare address (`/ip4/10.0.0.7/tcp/4001`, `/dns4/billing-headless/tcp/4001`), whose peer
 * is learnt when it answers, and must then start with an IP address or a DNS name.
 */
export function parseDialAddress(
  spec: string | Multiaddr,
  option: string,
  peer: 'required' | 'optional' = 'required',
): Multiaddr {
  let address: Multiaddr;
  try {
    address = isMultiaddr(spec) ? spec : multiaddr(spec);
  } catch (error) {
    throw new InvalidOptionError(option, spec, `not a multiaddr: ${(error as Error).message}`);
  }
  const id = peerIdOfAddress(address);
  if (id != null) {
    parsePeerId(id, option);
    return address;
  }
  if (peer === 'required') {
    throw new InvalidOptionError(option, address.toString(), 'must end in /p2p/<peer id>');
  }
  const first = address.getComponents()[0]?.name;
  if (first === undefined || !HOST_COMPONENTS.has(first)) {
    throw new InvalidOptionError(
      option,
      address.toString(),
      'must start with /ip4, /ip6, /dns, /dns4, /dns6 or /dnsaddr (or end in /p2p/<peer id>)',
    );
  }
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
