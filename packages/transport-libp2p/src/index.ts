/**
 * `@baton/transport-libp2p`: Baton's election over libp2p. Peers found by bootstrap addresses (with or
 * without a peer id, DNS names resolved and refreshed) and mDNS,
 * election messages on one long-lived stream per peer, broadcasts and leader announcements by gossipsub,
 * private networks with a pre-shared key.
 *
 * The wire format (`src/protocol/frames.proto`) is documented; its codec and framing are internal.
 *
 * @packageDocumentation
 */
export type { DialErrorKind } from './dial-errors.js';
export {
  ExpectMismatchError,
  FormationConflictError,
  PeerKeyError,
  TransportNotOpenError,
  VotersFileError,
} from './errors.js';
export { loadOrCreatePeerKey, PEER_KEY_FILE } from './identity.js';
export { GOSSIP_ENVELOPE_MARGIN } from './node.js';
export { type DnsResolver, type Libp2pTransportOptions, TRANSPORT_DEFAULTS } from './options.js';
export { ensurePromiseWithResolvers } from './polyfill.js';
export { createSwarmKey, loadPreSharedKey } from './psk.js';
export { type Libp2pTransport, libp2pTransport } from './transport.js';
export type {
  AddressDiagnostic,
  DialSource,
  DiscoverVotersOptions,
  LeaderAnnouncement,
  Libp2pTransportStats,
  TransportDiagnostics,
  VoterDiscovery,
} from './types.js';
export { type ResolvedVoters, resolveVoters, type VoterSpec } from './voters.js';
