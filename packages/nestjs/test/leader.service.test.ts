import type { LeaderElection } from '@baton/core';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { LeaderState } from '../src/interfaces/leader-state.interface.js';
import { COMPLETE_STREAMS, LeaderService } from '../src/leader.service.js';
import { FakeElection } from './support/fake-election.js';

function setup() {
  const election = new FakeElection();
  const service = new LeaderService(election as unknown as LeaderElection);
  return { election, service };
}

/** Subscribes and records every value, and whether the stream completed. */
function record<T>(source: Observable<T>) {
  const recorded = { values: [] as T[], completed: false };
  source.subscribe({
    next: (value) => recorded.values.push(value),
    complete: () => {
      recorded.completed = true;
    },
  });
  return recorded;
}

const follower = (leader: string | null, term: number): LeaderState => ({
  leader,
  term,
  isLeader: false,
  role: 'follower',
});

describe('LeaderService streams', () => {
  it('gives a new subscriber the current value at once', () => {
    const { election, service } = setup();
    election.follow('node-b', 3);

    const late = record(service.leader$);

    expect(late.values).toEqual([follower('node-b', 3)]);
  });

  it('emits each change once, and nothing for events that change nothing', () => {
    const { election, service } = setup();
    const leader = record(service.leader$);
    const isLeader = record(service.isLeader$);
    const term = record(service.term$);

    election.follow('node-b', 1); // term-changed, leader-changed, became-follower: one new state
    election.emit('became-follower', { leader: 'node-b', term: 1 }); // a repeat: no new state
    election.becomeLeader(2);
    election.follow('node-c', 3);

    expect(leader.values).toEqual([
      follower(null, 0),
      follower('node-b', 1),
      { leader: 'node-a', term: 2, isLeader: true, role: 'leader' },
      follower('node-c', 3),
    ]);
    expect(isLeader.values).toEqual([false, true, false]);
    expect(term.values).toEqual([0, 1, 2, 3]);
  });

  it('keeps peers$ sorted and free of repeats', () => {
    const { election, service } = setup();
    const peers = record(service.peers$);

    election.connect('node-c');
    election.connect('node-b');
    election.emit('peer-joined', 'node-b'); // reported twice by a transport: no new value
    election.disconnect('node-c');

    expect(peers.values).toEqual([[], ['node-c'], ['node-b', 'node-c'], ['node-b']]);
  });

  it('passes cluster messages through messages$ without replaying them', () => {
    const { election, service } = setup();
    election.emit('message', { from: 'node-b', payload: 'before' });
    const messages = record(service.messages$);

    election.emit('message', { from: 'node-b', payload: { n: 1 } });

    expect(messages.values).toEqual([{ from: 'node-b', payload: { n: 1 } }]);
  });

  it('completes every stream, with its last value, and detaches from the election on shutdown', () => {
    const { election, service } = setup();
    const leader = record(service.leader$);
    const streams = [
      record(service.isLeader$),
      record(service.term$),
      record(service.peers$),
      record(service.messages$),
    ];
    election.becomeLeader(4);
    election.follow(null, 4);

    service[COMPLETE_STREAMS]();

    expect(leader.completed).toBe(true);
    expect(leader.values.at(-1)).toEqual(follower(null, 4));
    expect(streams.every((stream) => stream.completed)).toBe(true);
    expect(election.listenerCount()).toBe(0);
    // A subscriber after shutdown gets completion at once, not a stale value.
    const after = record(service.leader$);
    expect(after.completed).toBe(true);
  });

  it('reports the current leadership only while this node leads', () => {
    const { election, service } = setup();
    expect(service.currentLeadership()).toBeNull();
    const handle = election.becomeLeader(5);
    expect(service.currentLeadership()).toBe(handle);
    election.follow('node-b', 6);
    expect(service.currentLeadership()).toBeNull();
  });
});

describe('LeaderService membership', () => {
  it('reads the membership, the voters, the observers and the configuration from the election', () => {
    const { election, service } = setup();
    election.observe('node-d');

    expect(service.membership()).toBe(election.members);
    expect(service.voters()).toEqual(['node-a']);
    expect(service.observers()).toEqual(['node-d']);
    expect(service.configuration()).toEqual({ voters: ['node-a'], version: 1, term: 0 });
  });

  it('emits the membership on voters-changed and on peers joining or leaving, never the same one twice', () => {
    const { election, service } = setup();
    const memberships = record(service.membership$);
    const voters = record(service.voters$);

    election.observe('node-d'); // an observer joins: a new membership, the same voters
    election.connect('node-e'); // a peer that changes nothing in the membership
    election.setVoters(['node-a', 'node-d']);
    election.disconnect('node-e');

    expect(
      memberships.values.map(({ voters, observers, version }) => ({ voters, observers, version })),
    ).toEqual([
      { voters: ['node-a'], observers: [], version: 1 },
      { voters: ['node-a'], observers: ['node-d'], version: 1 },
      { voters: ['node-a', 'node-d'], observers: [], version: 2 },
    ]);
    expect(voters.values).toEqual([['node-a'], ['node-a', 'node-d']]);

    service[COMPLETE_STREAMS]();
    expect(memberships.completed).toBe(true);
    expect(voters.completed).toBe(true);
  });

  it('hands addVoter, removeVoter and replaceVoter to the election with their options', async () => {
    const { election, service } = setup();
    const options = { expectedVersion: 1, timeout: 2_000 };

    await expect(service.addVoter('node-d', options)).resolves.toMatchObject({ version: 2 });
    await service.replaceVoter('node-d', 'node-e', options);
    await service.removeVoter('node-e');

    expect(election.changes).toEqual([
      ['addVoter', 'node-d', options],
      ['replaceVoter', 'node-d', 'node-e', options],
      ['removeVoter', 'node-e', undefined],
    ]);
    expect(service.voters()).toEqual(['node-a']);
  });
});
