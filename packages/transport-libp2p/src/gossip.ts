import type { DropReason } from '@baton/core';
import {
  type GossipSub,
  type Message,
  type SubscriptionChangeData,
  TopicValidatorResult,
} from '@libp2p/gossipsub';
import { decodeGossip } from './gossip-codec.js';

/** What a {@link GossipChannel} needs from the transport. */
export interface GossipHost {
  readonly clusterId: string;
  readonly maxFrameSize: number;
  /** Whether `peer` is a member of the cluster this node knows of. */
  isMember(peer: string): boolean;
  /**
   * Whether a leader announcement from `peer` counts: `'not-a-voter'` when the voters are known and `peer` is
   * not one, `'not-a-member'` when they are not known and `peer` is not a known member.
   */
  mayAnnounce(peer: string): 'yes' | 'not-a-voter' | 'not-a-member';
  broadcastReceived(from: string, payload: Uint8Array, seq: number): void;
  leaderAnnounced(leader: string, term: number): void;
  /** `peer` subscribed to the cluster's topic. */
  subscribed(peer: string): void;
  drop(reason: DropReason, detail: string): void;
}

/**
 * The cluster's gossipsub topic. Every message is validated before gossipsub delivers or forwards it:
 * signed, decodable, for this cluster, within `maxFrameSize`, from a known member; a leader announcement,
 * from a voter when the voters are known. Invalid messages are rejected (which lowers the forwarding peer's
 * gossipsub score); messages from unknown senders, and announcements from peers that are not voters, are
 * ignored (dropped here, not forwarded; the forwarder may not know the voters, so it is not penalised).
 */
export class GossipChannel {
  private started = false;

  constructor(
    readonly pubsub: GossipSub,
    readonly topic: string,
    private readonly host: GossipHost,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.pubsub.topicValidators.set(this.topic, this.validate);
    this.pubsub.addEventListener('message', this.onMessage);
    this.pubsub.addEventListener('subscription-change', this.onSubscriptionChange);
    this.pubsub.subscribe(this.topic);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.pubsub.removeEventListener('message', this.onMessage);
    this.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange);
    if (this.pubsub.topicValidators.get(this.topic) === this.validate)
      this.pubsub.topicValidators.delete(this.topic);
    try {
      this.pubsub.unsubscribe(this.topic);
    } catch {
      // the node may already be stopping
    }
  }

  /** Publishes; resolves to the peers it was sent to directly (none when publishing failed). */
  async publish(data: Uint8Array): Promise<readonly string[]> {
    if (!this.started) return [];
    try {
      const result = await this.pubsub.publish(this.topic, data);
      return result.recipients.map((peer) => peer.toString());
    } catch {
      // NoPeersSubscribedToTopic on a user's node without allowPublishToZeroTopicPeers, or a stopping node.
      return [];
    }
  }

  /** Peers currently subscribed to the topic. */
  subscribers(): readonly string[] {
    if (!this.started) return [];
    return this.pubsub.getSubscribers(this.topic).map((peer) => peer.toString());
  }

  private readonly validate = (_propagationSource: unknown, message: Message): TopicValidatorResult => {
    if (message.type !== 'signed') {
      this.host.drop('invalid', 'unsigned gossip message');
      return TopicValidatorResult.Reject;
    }
    const verdict = decodeGossip(message.data, {
      clusterId: this.host.clusterId,
      maxSize: this.host.maxFrameSize,
    });
    if (verdict.kind === 'dropped') {
      this.host.drop(verdict.reason, `${verdict.detail} (gossip from ${message.from.toString()})`);
      return TopicValidatorResult.Reject;
    }
    const from = message.from.toString();
    if (verdict.kind === 'leader-announcement') {
      const may = this.host.mayAnnounce(from);
      if (may === 'not-a-voter') {
        this.host.drop(
          'not-a-voter',
          `leader announcement of term ${verdict.term} from ${from}, not a voter`,
        );
        return TopicValidatorResult.Ignore;
      }
      if (may === 'not-a-member') {
        this.host.drop('unexpected', `gossip from ${from}, not a known member`);
        return TopicValidatorResult.Ignore;
      }
      return TopicValidatorResult.Accept;
    }
    if (!this.host.isMember(from)) {
      this.host.drop('unexpected', `gossip from ${from}, not a known member`);
      return TopicValidatorResult.Ignore;
    }
    return TopicValidatorResult.Accept;
  };

  private readonly onSubscriptionChange = (event: CustomEvent<SubscriptionChangeData>): void => {
    const { peerId, subscriptions } = event.detail;
    if (subscriptions.some((s) => s.topic === this.topic && s.subscribe))
      this.host.subscribed(peerId.toString());
  };

  private readonly onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail;
    if (message.topic !== this.topic || message.type !== 'signed') return;
    const verdict = decodeGossip(message.data, {
      clusterId: this.host.clusterId,
      maxSize: this.host.maxFrameSize,
    });
    const from = message.from.toString();
    if (verdict.kind === 'broadcast') this.host.broadcastReceived(from, verdict.payload, verdict.seq);
    else if (verdict.kind === 'leader-announcement') this.host.leaderAnnounced(from, verdict.term);
  };
}
