import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, MemoryStateStore, type Transport } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import type { DiscoverVotersOptions, VoterDiscovery } from '@baton/transport-libp2p';
import { ConsoleLogger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DiscoveryTimeoutError,
  LeaderModule,
  type LeaderModuleOptions,
  LeaderService,
} from '../src/index.js';
import { TEST_TIMING, until } from './support/cluster.js';

const apps: TestingModule[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const app of apps.splice(0).reverse()) await app.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-nestjs-zeroconf-'));
  dirs.push(dir);
  return dir;
}

async function boot(id: string, options: Partial<LeaderModuleOptions>): Promise<LeaderService> {
  const app = await Test.createTestingModule({
    imports: [
      LeaderModule.forRoot({ clusterId: 'zeroconf', ...TEST_TIMING, ...options } as LeaderModuleOptions),
    ],
  })
    .setLogger(new ConsoleLogger({ logLevels: ['error', 'warn'], prefix: id }))
    .compile();
  apps.push(app);
  await app.init();
  return app.get(LeaderService);
}

/** A MemoryNetwork transport that can discover voters as libp2p's does, answering with `found`. */
function discovering(transport: Transport, found: VoterDiscovery) {
  const discoverVoters = vi.fn(async (_options: DiscoverVotersOptions) => found);
  return { transport: Object.assign(transport, { discoverVoters }), discoverVoters };
}

describe('LeaderModule without voters', () => {
  it('joins the cluster it can reach as an observer, and the leader’s autopilot makes it a voter', async () => {
    const network = new MemoryNetwork();
    const autopilot = { stabilizationTime: 100 };
    const a = await boot('a', {
      voters: ['a'],
      transport: network.transport('a'),
      store: new MemoryStateStore(),
      autopilot,
    });
    await until(a.isLeader$, Boolean, 'a to lead alone');

    const b = await boot('b', {
      transport: network.transport('b'),
      store: new MemoryStateStore(),
      autopilot,
    });

    expect(b.membership().version).toBe(0); // no voters of its own: it can only join
    const voters = await until(b.voters$, (list) => list.includes('b'), 'b to be made a voter');
    expect(voters).toEqual(['a', 'b']);
    await until(a.membership$, ({ voters }) => voters.includes('b'), 'the leader to see b as a voter');
    expect(a.configuration().version).toBe(b.configuration().version);
  });

  it('forms the first voter set with the transport’s discoverVoters({ expect }) and, restarted, starts from its configuration', async () => {
    const dataDir = await tempDir();
    const first = discovering(new MemoryNetwork().transport('a'), { outcome: 'formed', voters: ['a'] });
    const a = await boot('a', { dataDir, expect: 1, transport: first.transport });

    expect(first.discoverVoters).toHaveBeenCalledOnce();
    expect(first.discoverVoters.mock.calls[0]?.[0]).toMatchObject({ expect: 1 });
    await until(a.isLeader$, Boolean, 'a to lead the set it formed');
    const { version } = a.configuration();
    await apps.pop()?.close();

    const again = discovering(new MemoryNetwork().transport('a'), { outcome: 'formed', voters: ['x'] });
    const restarted = await boot('a', { dataDir, expect: 3, transport: again.transport });

    expect(again.discoverVoters).not.toHaveBeenCalled(); // a member: its persisted configuration rules
    await until(restarted.isLeader$, Boolean, 'a to lead again');
    expect(restarted.configuration()).toMatchObject({ voters: ['a'], version });
  });

  it('asks for expect 1 when none is given, and starts with no voters when discovery says to join', async () => {
    const found = discovering(new MemoryNetwork().transport('b'), {
      outcome: 'join',
      voters: [],
      reason: 'leader-announced',
      peer: 'a',
      configuration: null,
    });
    const b = await boot('b', { dataDir: await tempDir(), transport: found.transport });

    expect(found.discoverVoters.mock.calls[0]?.[0]).toEqual({ expect: 1 }); // no discoveryTimeout: no limit
    expect(b.voters()).toEqual([]);
    expect(b.inspect().role).toBe('observer');
  });

  it('stops the transport that discovery opened when discovery fails', async () => {
    const transport = new MemoryNetwork().transport('a');
    const stop = vi.spyOn(transport, 'stop');
    const discoverVoters = vi.fn(async () => {
      throw new Error('found more members than expected');
    });
    const failure = await boot('a', {
      dataDir: await tempDir(),
      expect: 2,
      transport: Object.assign(transport, { discoverVoters }),
    }).catch((error: unknown) => error);

    expect((failure as Error).message).toBe('found more members than expected');
    expect(stop).toHaveBeenCalled();
  });
});

