import type { LeaderElection } from '@baton/core';
import { Injectable, Logger } from '@nestjs/common';
import { BehaviorSubject, ReplaySubject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LeaderState, type LeadershipHandle, OnBecomeLeader } from '../src/index.js';
import { LEADER_ELECTION } from '../src/leader.constants.js';
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

interface LoggedError {
  readonly context: string | undefined;
  readonly message: string;
}

/** Records (and silences) what Nest's loggers write at level error, with the logger's context; `reported` counts. */
function spyOnErrors(): LoggedError[] & { reported: BehaviorSubject<number> } {
  const errors = Object.assign([] as LoggedError[], { reported: new BehaviorSubject(0) });
  vi.spyOn(Logger.prototype, 'error').mockImplementation(function (this: Logger, message: unknown) {
    errors.push({ context: (this as unknown as { context?: string }).context, message: String(message) });
    errors.reported.next(errors.length);
  });
  return errors;
}

afterEach(async () => {
  await cluster?.closeAll();
  cluster = undefined;
  leaderships = new ReplaySubject<LeadershipHandle>();
  vi.restoreAllMocks();
});

describe('LeaderModule lifecycle on a three-node cluster', () => {
  it('hands leadership over, once, when the leader’s application closes', async () => {
    cluster = await TestCluster.start({ providers: [Tracker] });
    const { node: oldLeader, term } = await cluster.elected();
    const handle = await until(
      leaderships,
      (candidate) => candidate.term === term,
      `the handle of term ${term}`,
    );
    const states: LeaderState[] = [];
    oldLeader.leader.leader$.subscribe((state) => states.push(state));
    const stop = vi.spyOn(oldLeader.app.get<LeaderElection>(LEADER_ELECTION), 'stop');

    await cluster.close(oldLeader);

    // The election's stop() ran once, in beforeApplicationShutdown, and ended the leadership as 'stopped'.
    expect(stop).toHaveBeenCalledTimes(1);
    expect(handle.signal.reason).toMatchObject({ name: 'LeadershipLostError', reason: 'stopped' });
    // It handed over: stop() returned only once this node knew its successor (a stop that ran out of
    // stopTimeout leaves with no leader known), and the others agree on that successor.
    const known = states.at(-1)?.leader;
    expect(known).not.toBeNull();
    expect(known).not.toBe(oldLeader.id);
    const { node: successor, term: newTerm } = await cluster.elected('a successor');
    expect(successor.id).toBe(known);
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

  it('steps a node down when its @OnBecomeLeader() handler throws: the election reports it and steps down', async () => {
    const errors = spyOnErrors();
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    cluster = await TestCluster.start({ providers: [FailsOnce] });

    const first = await until(leaderships, () => true, 'a first leader');

    const reason = await aborted(first.signal);
    expect(reason).toMatchObject({ name: 'LeadershipLostError', reason: 'step-down' });
    // The election reports the failure with the module's EventHandlerError naming the method; the module
    // itself logs nothing about it (it used to log it a second time, and step down a second time).
    const failure = errors.find(
      ({ context, message }) =>
        context === 'LeaderElection' &&
        message.startsWith('a became-leader handler failed {') &&
        message.includes("EventHandlerError: FailsOnce.lead failed while handling 'became-leader'"),
    );
    expect(failure, JSON.stringify(errors)).toBeDefined();
    expect(errors.filter(({ context }) => context === 'LeaderModule')).toEqual([]);
    // Every node fails once; the cluster then settles on a leader whose handler succeeded.
    await cluster.elected('a leader whose handler succeeded');
  });

  it.each([
    ['steps down (the default)', {}, 'step-down'],
    ['keeps leading with stepDownOnHandlerError: false', { stepDownOnHandlerError: false }, null],
  ] as const)(
    'after a failed @OnBecomeLeader() handler, a single node %s',
    async (_case, options, reason) => {
      const errors = spyOnErrors();
      cluster = await TestCluster.start({ ids: ['solo'], providers: [FailsOnce], options });
      const handle = await until(leaderships, () => true, 'the node to lead');

      await until(
        errors.reported,
        () => errors.some(({ message }) => message.includes('FailsOnce.lead failed')),
        'the failure to be reported',
      );
      // The election steps down, if it does, as it reports the failure: by the next turn of the loop it has.
      await new Promise((resolve) => setImmediate(resolve));

      expect(handle.signal.aborted ? (handle.signal.reason as { reason: string }).reason : null).toBe(reason);
    },
  );
});
