import { compareConfigurations, sameConfiguration, voterDifference } from './configuration.js';
import { majority } from './quorum.js';
import type { Configuration, ConfigurationId, MembershipChange, NodeId } from './types.js';

/**
 * Why changing the voters keeps the election safe, without a log (after MongoDB's logless reconfiguration:
 * Schultz, Dern, Demirbas and Koh, "Design and Analysis of a Logless Dynamic Reconfiguration Protocol",
 * OPODIS 2021, whose TLA+ model was checked; and Raft's single-server changes, Ongaro's thesis, chapter 4).
 *
 * The rules:
 *
 * R1. A node's configuration only moves forward in the order of `(term, version)` (`configuration.ts`), in
 *     memory and on disk, and it is persisted with the term and the vote before any message that depends on
 *     it leaves (the `Ready` contract: an acknowledgement that says "I hold C" is sent only once C is saved).
 * R2. A voter grants a vote or a pre-vote only to a candidate whose configuration is at least as new as its
 *     own; a candidate counts votes against its own configuration's voters.
 * R3. A new leader of term T first re-stamps its configuration with T (same voters, term T). It may install a
 *     new configuration only when its current one is **done**: held, with that exact id, by a majority of its
 *     voters, which acknowledged it in term T (`LeaderMembership.done`), and no change of its is in progress.
 * R4. A new configuration differs from the current one by one voter in or out, and keeps the leader.
 *
 * Why at most one leader per term still holds. Two candidates of one term each win a majority of their own
 * configuration; they cannot both win if every majority of one configuration meets every majority of the
 * other (a voter votes once per term). So the claim is: **any two configurations that can still win an
 * election have intersecting majorities.** A configuration "can still win" when a majority of its voters
 * would grant its holder a vote, i.e. hold it or an older one (R2).
 *
 * Say D is done in term T: a majority Q of D's voters holds D (or, later, newer: R1). Then:
 *
 * - No configuration E older than D can win any more: a majority of E's voters would have to hold E or older,
 *   and if E's majorities meet D's, that majority contains a member of Q, which holds something newer (R1,
 *   R2). E's majorities do meet D's: E is D's predecessor in the chain of installs (one voter apart, R4),
 *   or E lost to D's chain earlier by the same argument, inductively. This is the rule that needs R3's
 *   "done in its own term": in Ongaro's counter-example (four voters; a leader of term 1 adds a fifth and
 *   crashes with the change held by a minority; a leader of term 2 removes the first voter), both changes
 *   are one voter away from the base, but two away from each other, so their majorities can be disjoint.
 *   With R3, the leader of term 2 must first get a majority to hold the base re-stamped with term 2; the
 *   term-1 change is older than that (term 1 < term 2), so its holders can no longer win, and only then may
 *   the leader of term 2 change anything.
 * - The configurations newer than D that exist were built from D one change at a time, each by a leader
 *   whose own configuration was done (R3), so they form a chain D → D1 → D2 ... in which every link is one
 *   voter in or out (R4), and at most the newest link is not done. Every majority of D_i meets every
 *   majority of D_{i+1}; and D_{i-1} can no longer win once D_i is done (previous point).
 *
 * So at any moment the configurations that can win are the newest done one and at most one change built on
 * it: one voter apart, their majorities meet. The lease (`lease.ts`, step 5) rests on the same fact.
 *
 * Also: a leader never removes itself (R4); to leave, it hands leadership over first, and the next leader
 * removes it. A node that learns a configuration without itself becomes an observer and never campaigns;
 * should it not learn it (cut off during the change), its pre-votes carry an older configuration than the
 * voters' that did, so they refuse it (R2), and its term never moves. A node that loses its disk and comes
 * back empty is a new member with no configuration (an observer), never a voter with a forgotten vote.
 *
 * What the simulator checks after every step (`testing/invariants.ts`): configurations only move forward on
 * each node; any two configurations that can win have intersecting majorities; a done configuration is never
 * followed by an older one that can win; at most one leader per term, no two valid leases; fencing tokens of
 * successive leaderships strictly increase.
 */

