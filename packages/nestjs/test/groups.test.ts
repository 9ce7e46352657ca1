import { type LeaderElection, type LeadershipHandle, MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import { Controller, Injectable, Post, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { BehaviorSubject, firstValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterHealthIndicator } from '../src/health/index.js';
import {
  GroupNotAskedError,
  InvalidOptionError,
  type LeaderGroup,
  LeaderModule,
  type LeaderModuleOptions,
  LeaderOnly,
  LeaderRoute,
  LeaderService,
  OnBecomeFollower,
  OnBecomeLeader,
  OnLeaderChange,
  OnLeadershipLost,
  OnTermChange,
} from '../src/index.js';
import { LEADER_ELECTION } from '../src/leader.constants.js';
import { TEST_TIMING, until } from './support/cluster.js';

let app: TestingModule | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** One node that is the whole cluster: it leads the default election and every group it asks for. */
async function solo(
  init: { options?: Partial<LeaderModuleOptions>; providers?: Type[]; controllers?: Type[] } = {},
) {
  app = await Test.createTestingModule({
    imports: [
      LeaderModule.forRoot({
        clusterId: 'groups',
        voters: ['solo'],
        transport: new MemoryNetwork().transport('solo'),
        store: new MemoryStateStore(),
        ...TEST_TIMING,
        ...init.options,
      }),
      TerminusModule,
    ],
    controllers: init.controllers ?? [],
    providers: [ClusterHealthIndicator, ...(init.providers ?? [])],
  }).compile();
  await app.init();
  return app;
}

/** What decorating `Class.method` with `decorator` throws, or `undefined`. */
function decorationFailure(decorate: () => unknown): unknown {
  try {
    decorate();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('decorators with a group name', () => {
  const bad = 'Billing Jobs';
  it.each([
    ['@LeaderOnly(group)', () => LeaderOnly(bad), '@LeaderOnly()'],
    ['@LeaderOnly(group, options)', () => LeaderOnly(bad, { passLeadership: true }), '@LeaderOnly()'],
    ['@LeaderOnly({ group })', () => LeaderOnly({ group: bad }), '@LeaderOnly()'],
    ['@OnBecomeLeader(group)', () => OnBecomeLeader(bad), '@OnBecomeLeader()'],
    ['@OnBecomeFollower(group)', () => OnBecomeFollower(bad), '@OnBecomeFollower()'],
    ['@OnLeaderChange(group)', () => OnLeaderChange(bad), '@OnLeaderChange()'],
    ['@OnLeadershipLost(group)', () => OnLeadershipLost(bad), '@OnLeadershipLost()'],
    ['@OnTermChange(group)', () => OnTermChange(bad), '@OnTermChange()'],
  ])(
    '%s refuses a bad name when the class is defined, naming the class and the method',
    (_case, make, decorator) => {
      const failure = decorationFailure(() => {
        class Billing {
          charge() {}
        }
        const descriptor = Object.getOwnPropertyDescriptor(Billing.prototype, 'charge')!;
        (make() as MethodDecorator)(Billing.prototype, 'charge', descriptor);
      });
      expect(failure).toBeInstanceOf(InvalidOptionError);
      expect(failure).toMatchObject({ option: 'group', value: bad });
      expect((failure as Error).message).toContain(`${decorator} on Billing.charge`);
    },
  );

  it('@LeaderRoute({ group }) refuses a bad name', () => {
    const failure = decorationFailure(() => LeaderRoute({ group: 'Billing Jobs' }));
    expect(failure).toBeInstanceOf(InvalidOptionError);
    expect(failure).toMatchObject({ option: 'group' });
  });

  it('accept the same name in both places of @LeaderOnly(), and the default group by name', () => {
    expect(() => LeaderOnly('billing', { group: 'billing' })).not.toThrow();
    class Jobs {
      @LeaderOnly('default') run() {}
      @OnBecomeLeader('default') lead() {}
    }
    expect(Jobs).toBeDefined();
  });
});

@Injectable()
class Billing {
  readonly runs: LeadershipHandle[] = [];
  readonly led = new BehaviorSubject<LeadershipHandle[]>([]);
  /** Subscribed in the constructor: before the module asked for the decorated group. */
  readonly states: boolean[] = [];

  constructor(leaderService: LeaderService) {
    leaderService.group('billing').isLeader$.subscribe((leads) => this.states.push(leads));
  }

  @LeaderOnly('billing', { passLeadership: true })
  charge(handle: LeadershipHandle) {
    this.runs.push(handle);
    return handle.fencingToken;
  }

  @OnBecomeLeader('billing')
  lead(handle: LeadershipHandle) {
    this.led.next([...this.led.value, handle]);
  }
}

@Controller('billing')
@LeaderRoute({ group: 'invoices' })
class InvoicesController {
  @Post('close') close() {
    return { closed: true };
  }
}

describe('LeaderService.group()', () => {
  it('throws for a group nobody asked for, naming the `groups` option', async () => {
    const moduleRef = await solo({ options: { groups: ['reports'] } });
    const leaderService = moduleRef.get(LeaderService);
    const failure = decorationFailure(() => leaderService.group('billing'));
    expect(failure).toBeInstanceOf(GroupNotAskedError);
    expect(failure).toMatchObject({ code: 'ERR_GROUP_NOT_ASKED', group: 'billing', asked: ['reports'] });
    expect((failure as Error).message).toContain('`groups` option');
    // A bad name is refused as such.
    expect(decorationFailure(() => leaderService.group('Billing'))).toBeInstanceOf(InvalidOptionError);
    // Asking was not done behind our back: the election has no record of the group.
    expect(Object.keys(moduleRef.get<LeaderElection>(LEADER_ELECTION).inspect().groups ?? {})).toEqual([
      'reports',
    ]);
  });

  it('gives a group of the `groups` option its own streams and operations', async () => {
    const moduleRef = await solo({ options: { groups: ['reports'] } });
    const leaderService = moduleRef.get(LeaderService);
    const reports: LeaderGroup = leaderService.group('reports');
    expect(leaderService.group('reports')).toBe(reports);
    expect(reports.name).toBe('reports');

    const state = await until(reports.leader$, (s) => s.isLeader, 'the node to lead reports');
    expect(state).toEqual({ leader: 'solo', term: reports.term(), isLeader: true, role: 'leader' });
    expect(reports.isLeader()).toBe(true);
    expect(reports.leader()).toBe('solo');
    const handle = await reports.whenLeader();
    expect(handle.fencingToken).toBe(reports.term());
    expect(reports.currentLeadership()).toBe(handle);
    expect(leaderService.currentLeadership('reports')).toBe(handle);
    await expect(firstValueFrom(reports.term$)).resolves.toBe(reports.term());

    // The default election is a group of its own: `group('default')` describes it.
    expect(leaderService.group('default').term()).toBe(leaderService.term());

    // Stepping down ends the group's leadership only.
    const leaderOfDefault = await leaderService.whenLeader();
    expect(reports.stepDown()).toBe(true);
    expect(handle.signal.aborted).toBe(true);
    expect(reports.currentLeadership()).toBeNull();
    expect(leaderOfDefault.signal.aborted).toBe(false);

    // Streams complete at shutdown, after their last value.
    const values = firstValueFrom(reports.isLeader$.pipe(toArray()));
    await moduleRef.close();
    app = undefined;
    expect((await values).at(-1)).toBe(false); // the stop ended every leadership
  });

  it('asks for the groups the decorators name: @LeaderOnly(group) runs with the group’s handle', async () => {
    const moduleRef = await solo({ providers: [Billing] });
    const billing = moduleRef.get(Billing);
    const leaderService = moduleRef.get(LeaderService);

    await until(leaderService.group('billing').isLeader$, Boolean, 'the node to lead billing');
    // isLeader$, subscribed in a constructor, emitted false then true.
    expect(billing.states).toEqual([false, true]);
    const handle = await leaderService.group('billing').whenLeader();
    // @OnBecomeLeader('billing') got the group's handle, not the default election's.
    await until(billing.led, (led) => led.length > 0, '@OnBecomeLeader(billing)');
    expect(billing.led.value).toEqual([handle]);
    expect(billing.charge(undefined as never)).toBe(handle.fencingToken);
    expect(billing.runs).toEqual([handle]);
    expect(handle.fencingToken).toBe(leaderService.group('billing').term());

    // Once the node leads billing no more, the method does not run.
    leaderService.group('billing').stepDown();
    expect(billing.charge(undefined as never)).toBeUndefined();
    expect(billing.runs).toHaveLength(1);
  });

  it('asks for the group of @LeaderRoute({ group }), and lists the groups led in the health details', async () => {
    const moduleRef = await solo({ controllers: [InvoicesController], options: { groups: ['reports'] } });
    const leaderService = moduleRef.get(LeaderService);
    await until(leaderService.group('invoices').isLeader$, Boolean, 'the node to lead invoices');
    await until(leaderService.group('reports').isLeader$, Boolean, 'the node to lead reports');
    const health = moduleRef.get(ClusterHealthIndicator).isHealthy('election');
    expect(health.election).toMatchObject({ groupsLed: ['invoices', 'reports'] });
  });
});

describe('the `groups` option', () => {
  it.each([
    ['a name that is not one', ['billing', 'Reports'], 'groups[1] is not an election group name'],
    ['not a list', 'billing', 'must be a list of election group names'],
    ['an entry of another kind', [7], 'groups[0] must be a group name or { name, preferred }'],
    ['an entry without a valid name', [{ preferred: true }], 'groups[0].name is not an election group name'],
    ['an unknown field', [{ name: 'billing', prefered: true }], 'groups[0] has unknown field prefered'],
    [
      'a preference that is not a boolean',
      [{ name: 'billing', preferred: 'yes' }],
      'groups[0].preferred must be a boolean',
    ],
    [
      'a preference for the default election',
      [{ name: 'default', preferred: true }],
      'groups[0].preferred is set for the default election',
    ],
    [
      'a name listed twice',
      ['billing', { name: 'billing', preferred: true }],
      'groups[1].name names group billing a second time',
    ],
  ])('refuses %s, naming the option and the entry', async (_case, groups, message) => {
    const failure = await solo({ options: { groups: groups as string[] } }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidOptionError);
    expect(failure).toMatchObject({ option: 'groups' });
    expect((failure as Error).message).toContain(message);
  });

  it('asks for a group listed with { name, preferred }, with the preference, also when a decorator names it', async () => {
    const moduleRef = await solo({
      providers: [Billing],
      options: { groups: [{ name: 'billing', preferred: true }, { name: 'reports' }] },
    });
    const election = moduleRef.get<LeaderElection>(LEADER_ELECTION);
    await until(moduleRef.get(LeaderService).group('reports').isLeader$, Boolean, 'the node to lead reports');
    const groups = election.inspect().groups ?? {};
    expect(groups.billing).toMatchObject({ asked: true, preferred: true });
    expect(groups.reports).toMatchObject({ asked: true, preferred: false });
  });
});
