import type { DropReason, ElectionLogger, ElectionMessage, NodeId, TransportHandlers } from '@baton/core';
import type { TransportCounters } from './counters.js';

/**
 * What the transport reports to the election, through the handlers `start()` was given: messages,
 * broadcasts, peers joining and leaving, dropped frames. Nothing is reported before `start()` or after
 * `stop()`. A handler that throws is logged and the transport goes on: nothing a peer sends can throw out
 * of the transport.
 */
export class Delivery {
  private handlers: TransportHandlers | null = null;

  constructor(
    private readonly log: ElectionLogger,
    private readonly counters: TransportCounters,
  ) {}

  /** Whether handlers are attached (between `start()` and `stop()`). */
  get attached(): boolean {
    return this.handlers !== null;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  detach(): void {
    this.handlers = null;
  }

  message(message: ElectionMessage): void {
    const handlers = this.handlers;
    if (handlers) this.call(() => handlers.onMessage(message));
  }

  /**
   * Election messages that arrived in one frame (a BATCH): to `onMessages` in one call where the handlers
   * have it (the election applies them in one step), one by one to `onMessage` otherwise.
   */
  messages(messages: readonly ElectionMessage[]): void {
    const handlers = this.handlers;
    if (handlers === null) return;
    if (handlers.onMessages) {
      this.call(() => handlers.onMessages?.(messages));
      return;
    }
    for (const message of messages) this.call(() => handlers.onMessage(message));
  }

  broadcast(from: NodeId, payload: Uint8Array): void {
    const handlers = this.handlers;
    if (handlers) this.call(() => handlers.onBroadcast(from, payload));
  }

  peerConnected(peer: NodeId): void {
    const handlers = this.handlers;
    if (handlers) this.call(() => handlers.onPeerConnected(peer));
  }

  peerDisconnected(peer: NodeId): void {
    const handlers = this.handlers;
    if (handlers) this.call(() => handlers.onPeerDisconnected(peer));
  }

  /** An incoming frame or gossip message was dropped: counted, traced, and reported to `onDropped`. */
  dropped(reason: DropReason, detail: string): void {
    this.counters.dropped(reason);
    this.log.debug('dropped a frame', { reason, detail });
    const handlers = this.handlers;
    if (handlers?.onDropped) this.call(() => handlers.onDropped?.(reason, detail));
  }

  /** Runs a handler (or a listener); what it throws is logged, not propagated. */
  call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log.error('a transport handler threw', { error });
    }
  }
}
