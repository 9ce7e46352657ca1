import type { NodeId } from '@baton/core';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { TransportContext } from './context.js';
import type { DialStatus } from './dial-status.js';
import type { Links } from './links.js';
import type { Membership } from './membership.js';
import { Redialer } from './redialer.js';

const P2P_CODE = 421;
const FAMILY: Readonly<Record<string, 0 | 4 | 6>> = { dns: 0, dns4: 4, dns6: 6 };

/** A DNS name of `bootstrap` (`/dns4/billing-headless/tcp/4001`): resolved now and every refresh. */
interface NameEntry {
  /** The bootstrap address as written: the key of its lookups. */
  readonly key: string;
  readonly host: string;
  readonly family: 0 | 4 | 6;
  /** What follows the name (`/tcp/4001`): appended to every address of the answer. */
  readonly rest: string;
}

/** An address to keep dialled: a bootstrap address without a peer id, or one a name resolved to. */
interface Target {
  readonly key: string;
  readonly address: Multiaddr;
  /** Written in `bootstrap` itself (never dropped), rather than found in a DNS answer. */
  readonly fixed: boolean;
  /** The names whose latest answer lists it. */
  readonly names: Set<string>;
  /** The peer that answered there last. */
  peer: NodeId | null;
  /** It is this node's own address: never dialled. */
  self: boolean;
}

/**
 * The `bootstrap` addresses that do not name their peer (`/ip4/10.0.0.7/tcp/4001`,
 * `/dns4/billing-headless/tcp/4001`). DNS names are resolved here (every address of the answer, through
 * `resolveDns`) and again every `bootstrapRefreshInterval`; each address is dialled, the peer that answers is
 * learnt from the handshake and becomes a known member, and the address is redialled with the
 * {@link Redialer}'s backoff, for ever, whenever that peer is not connected. An address that leaves a DNS
 * answer is no longer dialled. This node's own address (a headless Service lists every replica) is skipped.
 */
