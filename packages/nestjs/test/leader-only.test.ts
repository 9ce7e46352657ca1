import type { LeaderElection, LeadershipHandle } from '@baton/core';
import { Injectable, Logger, Scope } from '@nestjs/common';
import { ContextIdFactory } from '@nestjs/core';
import { Cron, Interval, ScheduleModule, SchedulerRegistry, Timeout } from '@nestjs/schedule';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidDecoratorTargetError,
  InvalidOptionError,
  LeaderModule,
  LeaderOnly,
  type LeaderOnlyOptions,
} from '../src/index.js';
import { LEADER_ELECTION } from '../src/leader.constants.js';
import { FakeElection } from './support/fake-election.js';

/** A method of every kind, with @LeaderOnly() above and below the schedule decorator. */
@Injectable()
class Jobs {
  readonly runs: Record<string, unknown[][]> = {};

  private note(name: string, args: unknown[]) {
    this.runs[name] ??= [];
    this.runs[name].push(args);
  }

  @LeaderOnly()
  @Interval('outer-interval', 60_000)
  outerInterval(...args: unknown[]) {
    this.note('outerInterval', args);
  }

  @Interval('inner-interval', 60_000)
  @LeaderOnly()
  innerInterval(...args: unknown[]) {
    this.note('innerInterval', args);
  }

  @LeaderOnly()
  @Cron('0 0 1 1 *', { name: 'outer-cron' })
  async outerCron(...args: unknown[]) {
    this.note('outerCron', args);
  }

  @Cron('0 0 1 1 *', { name: 'inner-cron' })
  @LeaderOnly({ passLeadership: true })
  async innerCron(...args: unknown[]) {
    this.note('innerCron', args);
  }

  @LeaderOnly()
  @Timeout('outer-timeout', 60_000)
  outerTimeout(...args: unknown[]) {
    this.note('outerTimeout', args);
  }

  @Timeout('inner-timeout', 60_000)
  @LeaderOnly()
  innerTimeout(...args: unknown[]) {
    this.note('innerTimeout', args);
  }

