import { Injectable } from '@nestjs/common';
import { BehaviorSubject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
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
  readonly followed: [string | null, number][] = [];
  readonly leaderChanges: [string | null, string | null, number][] = [];
  readonly termChanges: [number, number][] = [];
  readonly joined: string[] = [];
  readonly left: string[] = [];
  readonly messages: [unknown, string][] = [];
  /** Bumped on every call, so a test can wait for a condition on what was recorded. */
  readonly calls = new BehaviorSubject(0);

  @OnBecomeLeader() lead(handle: LeadershipHandle) {
    this.record(() => this.leaderships.push(handle));
  }
  @OnBecomeFollower() follow(leaderId: string | null, term: number) {
    this.record(() => this.followed.push([leaderId, term]));
  }
  @OnLeaderChange() leaderChanged(leaderId: string | null, previous: string | null, term: number) {
    this.record(() => this.leaderChanges.push([leaderId, previous, term]));
  }
  @OnTermChange() termChanged(term: number, previous: number) {
    this.record(() => this.termChanges.push([term, previous]));
  }
  @OnPeerJoined() peerJoined(peer: string) {
    this.record(() => this.joined.push(peer));
  }
  @OnPeerLeft() peerLeft(peer: string) {
    this.record(() => this.left.push(peer));
  }
  @OnClusterMessage() message(payload: unknown, from: string) {
    this.record(() => this.messages.push([payload, from]));
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
  it('fire with the arguments each decorator documents', async () => {
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
      // @OnTermChange(): (new term, previous term), ending at the elected term.
      await until(
        recorder.calls,
        () => recorder.termChanges.some(([to]) => to === term),
        `${node.id} term ${term}`,
      );
      for (const [to, from] of recorder.termChanges) expect(to).toBeGreaterThan(from);
      // @OnLeaderChange(): (leader, previous, term).
      await until(
        recorder.calls,
        () => recorder.leaderChanges.some(([id, , at]) => id === leader.id && at === term),
        `${node.id} to see ${leader.id} lead`,
      );
      // @OnPeerJoined(): the two other nodes.
      await until(recorder.calls, () => recorder.joined.length >= 2, `${node.id} to see its peers`);
      expect([...recorder.joined].sort()).toEqual(
        cluster.nodes.map((n) => n.id).filter((id) => id !== node.id),
      );
    }
    // @OnClusterMessage(): (payload, sender).
    leader.leader.broadcast({ greeting: 'hello' });
    for (const follower of followers) {
      const recorder = recorderOf(follower);
      await until(
        recorder.calls,
        () => recorder.messages.length > 0,
        `${follower.id} to receive the broadcast`,
      );
      expect(recorder.messages).toEqual([[{ greeting: 'hello' }, leader.id]]);
    }

    // @OnBecomeFollower(): (leader id or null, term), when a node becomes a follower. A node that followed
    // from the start never "becomes" one; the leader does when it hands leadership over.
    const [successor, leaving] = followers as [ClusterNode, ClusterNode];
    await leader.leader.transferLeadership(successor.id);
    const old = recorderOf(leader);
    await until(old.calls, () => old.followed.length > 0, `${leader.id} to follow`);
    for (const [id, at] of old.followed) {
      expect(at).toBeGreaterThanOrEqual(term);
      expect([null, successor.id]).toContain(id);
    }
    // ... and its @OnLeaderChange() calls chain up: each names the previous call's leader as `previous`
    // (from none, to itself, possibly none again during the transfer, to the successor).
    await until(
      old.calls,
      () => old.leaderChanges.some(([id]) => id === successor.id),
      'the change of leader',
    );
    const changes = old.leaderChanges;
    expect(changes[0]?.[1]).toBeNull();
    for (const [index, [, previous]] of changes.slice(1).entries())
      expect(previous).toBe(changes[index]?.[0]);
    expect(changes.map(([id]) => id)).toContain(leader.id);
    expect(changes.at(-1)?.[0]).toBe(successor.id);

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
