import { MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import {
  Body,
  ConsoleLogger,
  Controller,
  Get,
  type INestApplication,
  Logger,
  Post,
  UseGuards,
} from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClusterHealthIndicator, IsLeaderHealthIndicator } from '../src/health/index.js';
import { LeaderGuard, LeaderModule, LeaderOnly, LeaderRoute, LeaderService } from '../src/index.js';
import { TEST_TIMING, until } from './support/cluster.js';

@Controller('jobs')
class JobsController {
  @Post('run')
  @LeaderRoute()
  run(@Body() job: { name: string }) {
    return { ran: job.name };
  }

  @Post('forwarded')
  @LeaderRoute({ redirect: true, retryAfter: 3 })
  forwarded() {
    return { ran: 'forwarded' };
  }
}

@Controller('admin')
@UseGuards(LeaderGuard)
class AdminController {
  @Get('reindex')
  reindex() {
    return { reindexing: true };
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cluster: ClusterHealthIndicator,
    private readonly role: IsLeaderHealthIndicator,
  ) {}

  @Get('ready')
  ready() {
    return this.health.check([() => this.cluster.isHealthy('election')]);
  }

  @Get('leader')
  leader() {
    return this.health.check([() => this.role.isHealthy()]);
  }
}

/** The body of a terminus health check. */
interface Health {
  details: Record<string, { status: string } | undefined>;
}

interface HttpNode {
  readonly id: string;
  readonly app: INestApplication;
  readonly url: string;
  readonly leader: LeaderService;
}

const ids = ['http-a', 'http-b', 'http-c'];
let nodes: HttpNode[] = [];

afterEach(async () => {
  const ordered = [...nodes].sort((a, b) => Number(a.leader.isLeader()) - Number(b.leader.isLeader()));
  for (const node of ordered) await node.app.close();
  nodes = [];
});

/** Three HTTP applications on one in-memory network; each knows the others' URLs (`leaderAddress`). */
async function startHttpCluster(): Promise<HttpNode[]> {
  const network = new MemoryNetwork();
  const urls = new Map<string, string>();
  const started: HttpNode[] = [];
  for (const id of ids) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }), // a follower's down answer is expected here
        LeaderModule.forRoot({
          clusterId: 'nest-http',
          voters: ids,
          transport: network.transport(id),
          store: new MemoryStateStore(),
          leaderAddress: (leader) => urls.get(leader),
          ...TEST_TIMING,
        }),
      ],
      controllers: [JobsController, AdminController, HealthController],
      providers: [ClusterHealthIndicator, IsLeaderHealthIndicator],
    })
      .setLogger(new ConsoleLogger({ logLevels: ['error'], prefix: id }))
      .compile();
    const app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    urls.set(id, url);
    started.push({ id, app, url, leader: app.get(LeaderService) });
  }
  return started;
}

async function elected(all: HttpNode[]): Promise<{ leader: HttpNode; follower: HttpNode }> {
  for (const node of all) {
    await until(node.leader.leader$, (state) => state.leader !== null, `${node.id} to know a leader`);
  }
  const leader = all.find((node) => node.leader.isLeader())!;
  const follower = all.find((node) => node !== leader)!;
  await until(follower.leader.leader$, (state) => state.leader === leader.id, 'the follower to follow');
  return { leader, follower };
}

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    redirect: 'manual',
  });

describe('leader-only HTTP routes', () => {
  it('serve on the leader; a follower answers 503 with the leader, its address and Retry-After', async () => {
    nodes = await startHttpCluster();
    const { leader, follower } = await elected(nodes);

    const served = await post(`${leader.url}/jobs/run`, { name: 'reindex' });
    expect(served.status).toBe(201);
    expect(await served.json()).toEqual({ ran: 'reindex' });

    const refused = await post(`${follower.url}/jobs/run`, { name: 'reindex' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'this node is not the leader',
      code: 'ERR_NOT_LEADER',
      leader: leader.id,
      leaderAddress: leader.url,
    });

    // @UseGuards(LeaderGuard) on a whole controller.
    expect((await fetch(`${leader.url}/admin/reindex`)).status).toBe(200);
    const admin = await fetch(`${follower.url}/admin/reindex`);
    expect(admin.status).toBe(503);
    expect(((await admin.json()) as { leader: string }).leader).toBe(leader.id);
  });

  it('redirects to the leader with `redirect: true` (307: same method and body)', async () => {
    nodes = await startHttpCluster();
    const { leader, follower } = await elected(nodes);
    const redirected = await post(`${follower.url}/jobs/forwarded?priority=high`, { name: 'x' });
    expect(redirected.status).toBe(307);
    expect(redirected.headers.get('location')).toBe(`${leader.url}/jobs/forwarded?priority=high`);
    // fetch follows a 307 with the same method and body: the leader answers.
    const followed = await fetch(`${follower.url}/jobs/forwarded`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(followed.status).toBe(201);
    expect(await followed.json()).toEqual({ ran: 'forwarded' });
  });

  it('readiness is up on every member; the is-leader indicator on the leader only', async () => {
    nodes = await startHttpCluster();
    const { leader } = await elected(nodes);
    for (const node of nodes) {
      await until(node.leader.leader$, (state) => state.leader === leader.id, `${node.id} to follow`);
      const ready = await fetch(`${node.url}/health/ready`);
      expect(ready.status, node.id).toBe(200);
      expect(((await ready.json()) as Health).details.election).toMatchObject({
        status: 'up',
        leader: leader.id,
        electionStatus: 'running',
        membership: { version: 1 },
      });
      const role = await fetch(`${node.url}/health/leader`);
      expect(role.status, node.id).toBe(node === leader ? 200 : 503);
      expect(((await role.json()) as Health).details.leader!.status).toBe(node === leader ? 'up' : 'down');
    }
  });
});

describe('@LeaderOnly() on a route handler', () => {
  it('is reported at bootstrap: it answers 200 with an empty body on followers', async () => {
    @Controller('report')
    class ReportController {
      @Get()
      @LeaderOnly()
      report() {
        return { report: true };
      }
    }
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          LeaderModule.forRoot({
            clusterId: 'nest-route-warning',
            voters: ['solo'],
            transport: new MemoryNetwork().transport('solo'),
            store: new MemoryStateStore(),
          }),
        ],
        controllers: [ReportController],
      }).compile();
      await moduleRef.init();
      await moduleRef.close();
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(
          /@LeaderOnly\(\) is on the route handler ReportController\.report.*@LeaderRoute\(\)/,
        ),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('@LeaderRoute() refuses unknown or wrong options when the class is defined', () => {
    expect(() => LeaderRoute({ redirect: 'yes' } as never)).toThrow(/invalid option redirect/);
    expect(() => LeaderRoute({ retryAfter: 1.5 })).toThrow(/invalid option retryAfter/);
    expect(() => LeaderRoute({ to: 'leader' } as never)).toThrow(/invalid option to/);
  });
});
