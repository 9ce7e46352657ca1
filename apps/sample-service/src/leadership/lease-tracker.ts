import type { ElectionMessage, Transport } from '@baton/core';
import { monoNow } from './mono.js';

/** What the tracker needs from the running election and from the log; given once Nest has built them. */
export interface LeaseSink {
  /** The term this node holds a valid lease in right now, or `null` (`LeaderService#isLeader()` and `term()`). */
  leadingTerm(): number | null;
  /** Writes the `lease` record: the lease of `term` may last until `leaseEndMono`. Must write at once. */
  record(term: number, leaseEndMono: bigint): void;
}

/** Options of {@link LeaseTracker}. */
export interface LeaseTrackerOptions {
  /** The election's lease duration (`resolveElectionOptions(...).options.leaseDuration`). */
  readonly leaseDuration: number;
  /**
   * The host's monotonic clock in nanoseconds.
   * @default `process.hrtime.bigint()`
   */
  readonly now?: () => bigint;
}

/** Heartbeat rounds whose send time is kept: 6.4 s at a 100 ms heartbeat, far more than a lease. */
const ROUNDS_KEPT = 64;

/**
 * Writes a lease-end record ahead of every acknowledgement that can extend this leader's lease, so that the
 * logged lease end is never earlier than the true one, even for a process killed or frozen at any instant.
 *
 * Baton's leader extends its lease when a majority acknowledged a heartbeat round, to the round's start plus
 * the lease duration; it does so inside the runtime's synchronous step for the acknowledgement. The tracker
 * sits between the transport and the runtime: it notes when each heartbeat round first went out (at or after
 * the round's start), and before handing an acknowledgement of round r to the runtime it writes
 * `sent(r) + lease`. Whatever that acknowledgement confirms is round r or an earlier one (a majority's
 * k-th highest acknowledged round can only become r), so the record bounds the lease that follows it. With
 * three voters the first acknowledgement of a round is the one that confirms it, and the bound is exact up to
 * the send delay. Cost: one JSON line per heartbeat round (10 per second at a 100 ms heartbeat) and one
 * `isLeader()` call; the second acknowledgement of a round writes nothing.
 *
 * The service's sink writes with `process.stdout.write`, which hands a line on a pipe to the kernel at once
 * unless the pipe is full (Node then queues it, and a SIGKILL would lose it): the reader must keep up.
 *
 * Not covered: the votes that elect a leader are its lease's first round. That lease is logged by the
 * `became-leader` record, after the fact; a process killed before that record has no window at all. With a
 * single voter there are no acknowledgements: its lease grows on its own timer, and no other node can lead.
 */
export class LeaseTracker {
  private readonly leaseNs: bigint;
  private readonly now: () => bigint;
  /** `term/round` → when the round's first heartbeat went out. */
  private readonly roundSentAt = new Map<string, bigint>();
  private sink: LeaseSink | null = null;
  private recordedTerm = 0;
  private recordedEnd = 0n;

  constructor(options: LeaseTrackerOptions) {
    this.leaseNs = BigInt(Math.ceil(options.leaseDuration * 1e6));
    this.now = options.now ?? monoNow;
  }

  /** Connects the election and the log (until then acknowledgements pass through unrecorded). */
  attach(sink: LeaseSink): void {
    this.sink = sink;
  }

  /** The transport as the election sees it: the same, with heartbeats and acknowledgements observed. */
  wrap(transport: Transport & { discoverVoters?: (...args: never[]) => unknown }): Transport {
    return {
      // Kept when the transport has it (libp2p's): LeaderModule calls it to find the voters.
      ...(typeof transport.discoverVoters === 'function'
        ? { discoverVoters: transport.discoverVoters.bind(transport) }
        : {}),
      get localId() {
        return transport.localId;
      },
      start: (handlers, options) =>
        transport.start(
          {
            ...handlers,
            onMessage: (message) => {
              this.beforeDelivery(message);
              handlers.onMessage(message);
            },
          },
          options,
        ),
      stop: () => transport.stop(),
      send: (message) => {
        this.beforeSend(message);
        transport.send(message);
      },
      broadcast: (payload, options) => transport.broadcast(payload, options),
      peers: () => transport.peers(),
      // The transport tells peers (HELLO) which configuration this node holds: without it, a node promoted
      // after it started would tell newcomers it holds none, and they would try to form a cluster.
      ...(typeof transport.configurationChanged === 'function'
        ? { configurationChanged: transport.configurationChanged.bind(transport) }
        : {}),
    };
  }

  private beforeSend(message: ElectionMessage): void {
    if (message.type !== 'heartbeat') return;
    const key = `${message.term}/${message.round}`;
    if (this.roundSentAt.has(key)) return; // the same round to the next follower
    this.roundSentAt.set(key, this.now());
    if (this.roundSentAt.size > ROUNDS_KEPT) {
      this.roundSentAt.delete(this.roundSentAt.keys().next().value as string);
    }
  }

  private beforeDelivery(message: ElectionMessage): void {
    const sink = this.sink;
    if (sink === null || message.type !== 'heartbeat-response' || !message.ok) return;
    // A round not seen going out is older than every round kept (or never existed): it started before now.
    const sentAt = this.roundSentAt.get(`${message.term}/${message.round}`) ?? this.oldestSentAt();
    const end = sentAt + this.leaseNs;
    if (message.term === this.recordedTerm && end <= this.recordedEnd) return; // nothing new
    // Only a valid lease can be extended: a leader whose lease lapsed (say, while frozen) steps down at its
    // next input, this acknowledgement included, and a woken process must not log a lease it cannot have.
    if (sink.leadingTerm() !== message.term) return;
    this.recordedTerm = message.term;
    this.recordedEnd = end;
    sink.record(message.term, end);
  }

  private oldestSentAt(): bigint {
    const oldest = this.roundSentAt.values().next();
    return oldest.done ? this.now() : oldest.value;
  }
}
