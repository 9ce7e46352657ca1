import { type LeaderElectionEvents, type LeadershipHandle, MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import { ConsoleLogger, Controller, type INestApplication, Injectable, Post } from '@nestjs/common';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { BehaviorSubject, combineLatest } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterHealthIndicator } from '../src/health/index.js';
import {
  InvalidTargetError,
  LeaderModule,
  LeaderOnly,
  LeaderRoute,
  LeaderService,
  OnBecomeLeader,
  OnLeadershipLost,
} from '../src/index.js';
import { TEST_TIMING, TestCluster, until } from './support/cluster.js';

type Job = 'default' | 'billing' | 'reports';

/** Three jobs on every replica: one per election (the default one and two groups), each run with its handle. */
@Injectable()
class Jobs {
  /** The fencing tokens each job ran with on this replica. */
  readonly runs: Record<Job, number[]> = { default: [], billing: [], reports: [] };
  readonly count = new BehaviorSubject(0);
  readonly billingLeaderships = new BehaviorSubject<LeadershipHandle[]>([]);
  readonly billingLost = new BehaviorSubject<LeaderElectionEvents['leadership-lost'][]>([]);

  @LeaderOnly({ passLeadership: true })
  @Interval(20)
  main({ fencingToken }: LeadershipHandle) {
    this.ran('default', fencingToken);
  }

  @LeaderOnly('billing', { passLeadership: true })
  @Interval(20)
  bill({ fencingToken }: LeadershipHandle) {
    this.ran('billing', fencingToken);
  }

  @Interval(20)
  @LeaderOnly({ group: 'reports', passLeadership: true })
  report({ fencingToken }: LeadershipHandle) {
    this.ran('reports', fencingToken);
  }

  @OnBecomeLeader('billing') leadBilling(handle: LeadershipHandle) {
    this.billingLeaderships.next([...this.billingLeaderships.value, handle]);
  }

  @OnLeadershipLost('billing') loseBilling(event: LeaderElectionEvents['leadership-lost']) {
    this.billingLost.next([...this.billingLost.value, event]);
  }

  private ran(job: Job, fencingToken: number) {
    this.runs[job].push(fencingToken);
    this.count.next(this.count.value + 1);
  }
}

@Controller('billing')
@LeaderRoute({ group: 'billing' })
class BillingAdminController {
  @Post('close-month') closeMonth() {
    return { closed: true };
  }
}

interface GroupNode {
  readonly id: string;
  readonly app: INestApplication;
  readonly url: string;
  readonly leader: LeaderService;
  readonly jobs: Jobs;
}

const ids = ['group-a', 'group-b', 'group-c'];
let nodes: GroupNode[] = [];

afterEach(async () => {
  for (const node of nodes) await node.app.close();
  nodes = [];
});

/** Three HTTP applications on one in-memory network, placement off: the groups stay where the test puts them. */
async function startCluster(): Promise<GroupNode[]> {
  const network = new MemoryNetwork();
  const started: GroupNode[] = [];
  for (const id of ids) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ScheduleModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        LeaderModule.forRoot({
          clusterId: 'nest-groups',
          voters: ids,
          transport: network.transport(id),
          store: new MemoryStateStore(),
          placementInterval: 0,
          ...TEST_TIMING,
        }),
      ],
      controllers: [BillingAdminController],
      providers: [Jobs, ClusterHealthIndicator],
    })
      .setLogger(new ConsoleLogger({ logLevels: ['error'], prefix: id }))
      .compile();
    const app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    started.push({ id, app, url, leader: app.get(LeaderService), jobs: app.get(Jobs) });
  }
  nodes = started;
  return started;
}

/** The election `group` of every node (`'default'`: the default one) as the nodes' services describe it. */
const groupOf = (node: GroupNode, group: Job) =>
  group === 'default' ? node.leader : node.leader.group(group);