describe('LeaderModule discoveryTimeout', () => {
  /** A transport whose discovery never ends unless its signal aborts (no cluster, too few fresh nodes). */
  function waitingForever(peers: string[]) {
    const transport = new MemoryNetwork().transport('a');
    vi.spyOn(transport, 'peers').mockReturnValue(peers);
    const stop = vi.spyOn(transport, 'stop');
    const discoverVoters = vi.fn(
      ({ signal }: DiscoverVotersOptions) =>
        new Promise<VoterDiscovery>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    return { transport: Object.assign(transport, { discoverVoters }), stop };
  }

  it('fails the start with a DiscoveryTimeoutError naming the option and the peers found, and stops the transport', async () => {
    const { transport, stop } = waitingForever(['c', 'b']);
    const failure = await boot('a', {
      dataDir: await tempDir(),
      expect: 3,
      discoveryTimeout: 1,
      transport,
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DiscoveryTimeoutError);
    expect(failure).toMatchObject({
      code: 'ERR_DISCOVERY_TIMEOUT',
      timeout: 1,
      expect: 3,
      peers: ['b', 'c'],
    });
    expect((failure as Error).message).toMatch(
      /^discoveryTimeout \(1 ms\) ran out: this node found no cluster to join, and 2 peer\(s\) \(b, c\) of the 2 more fresh node\(s\) that expect=3 needs/,
    );
    expect(stop).toHaveBeenCalled();
  });

  it('says when it found no peer at all, and explains expect=1', () => {
    expect(new DiscoveryTimeoutError(5_000, 3, []).message).toMatch(/and no peer of the 2 more fresh node/);
    expect(new DiscoveryTimeoutError(5_000, 1, ['b']).message).toMatch(
      /expect=1 forms alone only when no fresh peer it sees has a smaller id; it found 1 peer\(s\) \(b\)/,
    );
  });

  it('gives discovery a signal only when discoveryTimeout is set, and a discovery that ends in time starts', async () => {
    const found = discovering(new MemoryNetwork().transport('a'), { outcome: 'formed', voters: ['a'] });
    const a = await boot('a', {
      dataDir: await tempDir(),
      discoveryTimeout: 60_000,
      transport: found.transport,
    });

    expect(found.discoverVoters.mock.calls[0]?.[0]?.signal).toBeInstanceOf(AbortSignal);
    await until(a.isLeader$, Boolean, 'a to lead the set it formed');
  });
});

describe('LeaderModule voter options', () => {
  const memory = () => ({ transport: new MemoryNetwork().transport('a'), store: new MemoryStateStore() });
  const discoveringOnly = () =>
    discovering(new MemoryNetwork().transport('a'), { outcome: 'formed', voters: ['a'] }).transport;

  it.each<[string, () => object, string]>([
    ['expect with voters', () => ({ ...memory(), voters: ['a'], expect: 3 }), 'expect'],
    ['expect below 1', () => ({ dataDir: '/tmp/unused', transport: discoveringOnly(), expect: 0 }), 'expect'],
    ['an expect that is not an integer', () => ({ ...memory(), expect: 2.5 }), 'expect'],
    ['expect with a transport that cannot discover', () => ({ ...memory(), expect: 3 }), 'expect'],
    ...[0, -5, 1.5, '60s', 2 ** 31].map((discoveryTimeout): [string, () => object, string] => [
      `discoveryTimeout ${JSON.stringify(discoveryTimeout)}`,
      () => ({ dataDir: '/tmp/unused', transport: discoveringOnly(), discoveryTimeout }),
      'discoveryTimeout',
    ]),
    [
      'discoveryTimeout with voters',
      () => ({ ...memory(), voters: ['a'], discoveryTimeout: 1_000 }),
      'discoveryTimeout',
    ],
    [
      'discoveryTimeout with a transport that cannot discover',
      () => ({ ...memory(), discoveryTimeout: 1_000 }),
      'discoveryTimeout',
    ],
    [
      'discovery without dataDir',
      () => ({ transport: discoveringOnly(), store: new MemoryStateStore() }),
      'dataDir',
    ],
    ['an option of its own misspelt', () => ({ ...memory(), voters: ['a'], expekt: 3 }), 'expekt'],
    [
      'an election option misspelt',
      () => ({ ...memory(), voters: ['a'], heartbeatIntreval: 3 }),
      'heartbeatIntreval',
    ],
  ])('fails on %s, naming the option', async (_case, options, option) => {
    const failure = await boot('a', options() as Partial<LeaderModuleOptions>).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(InvalidOptionError);
    expect(failure).toMatchObject({ option });
  });

  it('says which option a misspelt one may have meant', async () => {
    const failure = await boot('a', {
      ...memory(),
      voters: ['a'],
      expekt: 3,
    } as Partial<LeaderModuleOptions>).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/did you mean expect\?/);
  });

  it('takes isGlobal beside the options without calling it unknown', async () => {
    const app = await Test.createTestingModule({
      imports: [LeaderModule.forRoot({ isGlobal: true, clusterId: 'zeroconf', voters: ['a'], ...memory() })],
    }).compile();
    apps.push(app);
    expect(app.get(LeaderService).voters()).toEqual(['a']);
  });
});