/**
 * Election groups (`group.ts`): several elections over the one configuration.
 *
 * A node may take part in any number of named election groups besides the default one, each with its own
 * term, vote and lease. They share this node's one voter configuration. What keeps each group safe:
 *
 * G1. Only the default group's leader changes the configuration, and only it re-stamps it (R3). A
 *     configuration's `term` is a term of the default group, so `(term, version)` stays one total order, and
 *     the argument above holds unchanged for which configurations can win: every group applies R2 to the same
 *     configurations.
 * G2. R2 in every group: a vote or pre-vote of group g is refused to a candidate whose configuration is older
 *     than the voter's, and a candidate counts votes against its own configuration's voters. Adopting a
 *     configuration ends every campaign in progress in the other groups: a campaign is decided, asked and
 *     counted under one configuration.
 * G3. The group term floor. Every acknowledgement carries `maxGroupTerm`, the highest term of any named group
 *     its sender has seen. The default leader keeps the highest reported by holders of its current
 *     configuration (its own included) and stamps the next configuration it installs with
 *     `groupTermFloor = max(current floor, that value)`. A node neither campaigns nor grants a vote or
 *     pre-vote in a named group at a term at or below its configuration's floor.
 * G4. A named group's leader counts an acknowledgement for its lease only from a member whose configuration
 *     is not newer than its own; when the leader adopts a newer configuration, only rounds it starts from
 *     then on count, against the new voters (`LeaderLease.restartRounds`).
 * G5. The default leader installs a change only once its current configuration has been done for
 *     `electionTimeoutMin` on its clock (the refusal `settling`).
 *
 * Why R1-R4 alone are not enough: a named group's terms and the configuration's are unrelated, and the
 * configuration can move twice while g is quiet. C1 = {a,b,c}; A wins g's term T with votes {a,b}. The default
 * leader adds d (C2, done with {b,c,d}), then e (C3 = {a,b,c,d,e}, done with {c,d,e}). B on d, which never
 * heard of g's term T, campaigns in T under C3 and gets {c,d,e}: none of them voted in T. Two leaders of g in
 * term T, with one fencing token. And for leases: A leads g under C1 with acknowledgements from {a,b}; b adopts
 * C2 and C3 within one lease duration, and B wins g with {c,d,e}, disjoint from {a,b}, while A's lease is
 * valid. Both are deterministic stories in `test/sim/groups-invariants.test.ts`, which the invariants catch
 * with G3 (respectively G4, and G4 with G5) switched off.
 *
 * At most one leader per term of g. Let A win g's term T under configuration Ci with a majority Q of Ci's
 * voters, and B win g's term T under Cj (configurations form the chain above; a re-stamp is a step with the
 * same voters).
 * - j in {i-1, i, i+1}: Cj and Ci are at most one voter apart, so B's majority meets Q in some m, which votes
 *   once per term of g (persisted). Contradiction.
 * - j >= i+2: B's campaign ran entirely under Cj (G2). C(i+1) was done before C(i+2) was installed: a
 *   majority of C(i+1)'s voters acknowledged holding C(i+1). That majority meets Q (adjacent
 *   configurations) in some m. m voted in g's term T holding at most Ci (G2), and adopted C(i+1) later (R1),
 *   so its acknowledgement holding C(i+1) reported `maxGroupTerm >= T`. Hence `C(i+2).groupTermFloor >= T`,
 *   floors only grow along the chain, and B, holding Cj, may not campaign in T (G3). Contradiction.
 * - j <= i-2: the same with A and B swapped.
 *
 * No two valid leases of g at one instant (`lease.ts`, step 5, per group). Let A's lease come from round r,
 * acknowledged by a majority M of A's configuration Ci, each member holding at most Ci when it acknowledged
 * (G4; for the votes' round, G2). A later candidate under C(i-1), Ci or C(i+1) needs a member of M, which is
 * sticky in g. A candidate under C(i+2) or later needs C(i+2) installed, which happens only once C(i+1) has
 * been done for `electionTimeoutMin` (G5). C(i+1)'s done majority meets M in some m, which acknowledged round
 * r holding at most Ci and adopted C(i+1) afterwards; round r started before that acknowledgement, so before
 * C(i+1) was done. The lease ends, in real time, before round r's start + `electionTimeoutMin / (1 + rho)`
 * (lease.ts, step 3), and G5's wait is at least that much real time: the lease has ended before C(i+2) exists.
 * Without G4, m could have adopted C(i+1) before acknowledging; without G5, two changes fit in one lease.
 *
 * The default group needs none of G3-G5: R3 ties its terms to the configuration's. The simulator checks every
 * invariant per group (`testing/invariants.ts`, one checker per group) over random schedules with groups and
 * membership faults.
 */

/**
 * The leader's view of its configuration across its term: who holds which configuration, whether the
 * current one is done, and the change in progress.
 */
export class LeaderMembership {
  private readonly held = new Map<NodeId, ConfigurationId>();
  private current: Configuration;
  private inProgress: MembershipChange | null = null;
  /** Rule G3: the highest group term reported with an acknowledgement that holds the current configuration. */
  private groupTerms = 0;
  /** Rule G5: since when (on the leader's clock) the current configuration is done; `null`: not yet. */
  private doneAt: number | null = null;

  constructor(
    /** The leader this view belongs to. */
    readonly leader: NodeId,
    configuration: Configuration,
  ) {
    this.current = configuration;
    this.held.set(leader, configuration);
  }

  /** The configuration the leader holds. */
  get configuration(): Configuration {
    return this.current;
  }

  /** The change in progress, or `null`. */
  get change(): MembershipChange | null {
    return this.inProgress;
  }

  /** The voter sets a lease round needs a majority of: the old and the new voters while a change is in progress. */
  get voterSets(): readonly (readonly NodeId[])[] {
    return this.inProgress === null ? [this.current.voters] : [this.inProgress.previous, this.current.voters];
  }