export class BootstrapAddresses {
  private readonly names: readonly NameEntry[];
  private readonly targets = new Map<string, Target>();
  private readonly dials: Redialer;
  private readonly lookups: Redialer;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly context: Pick<
      TransportContext,
      'options' | 'log' | 'running' | 'node' | 'id' | 'ended' | 'dialSignal'
    >,
    private readonly membership: Pick<Membership, 'addMember'>,
    private readonly status: Pick<DialStatus, 'attempt' | 'succeeded' | 'failed' | 'remove'>,
    private readonly links: Pick<Links, 'wants'>,
  ) {
    const { options, log } = context;
    this.names = options.bootstrapAddresses.flatMap((address) => {
      const [first] = address.getComponents();
      if (first === undefined || !Object.hasOwn(FAMILY, first.name) || first.value === undefined) return [];
      const key = address.toString();
      return [
        {
          key,
          host: first.value,
          family: FAMILY[first.name] as 0 | 4 | 6,
          rest: key.slice(`/${first.name}/${first.value}`.length),
        },
      ];
    });
    const active = () => this.context.running;
    const maxDelay = options.maxRedialDelay;
    this.dials = new Redialer({
      redial: (key) => this.dial(key),
      active,
      failed: (key, error) => this.dialFailed(key, error),
      maxAttempts: (key) => {
        const target = this.targets.get(key);
        return target === undefined || target.self ? 0 : Number.POSITIVE_INFINITY;
      },
      gaveUp: () => {},
      maxDelay,
    });
    this.lookups = new Redialer({
      redial: (key) => this.lookup(key),
      active,
      failed: (key, error) => {
        if (this.context.ended) return;
        this.status.failed(key, error, 'dns');
        log.debug('a bootstrap DNS name did not resolve', { address: key, error });
      },
      maxAttempts: () => Number.POSITIVE_INFINITY,
      gaveUp: () => {},
      maxDelay,
    });
  }

  /** Addresses (and names) being dialled (looked up) again now. */
  get pending(): number {
    return this.dials.size + this.lookups.size;
  }

  /** Dials the fixed addresses and resolves the names now, then every `bootstrapRefreshInterval`. */
  start(): void {
    for (const address of this.context.options.bootstrapAddresses) {
      const key = address.toString();
      if (this.names.some((name) => name.key === key)) continue;
      this.addTarget(key, address, null);
    }
    this.refresh();
  }

  /** The last connection to `peer` closed: the addresses it answered at are dialled again. */
  disconnected(peer: NodeId): void {
    if (!this.context.running) return;
    for (const target of this.targets.values()) {
      if (target.peer === peer && !target.self && this.links.wants(peer)) this.dials.schedule(target.key, 1);
    }
  }

  /** Stops every dial, lookup and refresh, and forgets the addresses (the transport stops). */
  stop(): void {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.dials.clear();
    this.lookups.clear();
    this.targets.clear();
  }

  /** Resolves every name again, redials every address whose peer is gone, and schedules the next refresh. */
  private refresh(): void {
    this.refreshTimer = null;
    const { node } = this.context;
    if (!this.context.running || node === null) return;
    for (const name of this.names) this.lookups.schedule(name.key, 0);
    for (const target of this.targets.values()) {
      if (target.self) continue;
      if (target.peer === null || node.getConnections(peerIdFromString(target.peer)).length === 0) {
        this.dials.schedule(target.key, 0);
      }
    }
    if (this.names.length === 0 && this.targets.size === 0) return;
    this.refreshTimer = setTimeout(() => this.refresh(), this.context.options.bootstrapRefreshInterval);
    this.refreshTimer.unref?.();
  }

  /** One lookup of a name: its answer replaces the addresses it gave before; throws when it fails. */
  private async lookup(key: string): Promise<'done'> {
    const name = this.names.find((entry) => entry.key === key);
    if (name === undefined || this.context.ended) return 'done';
    this.status.attempt(key, 'bootstrap');
    // Bounded like a dial: a resolver that never answers must not stall the refreshes of this name.
    const answer = await untilAborted(
      this.context.options.resolveDns(name.host, name.family),
      this.context.dialSignal(),
    );
    if (this.context.ended) return 'done';
    const addresses = new Map<string, Multiaddr>();
    for (const ip of Array.isArray(answer) ? answer : []) {
      try {
        const address = multiaddr(`/${String(ip).includes(':') ? 'ip6' : 'ip4'}/${ip}${name.rest}`);
        addresses.set(address.toString(), address);
      } catch {
        this.context.log.debug('a DNS answer holds something that is not an IP address', {
          address: key,
          ip,
        });
      }
    }
    if (addresses.size === 0) throw new Error(`${name.host} resolved to no usable address`);
    this.status.succeeded(key, null, [...addresses.keys()]);
    for (const target of this.targets.values()) {
      if (target.names.has(key) && !addresses.has(target.key)) this.dropName(target, key);
    }
    for (const [address, multi] of addresses) this.addTarget(address, multi, key);
    return 'done';
  }

  /** Keeps `address` dialled (found in the answer for `name`, or fixed when `name` is null). */
  private addTarget(key: string, address: Multiaddr, name: string | null): void {
    const existing = this.targets.get(key);
    if (existing !== undefined) {
      if (name !== null) existing.names.add(name);
      return;
    }
    const target: Target = {
      key,
      address,
      fixed: name === null,
      names: new Set(name === null ? [] : [name]),
      peer: null,
      self: false,
    };
    this.targets.set(key, target);
    this.dials.schedule(key, 0);
  }

  /** `name` no longer lists `target`: it is forgotten once no name lists it (a fixed address stays). */
  private dropName(target: Target, name: string): void {
    target.names.delete(name);
    if (target.fixed || target.names.size > 0) return;
    this.targets.delete(target.key);
    this.dials.cancel(target.key);
    this.status.remove(target.key);
    this.context.log.debug('an address left the DNS answer: no longer dialled', {
      address: target.key,
      name,
    });
  }

  /** One dial of an address: nothing to do when its peer is connected; throws when the dial fails. */
  private async dial(key: string): Promise<'done' | 'dialled'> {
    const target = this.targets.get(key);
    const { node } = this.context;
    if (target === undefined || target.self || node === null || this.context.ended) return 'done';
    if (target.peer !== null && node.getConnections(peerIdFromString(target.peer)).length > 0) return 'done';
    // The address belongs to another observer, which an observer does not need (see links.ts): an address
    // not dialled yet, or one whose holder may have changed, is dialled.
    if (target.peer !== null && !this.links.wants(target.peer)) return 'done';
    const own = node.getMultiaddrs().some((mine) => mine.decapsulateCode(P2P_CODE).equals(target.address));
    if (own) {
      this.learnt(target, node.peerId.toString());
      return 'done';
    }
    const holder = await this.connectedHolder(target.address);
    if (holder !== null) {
      this.learnt(target, holder);
      return 'done';
    }
    this.status.attempt(key, target.fixed ? 'bootstrap' : 'dns', target.peer);
    const connection = await node.dial(target.address, { signal: this.context.dialSignal() });
    this.learnt(target, connection.remotePeer.toString());
    return 'dialled';
  }

  /**
   * A peer connected now that is reached at `address` (an outbound connection to it) or says it listens there
   * (identify): dialling it again would open a second connection.
   */
  private async connectedHolder(address: Multiaddr): Promise<NodeId | null> {
    const { node } = this.context;
    if (node === null) return null;
    const connections = node.getConnections();
    for (const connection of connections) {
      if (connection.remoteAddr.decapsulateCode(P2P_CODE).equals(address))
        return connection.remotePeer.toString();
    }
    for (const peer of new Set(connections.map((connection) => connection.remotePeer))) {
      const record = await node.peerStore.get(peer).catch(() => null);
      if (record?.addresses.some(({ multiaddr: known }) => known.decapsulateCode(P2P_CODE).equals(address))) {
        return peer.toString();
      }
    }
    return null;
  }

  /** `peer` answered at `target`: a known member from now on (or this node itself: never dialled again). */
  private learnt(target: Target, peer: NodeId): void {
    if (peer === this.context.id) {
      target.self = true;
      target.peer = peer;
      this.status.attempt(target.key, target.fixed ? 'bootstrap' : 'dns', peer);
      this.status.failed(target.key, new Error('this node’s own address'), 'self');
      this.dials.cancel(target.key);
      return;
    }
    if (target.peer !== peer) {
      this.context.log.debug('learnt the peer at a bootstrap address', { address: target.key, peer });
    }
    target.peer = peer;
    this.membership.addMember(peer);
    this.status.succeeded(target.key, peer);
  }

  private dialFailed(key: string, error: unknown): void {
    if (this.context.ended) return;
    const kind = this.status.failed(key, error);
    const target = this.targets.get(key);
    if (kind === 'self' && target !== undefined) {
      target.self = true;
      target.peer = this.context.id;
    }
    this.context.log.debug('dialling a bootstrap address failed', { address: key, error: kind });
  }
}

/** `promise`, or a rejection with the signal's reason once `signal` aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
