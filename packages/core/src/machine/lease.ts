import { majority, quorumRound } from './quorum.js';
import type { NodeId } from './types.js';

/**
 * Heartbeat intervals during which a node's rounds ask every voter after one of its rounds was not confirmed
 * by the time the next one started (10 s at the default heartbeat interval; see `LeaderLease.quietFor`).
 */
export const ASK_ALL_ROUNDS = 200;

const NOBODY: ReadonlySet<NodeId> = new Set();

/**
 * The leader's lease, driven by acknowledged heartbeat rounds.
 *
 * Why no other node can become leader before the lease ends (Raft thesis 6.4.1, with check-quorum):
 *
 * 1. The leader starts heartbeat round r at time s_r on its own clock and sends it only after s_r. A follower
 *    that accepts the heartbeat sets `stickyUntil = receipt + electionTimeoutMin` on its clock, and its
 *    election timer to at least that. Until then it refuses every vote and pre-vote request that is not a
 *    leadership transfer, and it does not campaign. A node that restarts is sticky for `electionTimeoutMin`
 *    after it starts, so a crash cannot make it forget that promise. The election itself is the first
 *    round: it starts when the candidate sends its vote requests (the time the runtime reports with
 *    `ElectionMachine.campaignSent`, read before the first request is handed to the transport; without a
 *    report, the moment the campaign was decided, which is earlier), and a voter that grants its vote makes
 *    the same promise as one that accepts a heartbeat, so the votes that elect a leader start its lease.
 * 2. When a strict majority M of the voters (the leader included) has acknowledged round r, every member of
 *    M made that promise at some real instant after s_r. Any election in a later term needs a vote from a
 *    member of M (two majorities of one voter set intersect), so no election can complete before every
 *    member of M has seen `electionTimeoutMin` pass on its own clock since its receipt.
 * 3. Every clock runs at a rate within [1 − ρ, 1 + ρ] of real time (ρ = `clockDriftBound`). A member of M
 *    waits `electionTimeoutMin` on its own clock: at least `electionTimeoutMin / (1 + ρ)` of real time. A lease
 *    of `L` on the leader's clock spans at most `L / (1 − ρ)` of real time. With
 *    `L = electionTimeoutMin × (1 − ρ) / (1 + ρ)` that is `electionTimeoutMin / (1 + ρ)`: the lease `s_r + L`
 *    ends no later than the first instant a member of M can vote for another candidate.
 * 4. The only requests a sticky follower grants are transfer campaigns, which a leader starts only after it
 *    has given up its lease (see `ElectionMachine.transferLeadership`), and which are tied to the term of that
 *    leader, so a stale one cannot bypass a later leader's lease.
 * 5. Membership changes (see `membership.ts` for why configurations stay safe). Step 2 needs "any election in
 *    a later term needs a vote from a member of M": an election counts votes against the candidate's own
 *    configuration, so M must intersect a majority of every configuration a later candidate could win with.
 *    While the leader's configuration is done (held by a majority of its voters in the leader's term), the
 *    only configurations that can still elect are it and newer ones built from it, and `membership.ts`
 *    shows that majorities of those all intersect a majority of it: M, a majority of the leader's voters,
 *    is enough. While a change from `old` to `new` is in progress, a later candidate may hold either, so
 *    the lease counts a round only once it is acknowledged by a majority of `old` AND a majority of `new`
 *    (`voterSets` holds both): M then intersects a majority of each, whichever the candidate holds. With
 *    one voter in or out per change a majority of either set would do (every majority of one meets every
 *    majority of the other); requiring both makes the argument independent of that overlap, so it also
 *    holds for a configuration forced by the unsafe recovery. A lease confirmed before the change started
 *    keeps its end: it was confirmed by a majority of `old`, whose members are sticky, and every majority of
 *    `new` meets them.
 *
 * What this does not cover, and the runtime does: a process paused longer than the margin. The machine answers
 * `isLeader(now)` from the time it is given, so a runtime that reads the clock when asked never reports a lapsed
 * lease as held; a leader whose deadline has passed steps down at its next input, whatever the input; and the
 * runtime also ends leadership after an event-loop stall longer than `maxEventLoopStall`.
 */
