import type { ClusterMessage, LeaderElection, LeaderElectionEvents, LeadershipHandle } from '@baton/core';
import { Injectable, Logger, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EventHandlerError,
  LeaderModule,
  type LeaderModuleOptions,
  OnBecomeFollower,
  OnBecomeLeader,
  OnClusterMessage,
  OnLeaderChange,
  OnLeadershipLost,
  OnPeerJoined,
  OnPeerLeft,
  OnTermChange,
} from '../src/index.js';
import { LEADER_ELECTION } from '../src/leader.constants.js';
import { FakeElection } from './support/fake-election.js';

@Injectable()
class Recorder {
  readonly calls: [string, unknown][] = [];
  @OnBecomeLeader() lead(handle: LeadershipHandle) {
    this.calls.push(['lead', handle]);
  }
  @OnBecomeFollower() follow(event: LeaderElectionEvents['became-follower']) {
    this.calls.push(['follow', event]);
  }
  @OnLeaderChange() leaderChanged(event: LeaderElectionEvents['leader-changed']) {
    this.calls.push(['leaderChanged', event]);
  }
  @OnTermChange() termChanged(event: LeaderElectionEvents['term-changed']) {
    this.calls.push(['termChanged', event]);
  }
  @OnLeadershipLost() lost(event: LeaderElectionEvents['leadership-lost']) {
    this.calls.push(['lost', event]);
  }
  @OnPeerJoined() joined(peer: string) {
    this.calls.push(['joined', peer]);
  }
  @OnPeerLeft() left(peer: string) {
    this.calls.push(['left', peer]);
  }
  @OnClusterMessage() message(message: ClusterMessage) {
    this.calls.push(['message', message]);
  }
  @OnPeerJoined()
  @OnPeerLeft()
  membership(peer: string) {
    this.calls.push(['membership', peer]);
  }
}

const crash = new Error('cannot take up duties');

@Injectable()
class Failing {
  @OnBecomeLeader() crash() {
    throw crash;
  }
  @OnBecomeFollower() async reject() {
    throw new Error('async failure');
  }
}

@Injectable()
class NeverSettles {
  @OnBecomeLeader() hang() {
    return new Promise<void>(() => {});
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequest {
  @OnBecomeLeader() lead() {}
}

let app: TestingModule | undefined;

async function boot(providers: unknown[], options: Partial<LeaderModuleOptions> = {}) {
  const election = new FakeElection();
  app = await Test.createTestingModule({
    imports: [
      LeaderModule.forRoot({ clusterId: 'fake', transport: {} as never, dataDir: 'unused', ...options }),
    ],
    providers: providers as never[],
  })
    .overrideProvider(LEADER_ELECTION)
    .useValue(election as unknown as LeaderElection)
    .compile();
  await app.init();
  return election;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(async () => {
  await app?.close();
  app = undefined;
  vi.restoreAllMocks();
});

describe('LeaderExplorer', () => {
  it('calls each decorated method with the event as the election emits it', async () => {
    const election = await boot([Recorder]);
    const recorder = app!.get(Recorder);

    election.follow('node-b', 1);
    election.connect('node-c');
    election.emit('message', { from: 'node-c', payload: { hello: 1 } });
    const handle = election.becomeLeader(2);
    election.disconnect('node-c');
    election.follow('node-b', 3);

    expect(recorder.calls).toEqual([
      ['termChanged', { from: 0, to: 1 }],
      ['leaderChanged', { leader: 'node-b', previous: null, term: 1 }],
      ['follow', { leader: 'node-b', term: 1 }],
      ['joined', 'node-c'],
      ['membership', 'node-c'],
      ['message', { from: 'node-c', payload: { hello: 1 } }],
      ['termChanged', { from: 1, to: 2 }],
      ['leaderChanged', { leader: 'node-a', previous: 'node-b', term: 2 }],
      ['lead', handle],
      ['left', 'node-c'],
      ['membership', 'node-c'],
      ['termChanged', { from: 2, to: 3 }],
      ['lost', { term: 2, reason: 'higher-term' }],
      ['leaderChanged', { leader: 'node-b', previous: 'node-a', term: 3 }],
      ['follow', { leader: 'node-b', term: 3 }],
    ]);
  });

  it('hands a failing handler’s error to the election, naming the handler, and neither logs it nor steps down', async () => {
    const logged = vi.spyOn(Logger.prototype, 'error');
    const election = await boot([Failing]);

    election.becomeLeader(3); // Failing.crash throws
    election.follow('node-b', 4); // Failing.reject rejects
    await settle();

    expect(election.handlerFailures).toHaveLength(2);
    const [thrown, rejected] = election.handlerFailures.map(({ event, error }) => ({ event, error }));
    expect(thrown?.event).toBe('became-leader');
    expect(thrown?.error).toBeInstanceOf(EventHandlerError);
    expect(thrown?.error).toMatchObject({
      code: 'ERR_EVENT_HANDLER_FAILED',
      handler: 'Failing.crash',
      event: 'became-leader',
      cause: crash,
      message: "Failing.crash failed while handling 'became-leader': Error: cannot take up duties",
    });
    expect(rejected?.error).toMatchObject({
      handler: 'Failing.reject',
      event: 'became-follower',
      cause: { message: 'async failure' },
    });
    // The election reports the failure and decides about stepping down (stepDownOnHandlerError), not the module.
    expect(logged).not.toHaveBeenCalled();
    expect(election.steppedDown).toBe(0);
  });

  it('does not let a handler that never settles hold back the others', async () => {
    const election = await boot([NeverSettles, Recorder]);
    const recorder = app!.get(Recorder);

    const handle = election.becomeLeader(1);
    election.follow('node-b', 2);

    expect(recorder.calls.filter(([call]) => call === 'lead' || call === 'follow')).toEqual([
      ['lead', handle],
      ['follow', { leader: 'node-b', term: 2 }],
    ]);
  });

  it('warns about handlers in request-scoped providers instead of failing', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const election = await boot([PerRequest]);

    election.becomeLeader(1);

    expect(warn.mock.calls.map(([message]) => String(message))).toContainEqual(
      expect.stringContaining('"PerRequest.lead"'),
    );
  });

  it('refuses an event decorator on something that is not a method, naming both', () => {
    const accessor = { get: () => 1 } as TypedPropertyDescriptor<unknown>;
    expect(() => OnPeerLeft()(Recorder.prototype, 'count', accessor)).toThrow(
      expect.objectContaining({
        name: 'InvalidDecoratorTargetError',
        code: 'ERR_INVALID_DECORATOR_TARGET',
        decorator: '@OnPeerLeft()',
        target: 'Recorder.count',
      }),
    );
  });

  it('unsubscribes every handler when the application shuts down', async () => {
    const election = await boot([Recorder]);
    expect(election.listenerCount()).toBeGreaterThan(0);

    await app!.close();
    app = undefined;

    expect(election.listenerCount()).toBe(0);
    expect(election.stopped).toBe(true);
  });
});
