import { Injectable, Logger } from '@nestjs/common';
import { ReplaySubject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LeaderState, type LeadershipHandle, OnBecomeLeader } from '../src/index.js';
import { aborted, TestCluster, until } from './support/cluster.js';

/** Every leadership any node of the test cluster took, in order. */
let leaderships = new ReplaySubject<LeadershipHandle>();

@Injectable()
class Tracker {
  @OnBecomeLeader() lead(handle: LeadershipHandle) {
    leaderships.next(handle);
  }
}

/** Fails the first time its node becomes leader, succeeds afterwards. */
@Injectable()
class FailsOnce {
  private failed = false;
  @OnBecomeLeader() lead(handle: LeadershipHandle) {
    leaderships.next(handle);
    if (this.failed) return;
    this.failed = true;
    throw new Error('could not take up leader duties');
  }
}

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.closeAll();
  cluster = undefined;
  leaderships = new ReplaySubject<LeadershipHandle>();
  vi.restoreAllMocks();
});

describe('LeaderModule lifecycle on a three-node cluster', () => {
  it('hands leadership over when the leader’s application closes', async () => {
    cluster = await TestCluster.start({ providers: [Tracker] });
    const { node: oldLeader, term } = await cluster.elected();
    const handle = await until(
      leaderships,
      (candidate) => candidate.term === term,
      `the handle of term ${term}`,
    );

    await cluster.close(oldLeader);

    // The leadership ended by transfer (not by the lease lapsing), and the others agree on a successor.
    expect(handle.signal.aborted).toBe(true);
    expect(handle.signal.reason).toMatchObject({ name: 'LeadershipLostError', reason: 'transfer' });
    const { node: successor, term: newTerm } = await cluster.elected('a successor');
    expect(successor.id).not.toBe(oldLeader.id);
    expect(newTerm).toBeGreaterThan(term);
  });

  it('emits each leader$ state once, through an election and a transfer', async () => {
    cluster = await TestCluster.start();
    const seen = cluster.nodes.map((node) => {
      const values: LeaderState[] = [];
      node.leader.leader$.subscribe((value) => values.push(value));
      return values;
    });
    const { node: first } = await cluster.elected();
    const target = cluster.open.find((node) => node !== first)!;
    await first.leader.transferLeadership(target.id);
    await cluster.elected('the transfer target');

    for (const values of seen) {
      expect(values.length).toBeGreaterThan(1);
      for (const [index, value] of values.slice(1).entries()) expect(value).not.toEqual(values[index]);
    }
  });

  it('completes the closed application’s streams, after their last value', async () => {
    cluster = await TestCluster.start();
    const { node } = await cluster.elected();
    const values: LeaderState[] = [];
    let completed = false;
    node.leader.leader$.subscribe({
      next: (value) => values.push(value),
      complete: () => (completed = true),
    });
    const peersDone = new Promise<void>((resolve) => node.leader.peers$.subscribe({ complete: resolve }));
    const messagesDone = new Promise<void>((resolve) =>
      node.leader.messages$.subscribe({ complete: resolve }),
    );

    await cluster.close(node);

    expect(completed).toBe(true);
    await Promise.all([peersDone, messagesDone]);
    expect(values.at(-1)?.isLeader).toBe(false);
  });

  it('steps a node down when its @OnBecomeLeader() handler throws', async () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    cluster = await TestCluster.start({ providers: [FailsOnce] });

    const first = await until(leaderships, () => true, 'a first leader');

    const reason = await aborted(first.signal);
    expect(reason).toMatchObject({ name: 'LeadershipLostError', reason: 'step-down' });
    expect(errors.mock.calls.map(([message]) => String(message))).toContain(
      "FailsOnce.lead failed while handling 'became-leader'",
    );
    // Every node fails once; the cluster then settles on a leader whose handler succeeded.
    await cluster.elected('a leader whose handler succeeded');
  });
});