/** Waits until one node leads `group` and every node agrees on it (read from the nodes' `leader$` streams). */
async function elected(group: Job): Promise<{ node: GroupNode; term: number }> {
  const states = await until(
    combineLatest(nodes.map((node) => groupOf(node, group).leader$)),
    (all) =>
      all.filter((state) => state.isLeader).length === 1 &&
      all.every((state) => state.leader !== null && state.leader === all[0]?.leader),
    `a leader of ${group} every node agrees on`,
  );
  const index = states.findIndex((state) => state.isLeader);
  return { node: nodes[index]!, term: states[index]!.term };
}

/**
 * Transfers `group`'s leadership from its leader `from` to `to`. A leader just elected refuses a target that
 * has not acknowledged one of its heartbeats yet, or not said yet that it asked for the group
 * (`InvalidTargetError`): then it tries again after the leader's next run of its job, a few times.
 */
async function transfer(group: Job, from: GroupNode, to: GroupNode): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await groupOf(from, group).transferLeadership(to.id);
      return;
    } catch (error) {
      if (!(error instanceof InvalidTargetError) || attempt === 5) throw error;
      const runs = from.jobs.runs[group].length;
      await until(from.jobs.count, () => from.jobs.runs[group].length > runs, `${from.id} to run ${group}`);
    }
  }
}

/** Moves `group`'s leadership onto `to` (a transfer from its current leader) unless it is there already. */
async function place(group: Job, to: GroupNode): Promise<void> {
  const { node } = await elected(group);
  if (node !== to) await transfer(group, node, to);
  await until(groupOf(to, group).isLeader$, Boolean, `${to.id} to lead ${group}`);
}

