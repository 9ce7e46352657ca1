import { ConfigurationVersionError, MembershipChangeError, NotLeaderError } from '../errors.js';
import { majority } from '../machine/quorum.js';
import type { Configuration, NodeId } from '../machine/types.js';
import type { Prng } from './prng.js';
import type { SimCluster } from './sim-cluster.js';

/**
 * The membership faults of a random schedule: members that join with new ids and empty disks, graceful
 * stops (a rolling update), voters gone for good (a SIGKILL, a lost disk) replaced by new members, a leader
 * crashed in the middle of a change, and changes asked by hand, with and without a compare-and-swap.
 *
 * What it never does, so that a healed cluster can always elect again (liveness is checked in every heal
 * phase): take a voter away for good when the voters of the newest configuration that are not gone would
 * no longer be a majority of it. Crashes and pauses (which heal) are the planner's other faults.
 */
export class MembershipFaults {
  private joined = 0;
  /** Nodes asked to leave that may not be gone yet: counted as gone. */
  private readonly departing = new Set<NodeId>();

  constructor(
    private readonly c: SimCluster,
    private readonly rnd: Prng,
    /** How many members to keep around (voters and observers), so that replacements exist. */
    private readonly members: number,
  ) {}

  /** One membership fault, picked at random. */
  fault(): void {
    const r = this.rnd.next();
    if (r < 0.25) this.join();
    else if (r < 0.45) this.leave();
    else if (r < 0.6) this.destroy();
    else if (r < 0.75) this.crashLeaderMidChange();
    else this.changeByHand();
  }

  /** What happens in a healthy cluster too: a rolling update's step, or a new member. */
  benign(): void {
    if (this.rnd.chance(0.5)) this.join();
    else this.leave();
  }

  /** A new member with an empty disk, while there is room and fewer than the members to keep. */
  private join(): void {
    const present = this.c.ids.length;
    if (present >= this.members + 2) return;
    this.joined++;
    const id = `j${this.joined}`;
    try {
      this.c.addNode(id);
    } catch (error) {
      if (error instanceof RangeError) return; // no room left for joiners in this run
      throw error;
    }
  }

  /** A graceful stop of a running node (a voter only while the rest stay a majority), and a new one in its place. */
  private leave(): void {
    const id = this.pickRunning((candidate) => this.mayTakeAway(candidate));
    if (id === null) return;
    this.departing.add(id);
    this.c.leave(id, this.rnd.between(300, 3_000));
    this.join();
  }

  /** A voter or observer gone for good without a word (SIGKILL and a lost disk), and a new one in its place. */
  private destroy(): void {
    const id = this.pickRunning((candidate) => this.mayTakeAway(candidate));
    if (id === null) return;
    this.c.destroy(id);
    this.join();
  }

  /** The leader crashes right after it installs a change (it comes back later, from its disk). */
  private crashLeaderMidChange(): void {
    const leader = this.c.leaseHolder();
    if (leader === null) return;
    if (this.changeByHand() && !this.c.isCrashed(leader)) {
      this.c.crash(leader);
      this.c.restart(leader, this.rnd.between(50, 3_000));
    }
  }

  /** An operator's change: add an observer or remove a voter, half the time with the version it read. */
  private changeByHand(): boolean {
    const leader = this.c.leaseHolder();
    if (leader === null || this.c.isPaused(leader)) return false;
    const configuration = this.c.configuration(leader) as Configuration;
    const observers = this.c.inspect(leader)?.membership.observers ?? [];
    const removable = configuration.voters.filter((id) => id !== leader && this.mayTakeAway(id));
    const add = observers.length > 0 && (configuration.voters.length < 5 || removable.length === 0);
    if (!add && removable.length === 0) return false;
    const change = add ? { add: this.rnd.pick(observers) } : { remove: this.rnd.pick(removable) };
    const expected = this.rnd.chance(0.5)
      ? configuration.version - (this.rnd.chance(0.2) ? 1 : 0)
      : undefined;
    try {
      this.c.changeVoters(leader, change, expected);
      return true;
    } catch (error) {
      const legitimate =
        error instanceof MembershipChangeError ||
        error instanceof ConfigurationVersionError ||
        error instanceof NotLeaderError;
      if (!legitimate) throw error;
      return false;
    }
  }

  /**
   * Whether `id` may go away for good: only while, in every configuration some node holds (the newest may not
   * be done yet, and an older one may be the one that still elects), the voters that are not gone stay a
   * majority without it.
   */
  private mayTakeAway(id: NodeId): boolean {
    for (const other of this.departing) if (this.c.isGone(other)) this.departing.delete(other);
    const present = new Set(this.c.ids); // gone nodes are not listed
    const configurations = new Map<string, Configuration>();
    for (const node of present) {
      const configuration = this.c.configuration(node);
      if (configuration !== null && configuration.version > 0) {
        configurations.set(`${configuration.term}.${configuration.version}`, configuration);
      }
    }
    for (const configuration of configurations.values()) {
      const remaining = configuration.voters.filter(
        (voter) => voter !== id && present.has(voter) && !this.departing.has(voter),
      ).length;
      if (remaining < majority(configuration.voters.length)) return false;
    }
    return true;
  }

  private pickRunning(accept: (id: NodeId) => boolean): NodeId | null {
    const candidates = this.c.ids.filter((id) => !this.c.isCrashed(id) && !this.c.isPaused(id) && accept(id));
    return candidates.length === 0 ? null : this.rnd.pick(candidates);
  }
}