  @LeaderOnly({ passLeadership: true })
  withToken(leadership: LeadershipHandle, label: string) {
    this.note('withToken', [leadership, label]);
    return label;
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestJobs {
  runs = 0;
  @LeaderOnly()
  run() {
    this.runs += 1;
  }
}

const METHODS = [
  'outerInterval',
  'innerInterval',
  'outerCron',
  'innerCron',
  'outerTimeout',
  'innerTimeout',
] as const;

let app: TestingModule | undefined;

async function boot(election: FakeElection, providers: unknown[] = [Jobs]) {
  app = await Test.createTestingModule({
    imports: [
      ScheduleModule.forRoot(),
      LeaderModule.forRoot({ clusterId: 'fake', transport: {} as never, dataDir: 'unused' }),
    ],
    providers: providers as never[],
  })
    .overrideProvider(LEADER_ELECTION)
    .useValue(election as unknown as LeaderElection)
    .compile();
  await app.init();
  return { app, registry: app.get(SchedulerRegistry) };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
  vi.restoreAllMocks();
});

describe('@LeaderOnly() with @nestjs/schedule', () => {
  it('keeps the schedule metadata in either decorator order', async () => {
    const { registry } = await boot(new FakeElection());

    expect(registry.getIntervals().sort()).toEqual(['inner-interval', 'outer-interval']);
    expect(registry.getTimeouts().sort()).toEqual(['inner-timeout', 'outer-timeout']);
    expect([...registry.getCronJobs().keys()].sort()).toEqual(['inner-cron', 'outer-cron']);
  });

  it('runs the scheduled methods on the leader only, whatever the order', async () => {
    const election = new FakeElection();
    const { app, registry } = await boot(election);
    const jobs = app.get(Jobs);
    const fire = async () => {
      for (const name of ['outer-interval', 'inner-interval']) {
        (registry.getInterval(name) as unknown as { _onTimeout: () => void })._onTimeout();
      }
      for (const name of ['outer-timeout', 'inner-timeout']) {
        (registry.getTimeout(name) as unknown as { _onTimeout: () => void })._onTimeout();
      }
      for (const name of ['outer-cron', 'inner-cron']) await registry.getCronJob(name).fireOnTick();
    };

    await fire(); // a follower: nothing runs
    expect(jobs.runs).toEqual({});

    election.becomeLeader(7);
    await fire();
    for (const method of METHODS) expect(jobs.runs[method], method).toHaveLength(1);
    // passLeadership hands the leadership (token and signal) over as the first argument.
    const [[handle]] = jobs.runs.innerCron as [[{ fencingToken: number; signal: AbortSignal }]];
    expect(handle.fencingToken).toBe(7);
    expect(handle.signal.aborted).toBe(false);

    election.follow('node-b', 8);
    await fire();
    for (const method of METHODS) expect(jobs.runs[method], method).toHaveLength(1);
  });

  it('prepends the leadership to the caller’s arguments and returns the result', async () => {
    const election = new FakeElection();
    const jobs = (await boot(election)).app.get(Jobs);

    // The decorator supplies the first parameter: callers pass only the rest.
    const withToken = jobs.withToken.bind(jobs) as unknown as (label: string) => string | undefined;
    expect(withToken('skipped')).toBeUndefined();
    const handle = election.becomeLeader(3);
    expect(withToken('ran')).toBe('ran');
    expect(jobs.runs.withToken).toEqual([[handle, 'ran']]);
  });

  it('returns a resolved promise from a skipped async method', async () => {
    const jobs = (await boot(new FakeElection())).app.get(Jobs);
    await expect(jobs.outerCron()).resolves.toBeUndefined();
  });

  it('decides for request-scoped instances, created after bootstrap, through their class', async () => {
    const election = new FakeElection();
    const { app } = await boot(election, [PerRequestJobs]);
    const perRequest = await app.resolve(PerRequestJobs, ContextIdFactory.create());

    perRequest.run();
    election.becomeLeader(2);
    perRequest.run();

    expect(perRequest.runs).toBe(1);
  });

  it('skips, with one warning, an instance no application registered', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const stray = new Jobs();

    stray.outerInterval();
    stray.outerInterval();

    expect(stray.runs).toEqual({});
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('Jobs.outerInterval');
  });

  it('keeps the name of the method it wraps', () => {
    expect(Jobs.prototype.outerInterval.name).toBe('outerInterval');
    expect(Jobs.prototype.innerCron.name).toBe('innerCron');
  });

  it.each([
    ['the former passFencingToken', { passFencingToken: true }, 'passFencingToken'],
    ['a passLeadership that is not a boolean', { passLeadership: 'yes' }, 'passLeadership'],
    ['options that are not an object', 42, 'options'],
    ['a group that is not a string', { group: 7 }, 'group'],
    ['two different groups', ['billing', { group: 'reports' }], 'group'],
    ['options after options', [{ passLeadership: true }, {}], 'options'],
  ])('refuses %s with an InvalidOptionError naming it', (_case, options, option) => {
    const failure = (() => {
      try {
        if (Array.isArray(options)) LeaderOnly(...(options as [string, LeaderOnlyOptions]));
        else LeaderOnly(options as LeaderOnlyOptions);
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(InvalidOptionError);
    expect(failure).toMatchObject({ code: 'ERR_INVALID_OPTION', option });
  });

  it('refuses to decorate something that is not a method', () => {
    const failure = (() => {
      try {
        LeaderOnly()(Jobs.prototype, 'field', { value: 42 } as TypedPropertyDescriptor<unknown>);
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(InvalidDecoratorTargetError);
    expect(failure).toMatchObject({
      code: 'ERR_INVALID_DECORATOR_TARGET',
      decorator: '@LeaderOnly()',
      target: 'Jobs.field',
      message: '@LeaderOnly() can only decorate a method; Jobs.field is not one',
    });
  });
});
