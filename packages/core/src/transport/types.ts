import type { Configuration, DropReason, ElectionMessage, NodeId } from '../machine/types.js';

/**
 * What a transport reports to the runtime. Handlers are called synchronously from the transport's own
 * callbacks and must not throw; the runtime's handlers never do.
 *
 * @example
 * ```ts
 * import type { TransportHandlers } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const handlers: TransportHandlers = {
 *   onMessage: (message) => console.log('election message', message.type),
 *   onBroadcast: (from, payload) => console.log(from, new TextDecoder().decode(payload)),
 *   onPeerConnected: (peer) => console.log('connected', peer),
 *   onPeerDisconnected: (peer) => console.log('disconnected', peer),
 *   onDropped: (reason, detail) => console.warn('dropped', reason, detail),
 * };
 * const network = new MemoryNetwork();
 * for (const id of ['a', 'b']) await network.transport(id).start(handlers); // 'connected b', 'connected a'
 * ```
 */
export interface TransportHandlers {
  /** An election message for this node arrived (already decoded into a well-formed message). */
  onMessage(message: ElectionMessage): void;
  /**
   * Election messages for this node that arrived together (a transport that coalesces what a peer sent in
   * one step, such as every group's heartbeat of a round, into one frame). The runtime applies them in one
   * step: one save for all their changes, and their answers handed back to the transport together, where
   * they coalesce again. A transport without coalescing calls `onMessage` for each; one that has it and
   * finds this handler absent (an older runtime) must do the same.
   */
  onMessages?(messages: readonly ElectionMessage[]): void;
  /** An application payload sent with {@link Transport.broadcast} by `from` arrived. */
  onBroadcast(from: NodeId, payload: Uint8Array): void;
  /** A peer of this cluster became reachable. Reported once per connection, before any of its messages. */
  onPeerConnected(peer: NodeId): void;
  /** A peer of this cluster became unreachable. */
  onPeerDisconnected(peer: NodeId): void;
  /** The transport dropped an incoming frame before it reached the election; counted in `inspect()`. */
  onDropped?(reason: DropReason, detail: string): void;
}

/**
 * What the runtime tells a transport when it starts it.
 *
 * @example
 * ```ts
 * import type { TransportStartOptions } from '@baton/core';
 * const options: TransportStartOptions = { signal: AbortSignal.timeout(10_000), voters: ['a', 'b', 'c'] };
 * ```
 */
export interface TransportStartOptions {
  /** Aborts the start (the transport then closes what it opened). */
  readonly signal?: AbortSignal;
  /**
   * The election's voters (empty when the node has no voter configuration yet). A transport that
   * authenticates senders may trust claims about leadership (such as gossip announcements) from these only.
   */
  readonly voters?: readonly NodeId[];
  /** This node's voter configuration at start (version 0: it has none yet). */
  readonly configuration?: Configuration;
}

/**
 * How election runtimes reach each other. Delivery is unreliable: a message may be lost, duplicated,
 * delayed or reordered, and the election is safe under all of that. A transport must never deliver a
 * message whose `to` is another node, must never throw from `send`, and must report every peer that
 * disconnects.
 *
 * Every implementation runs the compliance suite `transportComplianceTests` of `@baton/core/testing`.
 *
 * @example
 * ```ts
 * import type { Transport, TransportHandlers } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const network = new MemoryNetwork();
 * const quiet: TransportHandlers = { onMessage() {}, onBroadcast() {}, onPeerConnected() {}, onPeerDisconnected() {} };
 * const a: Transport = network.transport('a');
 * const b: Transport = network.transport('b');
 * await a.start(quiet);
 * await b.start({ ...quiet, onMessage: (m) => console.log(`${m.to} got a ${m.type} from ${m.from}`) });
 * a.send({ type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 1, round: 1, configuration: { term: 0, version: 1 } }); // 'b got a heartbeat from a'
 * ```
 */
export interface Transport {
  /**
   * This node's id. Available once `start()` resolved (a libp2p transport derives it from its key).
   */
  readonly localId: NodeId;
  /** Starts listening and connecting; handlers receive everything from now on. Idempotent. */
  start(handlers: TransportHandlers, options?: TransportStartOptions): Promise<void>;
  /** Closes every connection; no handler is called after it resolves. Idempotent. */
  stop(): Promise<void>;
  /** Sends an election message to `message.to`; silently drops it when that peer cannot be reached. */
  send(message: ElectionMessage): void;
  /**
   * Hands what `send` queued to the network now, not at the end of the current task. The runtime calls it
   * right after the messages that may leave before their batch's state is saved (`Ready.early`: a campaign's
   * vote requests) and before it starts the save, so that they are written first whatever the store does: a
   * store whose `save` blocks the event loop as soon as it is called would otherwise hold them for as long as
   * its disk takes. Optional: a transport that writes each message as it is sent needs none.
   */
  flush?(): void;
  /**
   * Sends an application payload to every connected peer of the cluster, or only to `to` when given
   * (`BroadcastBootstrap` of the `leader` package of the ergo actor framework, Go, reaches the voters only;
   * see docs/design.md).
   */
  broadcast(payload: Uint8Array, options?: { to?: readonly NodeId[] }): void;
  /** The peers of this cluster currently connected. */
  peers(): readonly NodeId[];
  /**
   * This node's voter configuration changed (it adopted a newer one, or installed one as the leader): a
   * transport that trusts voters only (for leader announcements, say) updates its list, and one that tells
   * peers which configuration this node holds (so that a new node can tell a cluster exists) says the new
   * one. Optional.
   */
  configurationChanged?(configuration: Configuration): void;
}
