/**
 * A CommonJS NestJS 11 application, compiled with the tsconfig.json and tsconfig.build.json that Nest's CLI
 * generates (`module: commonjs`, hence `moduleResolution: node10`), that loads the built @baton/nestjs (an ES
 * module) with require(), as Node 20.19+ allows. Three application contexts form a cluster on the in-memory
 * network; the process prints one `COMPAT_RESULT {...}` line and exits by itself (exit code 1 when a check
 * failed). It uses what Nest 11 apps pair Baton with: @nestjs/schedule 6 (a `@LeaderOnly()` `@Interval()`
 * job), @nestjs/terminus 11 (`ClusterHealthIndicator` from `@baton/nestjs/health`) and nestjs-pino 4 (Baton's
 * lines as JSON with their fields). The optional @baton/transport-libp2p is not installed.
 */
import 'reflect-metadata';
import { Writable } from 'node:stream';
import { MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import {
  LeaderModule,
  LeaderOnly,
  LeaderService,
  type LeadershipHandle,
  OnBecomeLeader,
} from '@baton/nestjs';
import { ClusterHealthIndicator } from '@baton/nestjs/health';
import { type INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule as PinoLoggerModule, Logger as PinoNestLogger } from 'nestjs-pino';

@Injectable()
class Jobs {
  readonly fencingTokens: number[] = [];
  runs = 0;

  @OnBecomeLeader()
  lead(handle: LeadershipHandle): void {
    this.fencingTokens.push(handle.fencingToken);
  }

  @LeaderOnly()
  runOnLeaderOnly(): string {
    this.runs += 1;
    return 'ran';
  }

  /** The most requested use: a scheduled job that runs on the leader only. */
  readonly tickTokens: number[] = [];

  @Interval(20)
  @LeaderOnly({ passLeadership: true })
  tick(handle: LeadershipHandle): void {
    this.tickTokens.push(handle.fencingToken);
  }
}

@Module({})
class AppModule {}

const VOTERS = ['cjs-a', 'cjs-b', 'cjs-c'];
const WAIT_MS = 10_000;

function waitFor(what: string, check: () => boolean): Promise<void> {
  // Event-driven apps would subscribe to leader$; a plain check every 10 ms keeps the fixture small.
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + WAIT_MS;
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}

/** Without the optional @baton/transport-libp2p installed, `libp2p` options fail with a clear error. */
async function libp2pOptionsWithoutThePackage(): Promise<string> {
  try {
    const app = await NestFactory.createApplicationContext(
      {
        module: AppModule,
        imports: [LeaderModule.forRoot({ clusterId: 'compat', store: new MemoryStateStore(), libp2p: {} })],
      },
      { logger: false, abortOnError: false },
    );
    await app.close();
    return 'no error';
  } catch (error) {
    return `${(error as Error).name}: ${(error as { option?: string }).option}`;
  }
}

/**
 * A one-node cluster in an app that logs with nestjs-pino, set up as its README says (`bufferLogs`, then
 * `app.useLogger(app.get(Logger))`): Baton's 'became leader' line, as pino wrote it.
 */
async function pinoLines(): Promise<Record<string, unknown> | null> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const app = await NestFactory.createApplicationContext(
    {
      module: AppModule,
      imports: [
        PinoLoggerModule.forRoot({ pinoHttp: [{ level: 'info' }, stream] }),
        LeaderModule.forRoot({
          clusterId: 'compat-pino',
          voters: ['pino-a'],
          transport: new MemoryNetwork().transport('pino-a'),
          store: new MemoryStateStore(),
        }),
      ],
    },
    { bufferLogs: true },
  );
  app.useLogger(app.get(PinoNestLogger));
  await app.init();
  await waitFor('the pino node to lead', () => app.get(LeaderService).isLeader());
  await waitFor("pino's 'became leader' line", () => lines.some((line) => line.includes('became leader')));
  await app.close();
  const line = lines.find((candidate) => candidate.includes('became leader'));
  return line === undefined ? null : (JSON.parse(line) as Record<string, unknown>);
}

async function main(): Promise<void> {
  const libp2pMissing = await libp2pOptionsWithoutThePackage();
  const pinoLine = await pinoLines();
  const network = new MemoryNetwork();
  const nodes: { id: string; app: INestApplicationContext }[] = [];
  for (const id of VOTERS) {
    const app = await NestFactory.createApplicationContext(
      {
        module: AppModule,
        imports: [
          ScheduleModule.forRoot(),
          TerminusModule,
          LeaderModule.forRoot({
            clusterId: 'compat-nest11-cjs',
            voters: VOTERS,
            transport: network.transport(id),
            store: new MemoryStateStore(),
          }),
        ],
        providers: [Jobs, ClusterHealthIndicator],
      },
      { logger: ['error', 'warn'] },
    );
    nodes.push({ id, app });
  }
  const leaderOf = (node: (typeof nodes)[number]) => node.app.get(LeaderService);

  await waitFor('a leader', () => nodes.filter((node) => leaderOf(node).isLeader()).length === 1);
  const leader = nodes.find((node) => leaderOf(node).isLeader())!;
  await waitFor('the @OnBecomeLeader() handler', () => leader.app.get(Jobs).fencingTokens.length > 0);
  const results = nodes.map((node) => node.app.get(Jobs).runOnLeaderOnly());
  await waitFor('the leader-only @Interval() job', () => leader.app.get(Jobs).tickTokens.length >= 3);
  const ticks = nodes.map((node) => node.app.get(Jobs).tickTokens.length);
  const tickTokens = [...new Set(leader.app.get(Jobs).tickTokens)];
  const health = await leader.app.get(ClusterHealthIndicator).isHealthy('election');

  // Close the leader first: it hands leadership over to one of the others.
  await leader.app.close();
  const rest = nodes.filter((node) => node !== leader);
  await waitFor('a successor', () => rest.some((node) => leaderOf(node).isLeader()));
  const successor = rest.find((node) => leaderOf(node).isLeader())!.id;
  for (const node of rest) await node.app.close();

  const nestCommonCopies = Object.keys(require.cache).filter((path) =>
    /[\\/]@nestjs[\\/]common[\\/]index\.js$/.test(path),
  );
  const result = {
    nestVersion: require('@nestjs/core/package.json').version as string,
    batonNestjs: require.resolve('@baton/nestjs'),
    nestCommonCopies,
    leader: leader.id,
    fencingTokens: leader.app.get(Jobs).fencingTokens,
    leaderOnlyResults: results,
    ticks,
    tickTokens,
    health: health.election,
    scheduleVersion: require('@nestjs/schedule/package.json').version as string,
    terminusVersion: require('@nestjs/terminus/package.json').version as string,
    successor,
    libp2pMissing,
    pinoLine,
  };
  const leaderIndex = nodes.indexOf(leader);
  const ok =
    result.nestVersion.startsWith('11.') &&
    nestCommonCopies.length === 1 &&
    results.filter((value) => value === 'ran').length === 1 &&
    ticks.every((count, index) => (index === leaderIndex ? count >= 3 : count === 0)) &&
    tickTokens.length === 1 &&
    tickTokens[0] === result.fencingTokens[0] &&
    health.election.status === 'up' &&
    successor !== leader.id &&
    libp2pMissing === 'InvalidOptionError: libp2p' &&
    pinoLine?.msg === 'became leader' &&
    pinoLine.context === 'LeaderElection' &&
    pinoLine.id === 'pino-a' &&
    typeof pinoLine.term === 'number';
  console.log(`COMPAT_RESULT ${JSON.stringify({ ok, ...result })}`);
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