  /**
   * `member` acknowledged a heartbeat of this term at `now` holding `id`, having seen group terms up to
   * `maxGroupTerm` (rule G3).
   */
  acknowledged(member: NodeId, id: ConfigurationId, now: number, maxGroupTerm = 0): void {
    const known = this.held.get(member);
    if (known === undefined || compareConfigurations(id, known) >= 0) this.held.set(member, id);
    if (sameConfiguration(id, this.current)) this.groupTerms = Math.max(this.groupTerms, maxGroupTerm);
    if (this.doneAt === null && this.inProgress === null && this.done) this.doneAt = now;
  }

  /**
   * The group term floor of the next configuration this leader installs (rule G3): at least the current
   * one's, and at least every group term reported by a holder of the current configuration.
   */
  get nextGroupTermFloor(): number {
    return Math.max(this.current.groupTermFloor ?? 0, this.groupTerms);
  }

  /**
   * Rule G5: whether the current configuration has been done, with no change in progress, for `settleTime`
   * at `now` (the leader's clock).
   */
  settled(now: number, settleTime: number): boolean {
    return this.doneAt !== null && now - this.doneAt >= settleTime;
  }

  /** Whether `member` is known to hold the leader's current configuration (the heartbeat then omits its voters). */
  holdsCurrent(member: NodeId): boolean {
    const id = this.held.get(member);
    return id !== undefined && sameConfiguration(id, this.current);
  }

  /**
   * Whether the current configuration is done: held, with its exact id (which carries this leader's term), by
   * a strict majority of its voters (rule R3).
   */
  get done(): boolean {
    let holding = 0;
    for (const voter of this.current.voters) if (this.holdsCurrent(voter)) holding++;
    return holding >= majority(this.current.voters.length);
  }

  /**
   * Marks the change in progress done once a majority of the new voters holds the new configuration (at `now`,
   * on the leader's clock). Returns whether it just settled.
   */
  settle(now: number): boolean {
    if (this.inProgress === null || !this.done) return false;
    this.inProgress = null;
    this.doneAt = now;
    return true;
  }

  /**
   * Installs `next` as the leader's configuration: the caller has checked the rules (`checkChange`). The change
   * is in progress until a majority of `next`'s voters holds it.
   */
  install(next: Configuration): void {
    const { added, removed } = voterDifference(this.current.voters, next.voters);
    this.inProgress = { added: added[0] ?? null, removed: removed[0] ?? null, previous: this.current.voters };
    this.current = next;
    this.held.set(this.leader, next);
    this.doneAt = null;
  }

  /** Forgets what `member` holds (it left, or was removed and disconnected). */
  forget(member: NodeId): void {
    if (member !== this.leader) this.held.delete(member);
  }
}

/** Why a change of the voters cannot be made now; the machine turns it into an error naming it. */
export type ChangeRefusal =
  | { readonly reason: 'in-progress'; readonly change: MembershipChange }
  | { readonly reason: 'not-done'; readonly configuration: Configuration }
  | { readonly reason: 'settling'; readonly configuration: Configuration }
  | { readonly reason: 'version'; readonly expected: number; readonly actual: number }
  | { readonly reason: 'already-voter' | 'not-a-voter' | 'leader' | 'last-voter'; readonly node: NodeId };

/**
 * Checks a change of one voter against rules R3 and R4 and the caller's expected version, and returns the
 * new configuration (stamped with `term`), or why it is refused.
 */
export function checkChange(
  membership: LeaderMembership,
  term: number,
  change: { readonly add: NodeId } | { readonly remove: NodeId },
  expectedVersion?: number,
  /** Rule R3; only a deliberately broken machine (in the simulator's tests) passes `false`. */
  requireDone = true,
  /**
   * Rule G5: the leader's clock and the settle time (`electionTimeoutMin`); only a deliberately broken machine
   * passes `null`.
   */
  settle: { readonly now: number; readonly time: number } | null = null,
): Configuration | ChangeRefusal {
  const current = membership.configuration;
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    return { reason: 'version', expected: expectedVersion, actual: current.version };
  }
  if (membership.change !== null) return { reason: 'in-progress', change: membership.change };
  if (requireDone && !membership.done) return { reason: 'not-done', configuration: current };
  let voters: NodeId[];
  if ('add' in change) {
    if (current.voters.includes(change.add)) return { reason: 'already-voter', node: change.add };
    voters = [...current.voters, change.add].sort();
  } else {
    if (!current.voters.includes(change.remove)) return { reason: 'not-a-voter', node: change.remove };
    if (change.remove === membership.leader) return { reason: 'leader', node: change.remove };
    if (current.voters.length === 1) return { reason: 'last-voter', node: change.remove };
    voters = current.voters.filter((voter) => voter !== change.remove);
  }
  if (settle !== null && !membership.settled(settle.now, settle.time)) {
    return { reason: 'settling', configuration: current };
  }
  const groupTermFloor = membership.nextGroupTermFloor;
  return { term, version: current.version + 1, voters, ...(groupTermFloor > 0 ? { groupTermFloor } : {}) };
}
