import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWindow, readHistory, writesSince } from './support/history.js';
import { BridgedNetwork } from './support/netns.js';
import {
  currentLeader,
  freePorts,
  type Placement,
  Replica,
  SERVICE_MAIN,
  type Status,
  waitFor,
} from './support/replicas.js';

// Dynamic membership over real processes of the built service, formed with EXPECT (no voter list): replicas
// join as observers, the leader's autopilot promotes them up to five voters, a SIGTERMed voter is replaced or
// removed before it leaves, a voter unreachable for DEAD_VOTER_TIMEOUT_MS is removed. After every step: a
// leader that writes, and over the whole run no two processes with a valid lease at the same instant and no
// stale fenced write accepted. Timings wider than the library's defaults hold on a busy two-core machine.

// The service's defaults (election timeout 1000-2000 ms, heartbeat 100 ms): a lease of 905 ms that survives
// event-loop stalls of up to 805 ms. Up to seven processes share two cores here; with 450-900 ms, leases
// lapsed often enough on a loaded machine that the autopilot's stabilization clock kept restarting.
const TIMINGS = {
  // A stopping voter waits for the leader to replace it; past this it leaves anyway (then deadVoterTimeout).
  STOP_TIMEOUT_MS: '10000',
  DEAD_VOTER_TIMEOUT_MS: '4000',
  JOB_INTERVAL_MS: '200',
};
const STEP = 60_000; // a generous deadline for one membership step on a busy machine
const STATUS_TIMEOUT = 3_000; // an HTTP answer from a process on a loaded machine
const sorted = (ids: readonly string[]) => [...ids].sort();

/** One cluster of the run: the replicas ever started in it, in one data root with one shared database. */
class Cluster {
  readonly replicas: Replica[] = [];
  private dir: string | null = null;
  private count = 0;

  constructor(
    private readonly place: (index: number) => Placement = () => ({ host: '127.0.0.1', netns: null }),
  ) {}

