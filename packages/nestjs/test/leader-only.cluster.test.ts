import { Injectable } from '@nestjs/common';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { BehaviorSubject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderOnly, type LeadershipHandle, OnBecomeLeader } from '../src/index.js';
import { aborted, type ClusterNode, TestCluster, until } from './support/cluster.js';

@Injectable()
class Jobs {
  /** The fencing token of every run. */
  readonly runs: number[] = [];
  readonly handles: LeadershipHandle[] = [];
  readonly count = new BehaviorSubject(0);

  @LeaderOnly({ passLeadership: true })
  @Interval(20)
  sweep(leadership: LeadershipHandle) {
    this.runs.push(leadership.fencingToken);
    this.handles.push(leadership);
    this.count.next(this.runs.length);
  }

  @OnBecomeLeader()
  noop() {}
}

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.closeAll();
  cluster = undefined;
});

const jobsOf = (node: ClusterNode) => node.app.get(Jobs);

describe('@LeaderOnly() @Interval() on a three-node cluster', () => {
  it('runs on exactly one instance: the leader, with its fencing token', async () => {
    cluster = await TestCluster.start({ providers: [Jobs], imports: [ScheduleModule.forRoot()] });
    const { node: leader, term } = await cluster.elected();

    await until(jobsOf(leader).count, (runs) => runs >= 5, `${leader.id} to run the job 5 times`);
    const { term: termAfter } = await cluster.elected('the same leader after the runs');

    // Every node's interval fired all along; only the leader's runs went through.
    const ran = cluster.nodes.filter((node) => jobsOf(node).runs.length > 0).map((node) => node.id);
    expect(termAfter, 'leadership changed during the test; the check below would be meaningless').toBe(term);
    expect(ran).toEqual([leader.id]);
    expect(new Set(jobsOf(leader).runs)).toEqual(new Set([term]));
  });

  it('stops the runs and aborts the signal when leadership is lost', async () => {
    cluster = await TestCluster.start({ providers: [Jobs], imports: [ScheduleModule.forRoot()] });
    const { node: oldLeader } = await cluster.elected();
    await until(jobsOf(oldLeader).count, (runs) => runs >= 2, `${oldLeader.id} to run`);
    const handle = jobsOf(oldLeader).handles.at(-1)!;
    let runsWhenAborted = -1;
    handle.signal.addEventListener('abort', () => {
      runsWhenAborted = jobsOf(oldLeader).runs.length;
    });

    const successorId = cluster.open.find((node) => node !== oldLeader)!.id;
    await oldLeader.leader.transferLeadership(successorId);

    const reason = await aborted(handle.signal);
    expect(reason).toMatchObject({ name: 'LeadershipLostError' });
    const { node: newLeader } = await cluster.elected('the successor');
    expect(newLeader.id).toBe(successorId);
    await until(jobsOf(newLeader).count, (runs) => runs >= 3, `${newLeader.id} to take the job over`);

    expect(oldLeader.leader.isLeader()).toBe(false);
    expect(jobsOf(oldLeader).runs).toHaveLength(runsWhenAborted);
  });
});
