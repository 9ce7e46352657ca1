import type { ElectionMessage, Transport } from '@baton/core';
import { monoNow } from './mono.js';

/** What the tracker needs from the running election and from the log; given once Nest has built them. */
export interface LeaseSink {
  /**
   * The term this node holds a valid lease of `group` in right now, or `null` (`LeaderService#isLeader()` and
   * `term()`, or those of `group(name)`). `group` is `undefined` for the default election.
   */
  leadingTerm(group: string | undefined): number | null;
  /**
   * Writes the `lease` record: the lease of `group` in `term` may last until `leaseEndMono`. Must write at
   * once.
   */
  record(group: string | undefined, term: number, leaseEndMono: bigint): void;
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
const ROUNDS_KEPT = 64; // per election group

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
 * Each election group (the default one, `reports`) has its own terms, rounds and lease: everything above is
 * kept per group, the group named on the messages (absent for the default election).
 *
 * Not covered: the votes that elect a leader are its lease's first round. That lease is logged by the
 * `became-leader` record, after the fact; a process killed before that record has no window at all. With a
 * single voter there are no acknowledgements: its lease grows on its own timer, and no other node can lead.
 */
export class LeaseTracker {
  private readonly leaseNs: bigint;
  private readonly now: () => bigint;
  /** By group (`''`: the default election): `term/round` → when the round's first heartbeat went out. */
  private readonly roundSentAt = new Map<string, Map<string, bigint>>();
  private sink: LeaseSink | null = null;
  /** By group (`''`: the default election): the term and lease end last recorded. */
  private readonly recorded = new Map<string, { term: number; end: bigint }>();

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
            // Messages that arrived together (a BATCH frame): every record is written before the election
            // sees any of them.
            ...(handlers.onMessages === undefined
              ? {}
              : {
                  onMessages: (messages: readonly ElectionMessage[]) => {
                    for (const message of messages) this.beforeDelivery(message);
                    handlers.onMessages?.(messages);
                  },
                }),
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
      // Writes a candidate's vote requests before its save blocks the loop (see Transport.flush).
      ...(typeof transport.flush === 'function' ? { flush: transport.flush.bind(transport) } : {}),
    };
  }

  private beforeSend(message: ElectionMessage): void {
    if (message.type !== 'heartbeat') return;
    const group = message.group ?? '';
    let rounds = this.roundSentAt.get(group);
    if (rounds === undefined) {
      rounds = new Map();
      this.roundSentAt.set(group, rounds);
    }
    const key = `${message.term}/${message.round}`;
    if (rounds.has(key)) return; // the same round to the next follower
    rounds.set(key, this.now());
    if (rounds.size > ROUNDS_KEPT) rounds.delete(rounds.keys().next().value as string);
  }

  private beforeDelivery(message: ElectionMessage): void {
    const sink = this.sink;
    if (sink === null || message.type !== 'heartbeat-response' || !message.ok) return;
    // A round not seen going out is older than every round kept (or never existed): it started before now.
    const group = message.group ?? '';
    const rounds = this.roundSentAt.get(group);
    const sentAt = rounds?.get(`${message.term}/${message.round}`) ?? this.oldestSentAt(rounds);
    const end = sentAt + this.leaseNs;
    const last = this.recorded.get(group);
    if (last !== undefined && message.term === last.term && end <= last.end) return; // nothing new
    // Only a valid lease can be extended: a leader whose lease lapsed (say, while frozen) steps down at its
    // next input, this acknowledgement included, and a woken process must not log a lease it cannot have.
    if (sink.leadingTerm(message.group) !== message.term) return;
    this.recorded.set(group, { term: message.term, end });
    sink.record(message.group, message.term, end);
  }

  private oldestSentAt(rounds: Map<string, bigint> | undefined): bigint {
    const oldest = rounds?.values().next();
    return oldest === undefined || oldest.done ? this.now() : oldest.value;
  }
}