  /** The data root, made on first use (a skipped suite makes none). */
  get root(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'baton-membership-'));
    return this.dir;
  }

  get running(): Replica[] {
    return this.replicas.filter((replica) => replica.running);
  }

  /** A new replica: a new name, new ports, a new identity and an empty data directory. */
  async add(): Promise<Replica> {
    this.count += 1;
    const [http, p2p] = await freePorts(2);
    const replica = new Replica(`node-${this.count}`, http!, p2p!, this.root, this.place(this.count));
    await replica.createKey();
    this.replicas.push(replica);
    return replica;
  }

  /** Starts `replica` with the running replicas as bootstrap peers; `expect` forms a new cluster. */
  start(replica: Replica, expect = 5): void {
    replica.start([...this.running, replica], { ...TIMINGS, VOTERS: '', EXPECT: String(expect) });
  }

  /** A leader (among the running replicas) in a term of at least `term`, that has written in its term. */
  async leader(what: string, term = 0): Promise<{ replica: Replica; status: Status }> {
    const found = await waitFor(
      what,
      () => currentLeader(this.running, (_, status) => status.term >= term),
      STEP,
    );
    await waitFor(
      `a write of term ${found.status.term} (${what})`,
      () => (writesSince(join(this.root, 'shared.db'), found.status.term) > 0 ? true : undefined),
      STEP,
    );
    return found;
  }

  /**
   * Waits until the leader's configuration has exactly `voters` with no change in progress, and every running
   * replica that `voters` names has installed it; returns the leader.
   */
  voters(what: string, voters: readonly Replica[]): Promise<{ replica: Replica; status: Status }> {
    const ids = sorted(voters.map((replica) => replica.id)).join();
    return this.settled(`${what}: voters ${voters.map((replica) => replica.name).join(', ')}`, (found) =>
      sorted(found.map((replica) => replica.id)).join() === ids ? true : undefined,
    );
  }

  /**
   * Waits until the leader's configuration, with no change in progress, holds voters that `accept`s (they are
   * running, and each has installed that configuration); returns the leader.
   */
  async settled(
    what: string,
    accept: (voters: readonly Replica[]) => true | undefined,
  ): Promise<{ replica: Replica; status: Status }> {
    await waitFor(
      what,
      async () => {
        const found = await currentLeader(this.running);
        if (!found) return undefined;
        const { membership } = found.status;
        const voters = this.running.filter((replica) => membership.voters.includes(replica.id));
        if (membership.change !== null || voters.length !== membership.voters.length || !accept(voters))
          return undefined;
        const ids = sorted(membership.voters).join();
        const statuses = await Promise.all(voters.map((replica) => replica.status(STATUS_TIMEOUT)));
        return statuses.every((status) => sorted(status.membership.voters).join() === ids) ? true : undefined;
      },
      STEP,
      200,
    );
    return this.leader(`a leader once ${what}`);
  }

  /** Waits until the leader lists `replica` as an observer and `replica` follows that leader. */
  async observer(replica: Replica): Promise<void> {
    await waitFor(
      `${replica.name} to be an observer following the leader`,
      async () => {
        const found = await currentLeader(this.running);
        const own = await replica.status(STATUS_TIMEOUT);
        return found?.status.membership.observers.includes(replica.id) &&
          !own.membership.voters.includes(replica.id) &&
          own.leader === found.replica.id
          ? true
          : undefined;
      },
      STEP,
      200,
    );
  }

  /** SIGTERMs `replica` and waits for it to exit (after its leader replaced or removed it). */
  async stop(replica: Replica): Promise<void> {
    replica.signal('SIGTERM');
    await waitFor(`${replica.name} to exit after SIGTERM`, () => (replica.running ? undefined : true), STEP);
  }

  /** Asserts the history so far: no overlap of valid leases, no stale or out-of-window fenced write. */
  checkHistory(): void {
    const history = readHistory(this.root, this.replicas);
    expect(history.overlapping, history.windows.map(describeWindow).join('\n')).toEqual([]);
    expect(history.late).toEqual([]);
    expect(history.outside).toEqual([]);
    expect(history.badRefusals).toEqual([]);
  }

  async destroy(): Promise<void> {
    for (const replica of this.replicas) {
      if (!replica.running) continue;
      replica.signal('SIGCONT');
      replica.signal('SIGKILL');
      await replica.exited;
    }
    if (this.dir === null) return;
    if (process.env.KEEP_TEST_DATA) console.log(`test data kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

beforeAll(() => {
  if (!existsSync(SERVICE_MAIN)) throw new Error(`${SERVICE_MAIN} is missing: build the app first`);
});

describe('membership over real processes on loopback', () => {
  const cluster = new Cluster();
  afterAll(() => cluster.destroy());
  let formed: Replica[] = [];

  it('scales 3 → 5: the new replicas join as observers and the autopilot promotes them', {
    timeout: 120_000,
  }, async () => {
    formed = [await cluster.add(), await cluster.add(), await cluster.add()];
    for (const replica of formed) cluster.start(replica, 3);
    await cluster.voters('the first three formed the cluster', formed);
    const added = [await cluster.add(), await cluster.add()];
    for (const replica of added) cluster.start(replica);
    formed.push(...added);
    await cluster.voters('two replicas joined', formed);
    cluster.checkHistory();
  });

  it('replaces all five, one at a time, by new replicas with new identities (the old ones SIGTERMed)', {
    timeout: 240_000,
  }, async () => {
    // As a rolling update with a surge of one: the next new replica starts while a step runs. The leader
    // replaces each SIGTERMed voter by a stable observer, whichever of the new ones that is.
    const fresh: Replica[] = [];
    const spawnFresh = async () => {
      const replica = await cluster.add();
      cluster.start(replica);
      fresh.push(replica);
      return replica;
    };
    let next: Promise<Replica> | null = spawnFresh();
    for (const [step, old] of formed.entries()) {
      await cluster.observer(await next!);
      next = step < formed.length - 1 ? spawnFresh() : null;
      await cluster.stop(old);
      const gone = formed.slice(0, step + 1);
      await cluster.settled(`${old.name} replaced`, (voters) =>
        voters.length === formed.length &&
        voters.every((voter) => !gone.includes(voter)) &&
        voters.filter((voter) => fresh.includes(voter)).length === step + 1
          ? true
          : undefined,
      );
    }
    const voters = fresh;
    await cluster.voters('the five new replicas replaced the five', voters);
    formed = voters;
    cluster.checkHistory();
  });

  it('removes two voters killed at once after deadVoterTimeout, and promotes their replacements', {
    timeout: 120_000,
  }, async () => {
    const { replica: leader } = await cluster.leader('a leader before the kill');
    const killed = formed.filter((replica) => replica !== leader).slice(0, 2);
    for (const replica of killed) replica.signal('SIGKILL');
    await Promise.all(killed.map((replica) => replica.exited));
    const survivors = formed.filter((replica) => !killed.includes(replica));
    await cluster.voters('the killed voters were removed', survivors);
    const replacements = [await cluster.add(), await cluster.add()];
    for (const replica of replacements) cluster.start(replica);
    formed = [...survivors, ...replacements];
    await cluster.voters('the replacements were promoted', formed);
    cluster.checkHistory();

    // A removed replica restarted on its old data directory: its persisted configuration has version > 0, so
    // it does not form a cluster again; the leader knows it is no voter, and with five voters it stays an
    // observer.
    const [removed] = killed;
    cluster.start(removed!);
    await cluster.observer(removed!);
    await cluster.voters('the removed replica rejoined', formed);
    cluster.checkHistory();
  });

  it('scales 5 → 3 by SIGTERM', { timeout: 120_000 }, async () => {
    const observer = cluster.running.find((replica) => !formed.includes(replica));
    if (observer) await cluster.stop(observer);
    const { replica: leader } = await cluster.leader('a leader before scaling down');
    // The leader among the two stopped: it hands its leadership over first.
    const leaving = [leader, ...formed.filter((replica) => replica !== leader).slice(0, 1)];
    for (const replica of leaving) {
      await cluster.stop(replica);
      formed = formed.filter((other) => other !== replica);
      await cluster.voters(`${replica.name} left`, formed);
    }
    expect(formed).toHaveLength(3);
    cluster.checkHistory();
  });
});

const noNamespaces = BridgedNetwork.unavailable();
if (noNamespaces !== null) console.log(`skipping the partition test: ${noNamespaces}`);

describe.skipIf(noNamespaces !== null)('membership through a network partition (network namespaces)', () => {
  const network = new BridgedNetwork();
  const cluster = new Cluster((index) => network.place(index));
  afterAll(async () => {
    await cluster.destroy();
    network.destroy();
  });

  it('a leader cut off while a new replica joins loses its lease; after healing it follows, the new replica votes', {
    timeout: 150_000,
  }, async () => {
    network.create();
    const formed = [await cluster.add(), await cluster.add(), await cluster.add()];
    for (const replica of formed) cluster.start(replica, 3);
    const { replica: leader, status } = await cluster.voters('the first three formed the cluster', formed);

    // The membership change: a fourth replica joins; the leader learns of it and, once it has been stable for
    // stabilizationTime, would promote it. The leader is cut off as soon as it lists the newcomer.
    const fresh = await cluster.add();
    cluster.start(fresh);
    await waitFor(
      `the leader to list ${fresh.name}`,
      async () =>
        (await leader.status(STATUS_TIMEOUT)).membership.observers.includes(fresh.id) ? true : undefined,
      STEP,
      50,
    );
    const index = network.indexOf(leader.placement);
    network.cut(index);
    try {
      // The other side has a majority of the voters: it elects a leader in a later term and finishes the
      // change there.
      const others = cluster.running.filter((replica) => replica !== leader);
      const next = await waitFor(
        'a leader on the majority side',
        () => currentLeader(others, (_, found) => found.term > status.term),
        STEP,
      );
      await cluster.leader('the majority side writes', next.status.term);
    } finally {
      network.heal(index);
    }
    const voters = [...formed, fresh];
    const after = await cluster.voters('the partition healed', voters);
    expect(after.status.term).toBeGreaterThan(status.term);
    // The old leader follows the new one (its own writes, had any been late, would show in the history).
    const old = await leader.status(STATUS_TIMEOUT);
    expect(old.isLeader && old.term === status.term).toBe(false);
    cluster.checkHistory();
  });
});