export class LeaderLease {
  private round = 0;
  /** Per voter, the last round that asked it to acknowledge (see {@link quietFor}). */
  private readonly askedIn = new Map<NodeId, number>();
  private readonly roundStarts = new Map<number, number>();
  private readonly acked = new Map<NodeId, number>();
  /** End of the lease on the leader's clock; `-Infinity` until a majority acknowledged a round. */
  private end = Number.NEGATIVE_INFINITY;
  /** The highest round a majority acknowledged (0: none). */
  private confirmed = 0;

  /** The voter sets a round needs a majority of: one, or two while a membership change is in progress. */
  private sets: readonly (readonly NodeId[])[];

  constructor(
    private readonly self: NodeId,
    voters: readonly NodeId[],
    private readonly duration: number,
  ) {
    this.sets = [voters];
  }

  /**
   * Changes the voter sets whose majorities confirm a round (both the old and the new voters while a change
   * is in progress, the new ones once it is done). A lease already confirmed keeps its end (step 5).
   */
  setVoterSets(sets: readonly (readonly NodeId[])[]): void {
    this.sets = sets;
    this.recompute();
  }

  /**
   * Counts only rounds started from now on, against `voters` (an election group's leader adopted a new
   * configuration: rule G4 of `membership.ts`). A lease already confirmed keeps its end; acknowledgements of
   * earlier rounds no longer confirm anything.
   */
  restartRounds(voters: readonly NodeId[]): void {
    this.sets = [voters];
    this.acked.clear();
    this.roundStarts.clear();
    this.askedIn.clear();
  }

  /** Starts a new heartbeat round at `now` and returns its number. The leader acknowledges it at once. */
  startRound(now: number): number {
    this.round += 1;
    this.roundStarts.set(this.round, now);
    this.acknowledge(this.self, this.round);
    return this.round;
  }

  /**
   * The voters that round `round`, just started, need not ask to acknowledge: the leader still sends them
   * its heartbeat (it keeps them following and sticky) but marks it quiet, and a quiet heartbeat is
   * answered only by a voter with something to say (that it is leaving). Every other voter is asked.
   *
   * Which voters are asked: a strict majority of every voter set, counting the leader, chosen among the
   * voters that answered the last round that asked them, the least recently asked first (so in a 5-voter
   * cluster two followers answer one round and the other two the next); plus every voter that has not
   * answered the last round that asked it, or was never asked (it answers as soon as it can, and is then
   * counted again). A voter that said it is leaving (`leaving`) is asked too and never chosen: a leader
   * that just took over from one by a transfer must not count on it. Every voter is asked when there are
   * too few that answered. The leader asks every voter
   * ({@link askAll}) for {@link ASK_ALL_ROUNDS} heartbeat intervals after a round of any of its leases was
   * not confirmed by the time the next one started ({@link unconfirmedBefore}: a chosen voter did not answer
   * in time), in this term and the next ones: then any majority confirms a round, as without quiet
   * heartbeats. A node whose peers answer late (a CPU limit throttling them) thus stops choosing after its
   * first miss, rather than losing a round's slack again and again.
   *
   * Why this cannot extend a lease wrongly: the lease counts acknowledgements only (`acknowledge`), never a
   * voter that was not asked, so a quiet heartbeat that goes unanswered is exactly a lost acknowledgement,
   * which steps 1-5 above already allow. What it costs: a round confirmed by the chosen majority alone has
   * no spare, so a chosen voter that stops answering costs one round (the lease then has one heartbeat
   * interval less of slack until the next round, which asks every voter, is confirmed). What it buys: in an
   * idle 5-voter cluster the followers send half the acknowledgements, and the leader receives half.
   */
  quietFor(round: number, leaving: ReadonlySet<NodeId> = NOBODY): ReadonlySet<NodeId> {
    if (round !== this.round) return NOBODY;
    const others = this.others();
    const askAll = (): ReadonlySet<NodeId> => {
      this.askAll(round);
      return NOBODY;
    };
    // A voter that said it is leaving is asked, never chosen: it may be gone before it answers.
    const answered = (voter: NodeId) => this.answered(voter) && !leaving.has(voter);
    const ready = [...others]
      .filter(answered)
      .sort(
        (a, b) => (this.askedIn.get(a) ?? 0) - (this.askedIn.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0),
      );
    const chosen = new Set<NodeId>();
    for (const set of this.sets) {
      let have = 0;
      for (const voter of set) if (voter === this.self || chosen.has(voter)) have++;
      for (const voter of ready) {
        if (have >= majority(set.length)) break;
        if (!chosen.has(voter) && set.includes(voter)) {
          chosen.add(voter);
          have++;
        }
      }
      if (have < majority(set.length)) return askAll();
    }
    const quiet = new Set<NodeId>();
    for (const voter of others) {
      if (chosen.has(voter) || !answered(voter)) this.askedIn.set(voter, round);
      else quiet.add(voter);
    }
    return quiet;
  }

