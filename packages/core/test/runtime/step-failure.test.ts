/**
 * A step that throws (a transport that hands over a malformed message object, say) must cost only that
 * input: the inputs queued behind it still run.
 */
import { describe, expect, it } from 'vitest';
import {
  type ElectionMessage,
  LeaderElection,
  MemoryStateStore,
  type TransportHandlers,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { type LogEntry, recordingLogger } from './cluster-harness.js';

describe('a failing step', () => {
  it('drops only the input that failed; the ones queued behind it still run', async () => {
    const clock = new VirtualClock(1_000);
    const logs: LogEntry[] = [];
    let handlers: TransportHandlers | null = null;
    let reentered = false;
    // Its getter throws once the machine reads the type, after the envelope checks passed.
    const poisoned = {
      cluster: 'test',
      from: 'b',
      to: 'a',
      term: 5,
      get type(): never {
        throw new Error('poisoned message');
      },
    } as unknown as ElectionMessage;
    const transport = {
      localId: 'a',
      start: async (h: TransportHandlers) => {
        handlers = h;
      },
      stop: async () => {},
      // The first message a sends (its pre-vote, sent while it steps) makes two inputs queue behind the step.
      send: () => {
        if (reentered || handlers === null) return;
        reentered = true;
        handlers.onMessage(poisoned);
        handlers.onMessage({
          type: 'heartbeat',
          cluster: 'test',
          from: 'b',
          to: 'a',
          term: 5,
          round: 1,
          configuration: { term: 0, version: 1 },
        });
      },
      broadcast: () => {},
      peers: () => ['b', 'c'],
    };
    const election = new LeaderElection({
      clusterId: 'test',
      voters: ['a', 'b', 'c'],
      transport,
      store: new MemoryStateStore(),
      logger: recordingLogger('a', logs),
      timeProvider: clock.provider('a'),
      random: () => 0,
    });
    await election.start();
    await clock.runUntil(() => reentered, { within: 1_000 });
    expect(logs.map((l) => l.message)).toContain('an election step failed');
    expect(election.term()).toBe(5);
    expect(election.leader()).toBe('b');
    const stopping = election.stop();
    await clock.runUntil(() => election.status === 'stopped', { within: 10_000 });
    await stopping;
  });
});
