/**
 * Messages a transport hands over together (`onMessages`, a BATCH frame of the libp2p transport) are applied
 * in one step: one save covers all their changes, and their answers leave together after it. (Handed over
 * one by one in the same task, the group commit of the save pipeline saves once too; the step saves the
 * runtime's work per message: one output, one pipeline batch and one timer update for all.)
 */
import { describe, expect, it } from 'vitest';
import {
  type ElectionMessage,
  LeaderElection,
  MemoryStateStore,
  type TransportHandlers,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const GROUPS = ['g1', 'g2', 'g3'];
const voteOf = (group: string): ElectionMessage => ({
  type: 'vote',
  cluster: 'test',
  from: 'b',
  to: 'a',
  term: 1,
  configuration: { term: 0, version: 1 },
  // A transfer's vote: a node that just started votes for no other candidate for a minimum election timeout.
  transfer: true,
  group,
});

async function nodeA(clock: VirtualClock) {
  let handlers: TransportHandlers | null = null;
  const sent: { message: ElectionMessage; savesBefore: number }[] = [];
  const store = new MemoryStateStore();
  const transport = {
    localId: 'a',
    start: async (h: TransportHandlers) => {
      handlers = h;
    },
    stop: async () => {},
    send: (message: ElectionMessage) => void sent.push({ message, savesBefore: store.saves }),
    broadcast: () => {},
    peers: () => ['b', 'c'],
  };
  const election = new LeaderElection({
    clusterId: 'test',
    voters: ['a', 'b', 'c'],
    transport,
    store,
    timeProvider: clock.provider('a'),
    // The longest election timeouts: node a does not campaign while the test runs.
    random: () => 0.999,
  });
  for (const group of GROUPS) election.group(group);
  await election.start();
  const votesGranted = () =>
    sent.filter(({ message }) => message.type === 'vote-response' && message.granted && message.group);
  return { election, store, sent, votesGranted, handlers: () => handlers as unknown as TransportHandlers };
}

describe('messages handed over together', () => {
  it('are applied in one step: one save for the votes of three groups, then the three answers', async () => {
    const clock = new VirtualClock(1_000);
    const node = await nodeA(clock);
    const before = node.store.saves;
    node.handlers().onMessages?.(GROUPS.map(voteOf));
    await clock.runUntil(() => node.votesGranted().length === 3, { within: 1_000 });
    expect(node.store.saves - before).toBe(1);
    // Every answer waited for that save.
    expect(node.votesGranted().every(({ savesBefore }) => savesBefore === before + 1)).toBe(true);
    expect(node.votesGranted().map(({ message }) => message.group)).toEqual(GROUPS);
    const stopping = node.election.stop();
    await clock.runUntil(() => node.election.status === 'stopped', { within: 10_000 });
    await stopping;
  });

  it('one that fails does not keep the others out', async () => {
    const clock = new VirtualClock(1_000);
    const node = await nodeA(clock);
    const poisoned = {
      cluster: 'test',
      from: 'b',
      to: 'a',
      term: 1,
      get type(): never {
        throw new Error('poisoned message');
      },
    } as unknown as ElectionMessage;
    node.handlers().onMessages?.([voteOf('g1'), poisoned, voteOf('g2')]);
    await clock.runUntil(() => node.votesGranted().length === 2, { within: 1_000 });
    expect(node.votesGranted().map(({ message }) => message.group)).toEqual(['g1', 'g2']);
    const stopping = node.election.stop();
    await clock.runUntil(() => node.election.status === 'stopped', { within: 10_000 });
    await stopping;
  });
});