  /** Round `round`, just started, asks every voter to acknowledge it (none of its heartbeats is quiet). */
  askAll(round: number): void {
    for (const voter of this.others()) this.askedIn.set(voter, round);
  }

  /**
   * Whether a heartbeat round before `round` (just started) is not confirmed yet: a voter asked for it did
   * not answer in time. The votes (round 1) always are; a round started right after another one (an extra
   * round after a change) may not be yet, which only makes the leader ask every voter for a while.
   */
  unconfirmedBefore(round: number): boolean {
    return round > 2 && this.confirmed < round - 1;
  }

  /** The voters of every voter set but this node. */
  private others(): Set<NodeId> {
    const others = new Set<NodeId>();
    for (const set of this.sets) for (const voter of set) if (voter !== this.self) others.add(voter);
    return others;
  }

  /** Records that `voter` acknowledged `round` (a later round implies the earlier ones). */
  acknowledge(voter: NodeId, round: number): void {
    if (round > this.round || round <= 0) return;
    if ((this.acked.get(voter) ?? 0) >= round) return;
    this.acked.set(voter, round);
    this.recompute();
  }

  /** The highest round a majority of every voter set acknowledged extends the lease from its start. */
  private recompute(): void {
    let confirmed = Number.POSITIVE_INFINITY;
    for (const set of this.sets) confirmed = Math.min(confirmed, quorumRound(set, this.acked));
    if (confirmed === 0 || !Number.isFinite(confirmed)) return;
    const start = this.roundStarts.get(confirmed);
    if (start === undefined) return;
    this.confirmed = Math.max(this.confirmed, confirmed);
    this.end = Math.max(this.end, start + this.duration);
    for (const r of this.roundStarts.keys()) if (r < confirmed) this.roundStarts.delete(r);
  }

  /** Gives the lease up at once (before a transfer or a step-down). */
  relinquish(): void {
    this.end = Number.NEGATIVE_INFINITY;
  }

  /** Whether the lease is valid at `now`. */
  validAt(now: number): boolean {
    return now < this.end;
  }

  /** The lease's end on the leader's clock (`-Infinity` when none is held). */
  get leaseEnd(): number {
    return this.end;
  }

  /** The highest round a strict majority acknowledged in this term (0: none yet). */
  get confirmedRound(): number {
    return this.confirmed;
  }

  /**
   * Whether `voter` acknowledged the last round that asked it to (false when no round asked it yet). A voter
   * whose heartbeats were quiet since keeps its answer: it was not asked again.
   */
  answered(voter: NodeId): boolean {
    return (this.askedIn.get(voter) ?? Number.POSITIVE_INFINITY) <= (this.acked.get(voter) ?? 0);
  }

  /** The highest round `voter` acknowledged in this term (0: none). */
  ackedRound(voter: NodeId): number {
    return this.acked.get(voter) ?? 0;
  }
}
