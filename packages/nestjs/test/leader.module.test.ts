import { CONSTRAINED_TIMINGS, InvalidOptionError, type LeaderElection, MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderHealthIndicator } from '../src/health/index.js';
import { LeaderModule, type LeaderModuleOptions, LeaderService } from '../src/index.js';
import { LEADER_ELECTION } from '../src/leader.constants.js';
import { TEST_TIMING, until } from './support/cluster.js';
import { FakeElection } from './support/fake-election.js';

const SETTINGS = 'SETTINGS';

@Module({ providers: [{ provide: SETTINGS, useValue: { cluster: 'async-cluster' } }], exports: [SETTINGS] })
class SettingsModule {}

/** Lives in a module that does not import LeaderModule: it sees LeaderService only when the module is global. */
@Injectable()
class Elsewhere {
  constructor(readonly leader: LeaderService) {}
}

@Module({ providers: [Elsewhere] })
class ElsewhereModule {}

let app: TestingModule | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function single(id = 'solo'): Pick<LeaderModuleOptions, 'voters' | 'transport' | 'store'> {
  return { voters: [id], transport: new MemoryNetwork().transport(id), store: new MemoryStateStore() };
}

async function compile(options: Partial<LeaderModuleOptions>) {
  return Test.createTestingModule({
    imports: [LeaderModule.forRoot({ clusterId: 'options', ...options } as LeaderModuleOptions)],
  }).compile();
}

describe('LeaderModule options', () => {
  it('builds the election from forRootAsync({ imports, inject, useFactory }) and can be global', async () => {
    app = await Test.createTestingModule({
      imports: [
        LeaderModule.forRootAsync({
          isGlobal: true,
          imports: [SettingsModule],
          inject: [SETTINGS],
          useFactory: (settings: { cluster: string }) => ({
            clusterId: settings.cluster,
            ...single(),
            ...TEST_TIMING,
          }),
        }),
        ElsewhereModule,
      ],
    }).compile();
    await app.init();

    const { leader } = app.get(Elsewhere);
    const state = await until(leader.leader$, (s) => s.isLeader, 'the single node to lead');
    expect(state).toEqual({ leader: 'solo', term: state.term, isLeader: true, role: 'leader' });
    expect(leader.inspect().clusterId).toBe('async-cluster');
    await expect(leader.whenLeader()).resolves.toMatchObject({ term: state.term, fencingToken: state.term });
  });

  it('takes the timing profile for constrained pods spread into its options', async () => {
    app = await compile({ ...single(), ...CONSTRAINED_TIMINGS });
    await app.init();
    const election = app.get<LeaderElection>(LEADER_ELECTION);
    // The stall bound follows from the timings: the lease (1200 × 0.95 / 1.05) less the heartbeat interval.
    expect(election.inspect().eventLoop.maxStall).toBeCloseTo((1200 * 0.95) / 1.05 - 200, 6);
  });

  it.each([
    ['no transport', {}, 'transport'],
    ['both a transport and libp2p options', { ...single(), libp2p: {} }, 'libp2p'],
    ['a stopTimeout the runtime refuses (passed through)', { ...single(), stopTimeout: 0 }, 'stopTimeout'],
    ['an election option the runtime refuses', { ...single(), electionTimeoutMax: 10 }, 'electionTimeoutMax'],
  ])('fails at compile time on %s, naming the option', async (_case, options, option) => {
    const failure = await compile(options as Partial<LeaderModuleOptions>).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidOptionError);
    expect(failure).toMatchObject({ option });
  });
});

@Injectable()
class HealthProbe {
  constructor(@Inject(LeaderHealthIndicator) readonly indicator: LeaderHealthIndicator) {}
}

describe('LeaderHealthIndicator', () => {
  async function boot(options: Partial<LeaderModuleOptions>) {
    app = await Test.createTestingModule({
      imports: [
        LeaderModule.forRoot({ clusterId: 'health', ...TEST_TIMING, ...options } as LeaderModuleOptions),
        TerminusModule,
      ],
      providers: [LeaderHealthIndicator, HealthProbe],
    }).compile();
    await app.init();
    return { leader: app.get(LeaderService), indicator: app.get(HealthProbe).indicator };
  }

  it('is up with the inspect() details once a leader is known', async () => {
    const { leader, indicator } = await boot(single());
    await until(leader.leader$, (state) => state.leader !== null, 'a leader');

    const result = await indicator.isHealthy('election');

    expect(result.election).toMatchObject({
      status: 'up',
      electionStatus: 'running',
      id: 'solo',
      leader: 'solo',
      clusterId: 'health',
      isLeader: true,
    });
  });

  it('is down while no leader is known', async () => {
    // One of three voters alone can never win an election.
    const network = new MemoryNetwork();
    const { indicator } = await boot({
      voters: ['a', 'b', 'c'],
      transport: network.transport('a'),
      store: new MemoryStateStore(),
    });

    const result = await indicator.isHealthy();

    expect(result.leader).toMatchObject({ status: 'down', leader: null, message: 'no leader known' });
  });
});

/** A provider that releases something at shutdown, as a database pool would. */
@Injectable()
class Pool implements OnApplicationShutdown {
  electionStoppedBeforeRelease: boolean | undefined;
  constructor(@Inject(LEADER_ELECTION) private readonly election: FakeElection) {}
  onApplicationShutdown() {
    this.electionStoppedBeforeRelease = this.election.stopped;
  }
}

describe('LeaderModule shutdown', () => {
  it('stops the election (its handover) before the providers’ onApplicationShutdown hooks run', async () => {
    const election = new FakeElection();
    app = await Test.createTestingModule({
      imports: [LeaderModule.forRoot({ clusterId: 'fake', transport: {} as never, dataDir: 'unused' })],
      providers: [Pool],
    })
      .overrideProvider(LEADER_ELECTION)
      .useValue(election as unknown as LeaderElection)
      .compile();
    await app.init();
    const pool = app.get(Pool);

    await app.close();
    app = undefined;

    expect(pool.electionStoppedBeforeRelease).toBe(true);
  });
});