describe('election groups on a three-node cluster', () => {
  it('runs each @LeaderOnly(group) job on its own group’s leader only, with that group’s fencing token', async () => {
    const [a, b, c] = (await startCluster()) as [GroupNode, GroupNode, GroupNode];
    // Three elections on three replicas: the default one on a, billing on b, reports on c.
    await place('default', a);
    await place('billing', b);
    await place('reports', c);
    const terms = {
      default: (await elected('default')).term,
      billing: (await elected('billing')).term,
      reports: (await elected('reports')).term,
    };
    for (const node of nodes) node.jobs.runs.default.length = 0;
    for (const node of nodes) node.jobs.runs.billing.length = 0;
    for (const node of nodes) node.jobs.runs.reports.length = 0;

    for (const [node, job] of [
      [a, 'default'],
      [b, 'billing'],
      [c, 'reports'],
    ] as const) {
      await until(node.jobs.count, () => node.jobs.runs[job].length >= 5, `${node.id} to run ${job} 5 times`);
    }
    for (const group of ['default', 'billing', 'reports'] as const) {
      const { node, term } = await elected(group);
      expect(term, `${group} changed leader during the test; the checks below would mean nothing`).toBe(
        terms[group],
      );
      expect(node.id).toBe({ default: a.id, billing: b.id, reports: c.id }[group]);
    }

    // Every replica's intervals fired; each job went through on its group's leader only.
    const ran = (job: Job) => nodes.filter((node) => node.jobs.runs[job].length > 0).map((node) => node.id);
    expect(ran('default')).toEqual([a.id]);
    expect(ran('billing')).toEqual([b.id]);
    expect(ran('reports')).toEqual([c.id]);
    expect(new Set(b.jobs.runs.billing)).toEqual(new Set([terms.billing]));
    expect(new Set(c.jobs.runs.reports)).toEqual(new Set([terms.reports]));

    // Each service tells its groups apart.
    expect(b.leader.group('billing').isLeader()).toBe(true);
    expect(b.leader.isLeader()).toBe(false);
    expect(a.leader.group('billing').leader()).toBe(b.id);
    expect(b.leader.group('billing').currentLeadership()?.fencingToken).toBe(terms.billing);

    // The leader-only route of group billing: served by b, refused by a (the default leader) and c.
    for (const node of [a, b, c]) {
      const response = await fetch(`${node.url}/billing/close-month`, { method: 'POST' });
      if (node === b) {
        expect(response.status).toBe(201);
        continue;
      }
      expect(response.status).toBe(503);
      await expect(response.json()).resolves.toMatchObject({
        code: 'ERR_NOT_LEADER',
        group: 'billing',
        leader: b.id,
        message: 'this node is not the leader of election group billing',
      });
    }

    // Health lists the groups each replica leads.
    const led = (node: GroupNode) =>
      (node.app.get(ClusterHealthIndicator).isHealthy('election').election as { groupsLed?: string[] })
        .groupsLed;
    expect(nodes.map(led)).toEqual([[], ['billing'], ['reports']]);
  });

  it('moves a group’s job with its leadership: the old leader hears it lost, the new one takes over', async () => {
    const [a, b] = (await startCluster()) as [GroupNode, GroupNode, GroupNode];
    await place('billing', a);
    const handle = await a.leader.group('billing').whenLeader();
    await until(a.jobs.billingLeaderships, (all) => all.includes(handle), '@OnBecomeLeader(billing) on a');
    await until(a.jobs.count, () => a.jobs.runs.billing.length > 0, 'a to bill');

    // b may have billed before, in an earlier term (it may have led billing before place() moved it to a).
    const billedByBBefore = b.jobs.runs.billing.length;
    await transfer('billing', a, b);

    await until(a.jobs.billingLost, (lost) => lost.length > 0, '@OnLeadershipLost(billing) on a');
    expect(a.jobs.billingLost.value).toEqual([{ term: handle.term, reason: 'transfer' }]);
    expect(handle.signal.aborted).toBe(true);
    const billedByA = a.jobs.runs.billing.length;
    const successor = await b.leader.group('billing').whenLeader();
    expect(successor.fencingToken).toBeGreaterThan(handle.fencingToken);
    await until(b.jobs.billingLeaderships, (all) => all.includes(successor), '@OnBecomeLeader(billing) on b');
    await until(
      b.jobs.count,
      () => b.jobs.runs.billing.length >= billedByBBefore + 3,
      'b to take billing over',
    );
    expect(new Set(b.jobs.runs.billing.slice(billedByBBefore))).toEqual(new Set([successor.fencingToken]));
    expect(a.jobs.runs.billing).toHaveLength(billedByA);
  });

  it('an observer replica knows each group’s leader (LeaderService#group(name).leader$), and follows a handover', async () => {
    const voters = ['obs-a', 'obs-b', 'obs-c'];
    const cluster = await TestCluster.start({
      ids: [...voters, 'obs-d'],
      voters,
      // maxVoters 3: the fourth replica stays an observer; placement off, so the group stays put.
      options: { groups: ['reports'], autopilot: { maxVoters: 3 }, placementInterval: 0 },
    });
    try {
      const [observer, ...members] = [cluster.node('obs-d'), ...voters.map((id) => cluster.node(id))];
      /** The one node of `nodes` that leads reports, once exactly one does. */
      const soleLeader = async (nodes: typeof members, what: string) => {
        const leading = await until(
          combineLatest(nodes.map((m) => m.leader.group('reports').isLeader$)),
          (all) => all.filter(Boolean).length === 1,
          what,
        );
        return nodes[leading.indexOf(true)]!;
      };
      const leader = await soleLeader(members, 'one voter to lead reports');
      await until(
        observer.leader.group('reports').leader$,
        (s) => s.leader === leader.id,
        'the observer to know it',
      );
      expect(observer.leader.membership().voters).not.toContain('obs-d');
      expect(observer.leader.group('reports').isLeader()).toBe(false);
      // The leader's replica shuts down (it hands reports over, or another voter wins it): the observer follows.
      await cluster.close(leader);
      const next = await soleLeader(
        members.filter((m) => m !== leader),
        'another voter to lead reports',
      );
      await until(
        observer.leader.group('reports').leader$,
        (s) => s.leader === next.id,
        'the observer to follow the new leader',
      );
    } finally {
      await cluster.closeAll();
    }
  });
});
