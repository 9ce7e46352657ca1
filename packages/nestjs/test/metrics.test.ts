import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import { Controller, Get, Header, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { Registry, register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderModule, type LeaderModuleOptions, LeaderService } from '../src/index.js';
import { until } from './support/cluster.js';

let app: INestApplication | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

function solo(clusterId: string): LeaderModuleOptions {
  return {
    clusterId,
    voters: ['solo'],
    transport: new MemoryNetwork().transport('solo'),
    store: new MemoryStateStore(),
  };
}

async function serve(imports: unknown[], controllers: unknown[] = []): Promise<string> {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    controllers: controllers as never[],
  }).compile();
  app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  await until(app.get(LeaderService).isLeader$, (leading) => leading, 'the one node to lead');
  return `http://127.0.0.1:${app.getHttpServer().address().port}`;
}

describe('LeaderModule metrics', () => {
  it('appear on the /metrics of @willsoto/nestjs-prometheus with `metrics: true`, and leave at shutdown', async () => {
    const url = await serve([
      PrometheusModule.register({ defaultMetrics: { enabled: false } }),
      LeaderModule.forRoot({ ...solo('nest-willsoto'), metrics: true }),
    ]);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^baton_is_leader\{cluster="nest-willsoto"\} 1$/m);
    expect(text).toMatch(/^baton_elections_won_total\{cluster="nest-willsoto"\} 1$/m);
    expect(text).toContain('# TYPE baton_heartbeat_round_trip_seconds histogram');
    await app!.close();
    app = undefined;
    expect(await register.metrics()).not.toContain('baton_');
  });

  it('appear on a hand-made /metrics controller with `metrics: { registry }`', async () => {
    const registry = new Registry();
    @Controller('metrics')
    class MetricsController {
      @Get()
      @Header('content-type', registry.contentType)
      metrics() {
        return registry.metrics();
      }
    }
    const url = await serve(
      [LeaderModule.forRoot({ ...solo('nest-hand-made'), metrics: { registry } })],
      [MetricsController],
    );
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^baton_is_leader\{cluster="nest-hand-made"\} 1$/m);
    expect(text).toMatch(/^baton_members\{cluster="nest-hand-made",role="voter"\} 1$/m);
    expect(await register.metrics()).not.toContain('baton_'); // not on the global registry
  });

  it('include the election groups the module asks for (decorators and the `groups` option)', async () => {
    const registry = new Registry();
    await serve([
      LeaderModule.forRoot({ ...solo('nest-group-metrics'), groups: ['reports'], metrics: { registry } }),
    ]);
    await until(app!.get(LeaderService).group('reports').isLeader$, Boolean, 'the one node to lead reports');
    const text = await registry.metrics();
    expect(text).toMatch(/^baton_group_is_leader\{[^}]*group="reports"[^}]*\} 1$/m);
    expect(text).toMatch(/^baton_group_term\{[^}]*group="reports"[^}]*\} [1-9]\d*$/m);
    expect(text).toMatch(/^baton_groups_led\{cluster="nest-group-metrics"\} 1$/m);
    expect(text).toMatch(/^baton_is_leader\{cluster="nest-group-metrics"\} 1$/m); // the default election's, unchanged
  });

  it("switch libp2p's own metrics on, on the same registry, with `libp2p: true`", async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'baton-nestjs-metrics-'));
    const registry = new Registry();
    @Module({})
    class Empty {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        Empty,
        LeaderModule.forRoot({
          clusterId: 'nest-libp2p-metrics',
          dataDir,
          libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
          metrics: { registry, libp2p: true },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
    const text = await registry.metrics();
    expect(text).toMatch(/^baton_term\{cluster="nest-libp2p-metrics"\} \d+$/m);
    expect(text).toMatch(/^libp2p_transport_manager_listeners 1$/m);
    expect(text).not.toContain('process_cpu_user_seconds_total'); // prom-client's defaults are the app's to register
  });

  it('name the option that is wrong', async () => {
    const compile = (options: Partial<LeaderModuleOptions>) =>
      Test.createTestingModule({
        imports: [LeaderModule.forRoot({ ...solo('nest-bad-metrics'), ...options } as LeaderModuleOptions)],
      }).compile();
    await expect(compile({ metrics: 'yes' as never })).rejects.toMatchObject({ option: 'metrics' });
    await expect(compile({ metrics: { registry: new Registry(), libp2p: true } })).rejects.toMatchObject({
      option: 'metrics.libp2p',
    });
    await expect(compile({ metrics: { port: 9100 } as never })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(compile({ leaderAddress: 'http://x' as never })).rejects.toMatchObject({
      option: 'leaderAddress',
    });
  });
});
