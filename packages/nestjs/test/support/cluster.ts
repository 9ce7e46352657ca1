import { MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { ConsoleLogger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { combineLatest, filter, firstValueFrom, type Observable, throwError, timeout } from 'rxjs';
import { LeaderModule, type LeaderModuleOptions, LeaderService } from '../../src/index.js';

/**
 * Election timing for tests. All nodes share one event loop, so a stall delays every node alike; the
 * stall tolerance is raised above the production default (the lease margin, ~29 ms here) so that a busy
 * shared CI machine does not keep deposing leaders.
 */
export const TEST_TIMING = {
  electionTimeoutMin: 300,
  electionTimeoutMax: 600,
  heartbeatInterval: 50,
  maxEventLoopStall: 250,
} satisfies Partial<LeaderModuleOptions>;

/** Generous bound on any wait for the cluster: it fails the test instead of hanging it, nothing more. */
export const WAIT_MS = 10_000;

export interface ClusterNode {
  readonly id: string;
  readonly app: TestingModule;
  readonly leader: LeaderService;
  closed: boolean;
}

export interface ClusterInit {
  ids?: readonly string[];
  /** The voters every node is given; default: every id (the others start as observers). */
  voters?: readonly string[];
  providers?: Provider[];
  imports?: (Type | DynamicModule)[];
  options?: Partial<LeaderModuleOptions>;
}

/** Resolves with the first value of `source` that satisfies `predicate`; rejects after `ms`. */
export function until<T>(
  source: Observable<T>,
  predicate: (value: T) => boolean,
  what: string,
  ms = WAIT_MS,
): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      timeout({
        first: ms,
        with: () => throwError(() => new Error(`timed out after ${ms} ms waiting for ${what}`)),
      }),
    ),
  );
}

/** Resolves when `signal` aborts (at once if it has); rejects after `ms`. */
export function aborted(signal: AbortSignal, ms = WAIT_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve(signal.reason);
    const timer = setTimeout(() => reject(new Error(`signal not aborted within ${ms} ms`)), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(signal.reason);
    });
  });
}

/** Three (by default) Nest applications in this process, one per node, on one in-memory network. */
export class TestCluster {
  readonly network = new MemoryNetwork();
  readonly nodes: ClusterNode[] = [];

  static async start(init: ClusterInit = {}): Promise<TestCluster> {
    const cluster = new TestCluster();
    const ids = init.ids ?? ['node-a', 'node-b', 'node-c'];
    for (const id of ids) cluster.nodes.push(await cluster.boot(id, init.voters ?? ids, init));
    return cluster;
  }

  private async boot(id: string, voters: readonly string[], init: ClusterInit): Promise<ClusterNode> {
    const app = await Test.createTestingModule({
      imports: [
        LeaderModule.forRoot({
          clusterId: 'nest-tests',
          voters,
          transport: this.network.transport(id),
          store: new MemoryStateStore(),
          ...TEST_TIMING,
          ...init.options,
        }),
        ...(init.imports ?? []),
      ],
      providers: init.providers ?? [],
    })
      .setLogger(new ConsoleLogger({ logLevels: ['error', 'warn'], prefix: id }))
      .compile();
    await app.init();
    return { id, app, leader: app.get(LeaderService), closed: false };
  }

  node(id: string): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  get open(): ClusterNode[] {
    return this.nodes.filter((node) => !node.closed);
  }

  /**
   * Waits until one open node leads and every open node agrees on it; returns that node and its term.
   * The agreement is read from the nodes' `leader$` streams (the API under test), not by polling.
   */
  async elected(what = 'a leader every node agrees on'): Promise<{ node: ClusterNode; term: number }> {
    const nodes = this.open;
    const states = await until(
      combineLatest(nodes.map((node) => node.leader.leader$)),
      (all) =>
        all.filter((state) => state.isLeader).length === 1 &&
        all.every((state) => state.leader !== null && state.leader === all[0]?.leader),
      what,
    );
    const leading = nodes[states.findIndex((state) => state.isLeader)]!;
    return { node: leading, term: states.find((state) => state.isLeader)!.term };
  }

  async close(node: ClusterNode): Promise<void> {
    if (node.closed) return;
    node.closed = true;
    await node.app.close();
  }

  /** Closes every open node, leaders last, so that no leader waits for a successor that is closing too. */
  async closeAll(): Promise<void> {
    const ordered = [...this.open].sort((a, b) => Number(a.leader.isLeader()) - Number(b.leader.isLeader()));
    for (const node of ordered) await this.close(node);
  }
}
