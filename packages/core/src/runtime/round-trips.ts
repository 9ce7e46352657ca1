import { channel } from 'node:diagnostics_channel';
import type { ElectionMessage, NodeId } from '../machine/types.js';

/**
 * The name of the `node:diagnostics_channel` on which a leading `LeaderElection` publishes one
 * {@link HeartbeatRoundTrip} per acknowledgement of its heartbeats. Nothing is measured while the channel
 * has no subscriber. `@baton/core/metrics` subscribes to it for its round-trip histogram; anything else
 * (an OpenTelemetry instrumentation, a test) may too.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { HEARTBEAT_ROUND_TRIP_CHANNEL, type HeartbeatRoundTrip } from '@baton/core';
 * subscribe(HEARTBEAT_ROUND_TRIP_CHANNEL, (message) => {
 *   const { clusterId, peer, duration } = message as HeartbeatRoundTrip;
 *   console.log(`${clusterId}: ${peer} acknowledged after ${duration.toFixed(2)} ms`);
 * });
 * ```
 */
export const HEARTBEAT_ROUND_TRIP_CHANNEL = 'baton:heartbeat-round-trip';

/**
 * One heartbeat round trip, as published on {@link HEARTBEAT_ROUND_TRIP_CHANNEL}: from the moment the leader
 * handed its heartbeat of `round` to the transport to the moment `peer`'s acknowledgement reached the
 * election. It includes the time the acknowledgement waited in the follower's save (a follower persists
 * before it answers) and in both event loops.
 *
 * @example
 * ```ts
 * import type { HeartbeatRoundTrip } from '@baton/core';
 * const sample: HeartbeatRoundTrip = {
 *   election: {}, clusterId: 'jobs', peer: 'node-b', term: 3, round: 12, duration: 0.8,
 * };
 * console.log(sample.duration / 1_000); // seconds, as Prometheus wants them
 * ```
 */
export interface HeartbeatRoundTrip {
  /** The `LeaderElection` that measured it (to tell several elections of one process apart). */
  readonly election: object;
  readonly clusterId: string;
  /** The follower (or observer) that acknowledged. */
  readonly peer: NodeId;
  readonly term: number;
  readonly round: number;
  /** Milliseconds from sending the heartbeat to receiving its acknowledgement. */
  readonly duration: number;
}

const roundTripChannel = channel(HEARTBEAT_ROUND_TRIP_CHANNEL);

/** Rounds remembered: acknowledgements later than this many rounds are not measured. */
const ROUNDS_KEPT = 16;

interface SentRound {
  readonly term: number;
  readonly at: number;
  /** Peers whose acknowledgement was measured already: a duplicated one is not measured twice. */
  readonly acked: Set<NodeId>;
}

/**
 * Times the leader's heartbeat rounds from the runtime's side, so that the state machine stays pure: the
 * runtime notes when it sends a heartbeat and when an acknowledgement of the same term and round arrives,
 * and publishes the difference. Costs nothing while nobody subscribes to the channel.
 */
export class HeartbeatRoundTrips {
  private readonly rounds = new Map<number, SentRound>();

  constructor(
    private readonly election: object,
    private readonly clusterId: string,
    private readonly now: () => number,
  ) {}

  /** The runtime hands `message` to the transport now. */
  sent(message: ElectionMessage): void {
    if (!roundTripChannel.hasSubscribers || message.type !== 'heartbeat') return;
    const at = this.now();
    const known = this.rounds.get(message.round);
    if (known !== undefined && known.term === message.term) return; // the same round, to another peer
    this.rounds.delete(message.round); // a round number of an older term: re-inserted as the newest
    this.rounds.set(message.round, { term: message.term, at, acked: new Set() });
    if (this.rounds.size > ROUNDS_KEPT) {
      const oldest = this.rounds.keys().next().value as number;
      this.rounds.delete(oldest);
    }
  }

  /** `message` reaches the election now. */
  received(message: ElectionMessage): void {
    if (!roundTripChannel.hasSubscribers || message.type !== 'heartbeat-response') return;
    const round = this.rounds.get(message.round);
    if (round === undefined || round.term !== message.term || round.acked.has(message.from)) return;
    round.acked.add(message.from);
    const sample: HeartbeatRoundTrip = {
      election: this.election,
      clusterId: this.clusterId,
      peer: message.from,
      term: message.term,
      round: message.round,
      duration: this.now() - round.at,
    };
    roundTripChannel.publish(sample);
  }
}
