import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Libp2pTransport } from '../src/index.js';
import { eventually, Recorder, testTransport } from './helpers.js';

const started: Libp2pTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((transport) => transport.stop()));
});

describe('libp2p metrics on the node Baton creates', () => {
  it('reports the node to the registry given with `metrics: prometheusMetrics({ registry })`', async () => {
    const registry = new Registry();
    // libp2p's default process metrics stay off: an app's registry usually has them already.
    const a = testTransport({ metrics: prometheusMetrics({ registry, collectDefaultMetrics: false }) });
    await a.start(new Recorder());
    started.push(a);
    const b = testTransport({ bootstrap: a.addresses() });
    await b.start(new Recorder());
    started.push(b);
    await eventually(() => a.peers().length === 1, 10_000, 'a to see b');
    const text = await registry.metrics();
    // libp2p's own names, on the registry the caller passed.
    expect(text).toMatch(/^libp2p_connection_manager_connections\{[a-z0-9_]+="inbound"\} 1$/m);
    expect(text).toMatch(/^libp2p_noise_xxhandshake_successes_total 1$/m);
  });

  it('refuses `metrics` that is not a factory, and `metrics` with a node of your own', () => {
    expect(() => testTransport({ metrics: {} as never })).toThrow(/invalid option metrics/);
    const node = { handle() {} } as never;
    expect(() => testTransport({ node, metrics: prometheusMetrics() })).toThrow(/invalid option metrics/);
  });
});
