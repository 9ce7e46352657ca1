import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CorruptStateError,
  type ElectionLogger,
  LeaderElection,
  type PersistentState,
  STATE_FILE,
  StateLockedError,
} from '../../src/index.js';
import { MemoryNetwork } from '../../src/testing/index.js';

const IDS = ['a', 'b', 'c'];
const quiet: ElectionLogger = { debug() {}, info() {}, warn() {}, error() {} };

let root: string;
let running: LeaderElection[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'baton-runtime-'));
});
afterEach(async () => {
  await Promise.all(running.map((node) => node.stop()));
  running = [];
  await rm(root, { recursive: true, force: true });
});

function node(network: MemoryNetwork, id: string): LeaderElection {
  const election = new LeaderElection({
    clusterId: 'files',
    voters: IDS,
    transport: network.transport(id),
    dataDir: join(root, id),
    logger: quiet,
  });
  running.push(election);
  return election;
}

async function readState(id: string): Promise<PersistentState> {
  return JSON.parse(await readFile(join(root, id, STATE_FILE), 'utf8')).state;
}

// Real timers here: the file store does real I/O. The tests wait on events (whenLeader), never on sleeps.
describe('LeaderElection with FileStateStore', () => {
  it('a restarted cluster keeps every node term and vote', async () => {
    const network = new MemoryNetwork();
    const first = IDS.map((id) => node(network, id));
    await Promise.all(first.map((n) => n.start()));
    const handle = await Promise.any(first.map((n) => n.whenLeader()));
    await Promise.all(first.map((n) => n.stop()));
    running = [];
    // What each node knew when it stopped is exactly what is on its disk.
    const known = first.map((n) => ({ term: n.term(), votedFor: n.inspect().votedFor }));
    const saved = await Promise.all(IDS.map(readState));
    saved.forEach((state, i) => {
      expect({ term: state.term, votedFor: state.votedFor }).toEqual(known[i]);
    });
    expect(Math.max(...saved.map((s) => s.term))).toBeGreaterThanOrEqual(handle.term);

    const second = IDS.map((id) => node(network, id));
    await Promise.all(second.map((n) => n.start()));
    // Each starts from its saved term and vote. Real timers: on a loaded machine an election may already have
    // moved a node on by the time all have started, so a later term is fine; the same term keeps the vote.
    second.forEach((n, i) => {
      expect(n.term()).toBeGreaterThanOrEqual(saved[i]!.term);
      if (n.term() === saved[i]!.term) expect(n.inspect().votedFor).toBe(saved[i]!.votedFor);
    });
    const next = await Promise.any(second.map((n) => n.whenLeader()));
    expect(next.term).toBeGreaterThan(Math.max(...saved.map((s) => s.term)));
  });

  it('start() fails on a corrupt state file, naming it, and releases the directory', async () => {
    const network = new MemoryNetwork();
    const a = node(network, 'a');
    await a.start();
    await a.stop();
    const file = join(root, 'a', STATE_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).slice(0, 20));
    const again = node(network, 'a');
    const error = await again.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptStateError);
    expect((error as Error).message).toContain(file);
    expect(again.status).toBe('idle');
    expect(network.members).toEqual([]); // the transport was not left running
  });

  it('a second runtime on the same data directory fails at start naming the directory', async () => {
    const network = new MemoryNetwork();
    await node(network, 'a').start();
    const twin = node(new MemoryNetwork(), 'a');
    const error = await twin.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateLockedError);
    expect((error as Error).message).toContain(join(root, 'a'));
  });
});
