import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LeaderElection, MemoryStateStore, pinoElectionLogger } from '../../src/index.js';
import { MemoryNetwork } from '../../src/testing/index.js';

describe('pinoElectionLogger', () => {
  it("writes the election's lines as pino JSON, the fields as top-level keys", async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const logger = pinoElectionLogger(pino({ level: 'info' }, destination).child({ component: 'baton' }));
    const election = new LeaderElection({
      clusterId: 'jobs',
      voters: ['a'],
      transport: new MemoryNetwork().transport('a'),
      store: new MemoryStateStore(),
      logger,
    });
    await election.start();
    await election.whenLeader();
    await election.stop();
    const leader = lines.find((line) => line.msg === 'became leader');
    expect(leader).toMatchObject({ level: 30, component: 'baton', id: 'a', term: election.term() });
    expect(lines.find((line) => line.msg === 'leadership ended')).toMatchObject({ reason: 'stopped' });
    expect(lines.every((line) => typeof line.msg === 'string' && !String(line.msg).includes('{'))).toBe(true);
  });
});
