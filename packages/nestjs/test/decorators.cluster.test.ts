import { Injectable } from '@nestjs/common';
import { BehaviorSubject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClusterMessage,
  type LeaderElectionEvents,
  type LeadershipHandle,
  OnBecomeFollower,
  OnBecomeLeader,
  OnClusterMessage,
  OnLeaderChange,
  OnPeerJoined,
  OnPeerLeft,
  OnTermChange,
} from '../src/index.js';
import { type ClusterNode, TestCluster, until } from './support/cluster.js';

@Injectable()
class Recorder {
  readonly leaderships: LeadershipHandle[] = [];
  readonly followed: LeaderElectionEvents['became-follower'][] = [];
  readonly leaderChanges: LeaderElectionEvents['leader-changed'][] = [];
  readonly termChanges: LeaderElectionEvents['term-changed'][] = [];
  readonly joined: string[] = [];
  readonly left: string[] = [];
  readonly messages: ClusterMessage[] = [];
  /** Bumped on every call, so a test can wait for a condition on what was recorded. */
  readonly calls = new BehaviorSubject(0);

  @OnBecomeLeader() lead(handle: LeadershipHandle) {
    this.record(() => this.leaderships.push(handle));
  }
  @OnBecomeFollower() follow(event: LeaderElectionEvents['became-follower']) {
    this.record(() => this.followed.push(event));
  }
  @OnLeaderChange() leaderChanged(event: LeaderElectionEvents['leader-changed']) {
    this.record(() => this.leaderChanges.push(event));
  }
  @OnTermChange() termChanged(event: LeaderElectionEvents['term-changed']) {
    this.record(() => this.termChanges.push(event));
  }
  @OnPeerJoined() peerJoined(peer: string) {
    this.record(() => this.joined.push(peer));
  }
  @OnPeerLeft() peerLeft(peer: string) {
    this.record(() => this.left.push(peer));
  }
  @OnClusterMessage() message(message: ClusterMessage) {
    this.record(() => this.messages.push(message));
  }

  private record(write: () => void) {
    write();
    this.calls.next(this.calls.value + 1);
  }
}

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.closeAll();
  cluster = undefined;
});

describe('event decorators on a three-node cluster', () => {
  it('fire with the events as the election emits them', async () => {
    cluster = await TestCluster.start({ providers: [Recorder] });
    const { node: leader, term } = await cluster.elected();
    const followers = cluster.open.filter((node) => node !== leader);
    const recorderOf = (node: ClusterNode) => node.app.get(Recorder);

    // @OnBecomeLeader(): the leader got its handle: term, fencing token, a live signal. (Handlers run
    // after the election published its state, so the handle may arrive just after leader$ agreed.)
    const recorded = recorderOf(leader);
    await until(recorded.calls, () => recorded.leaderships.some((h) => h.term === term), 'the handle');
    const [handle] = recorded.leaderships.filter((candidate) => candidate.term === term);
    expect(handle).toMatchObject({ term, fencingToken: term, since: expect.any(Number) });
    expect(handle?.signal.aborted).toBe(false);
    for (const follower of followers)
      expect(recorderOf(follower).leaderships.map((h) => h.term)).not.toContain(term);

    for (const node of cluster.open) {
      const recorder = recorderOf(node);
      // @OnTermChange(): { from, to }, ending at the elected term.
      await until(
        recorder.calls,
        () => recorder.termChanges.some(({ to }) => to === term),
        `${node.id} term ${term}`,
      );
      for (const { from, to } of recorder.termChanges) expect(to).toBeGreaterThan(from);
      // @OnLeaderChange(): { leader, previous, term }.
      await until(
        recorder.calls,
        () => recorder.leaderChanges.some((change) => change.leader === leader.id && change.term === term),
        `${node.id} to see ${leader.id} lead`,
      );
      // @OnPeerJoined(): the two other nodes.
      await until(recorder.calls, () => recorder.joined.length >= 2, `${node.id} to see its peers`);
      expect([...recorder.joined].sort()).toEqual(
        cluster.nodes.map((n) => n.id).filter((id) => id !== node.id),
      );
    }
    // @OnClusterMessage(): { from, payload }.
    leader.leader.broadcast({ greeting: 'hello' });
    for (const follower of followers) {
      const recorder = recorderOf(follower);
      await until(
        recorder.calls,
        () => recorder.messages.length > 0,
        `${follower.id} to receive the broadcast`,
      );
      expect(recorder.messages).toEqual([{ from: leader.id, payload: { greeting: 'hello' } }]);
    }

    // @OnBecomeFollower(): { leader, term }. The followers got it when they learned the elected leader...
    for (const follower of followers) {
      const recorder = recorderOf(follower);
      await until(
        recorder.calls,
        () => recorder.followed.some((event) => event.leader === leader.id && event.term === term),
        `${follower.id} to follow ${leader.id}`,
      );
    }
    // ... and the leader gets it when it hands leadership over.
    const [successor, leaving] = followers as [ClusterNode, ClusterNode];
    const old = recorderOf(leader);
    const followedBefore = old.followed.length;
    await leader.leader.transferLeadership(successor.id);
    await until(old.calls, () => old.followed.length > followedBefore, `${leader.id} to follow`);
    for (const event of old.followed.slice(followedBefore)) {
      expect(event.term).toBeGreaterThanOrEqual(term);
      expect([null, successor.id]).toContain(event.leader);
    }
    // ... and its @OnLeaderChange() calls chain up: each names the previous call's leader as `previous`
    // (from none, to itself, possibly none again during the transfer, to the successor).
    await until(
      old.calls,
      () => old.leaderChanges.some((change) => change.leader === successor.id),
      'the change of leader',
    );
    const changes = old.leaderChanges;
    expect(changes[0]?.previous).toBeNull();
    for (const [index, { previous }] of changes.slice(1).entries())
      expect(previous).toBe(changes[index]?.leader);
    expect(changes.map((change) => change.leader)).toContain(leader.id);
    expect(changes.at(-1)?.leader).toBe(successor.id);

    // @OnPeerLeft(): the peer's id, on the nodes that stay.
    const staying = successor;
    await cluster.close(leaving);
    const recorder = recorderOf(staying);
    await until(
      recorder.calls,
      () => recorder.left.includes(leaving.id),
      `${staying.id} to see ${leaving.id} leave`,
    );
    expect(recorder.left).toEqual([leaving.id]);
  });
});
