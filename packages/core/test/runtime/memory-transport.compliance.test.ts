import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryNetwork, transportComplianceTests } from '../../src/testing/index.js';

// Real timers: the suite is the one the libp2p transport runs too.
transportComplianceTests(
  { describe, it, expect, beforeEach, afterEach },
  {
    name: 'MemoryTransport',
    async create(count) {
      const network = new MemoryNetwork();
      return Array.from({ length: count }, (_, i) => network.transport(`node-${i}`));
    },
  },
);

transportComplianceTests(
  { describe, it, expect, beforeEach, afterEach },
  {
    name: 'MemoryTransport with 2 ms latency',
    async create(count) {
      const network = new MemoryNetwork({ latencyMs: 2 });
      return Array.from({ length: count }, (_, i) => network.transport(`node-${i}`));
    },
  },
);

describe('MemoryNetwork partitions', () => {
  it('cut, isolate and heal report peers down and up, and drop traffic across a cut link', async () => {
    const network = new MemoryNetwork();
    const seen: string[] = [];
    const transports = ['a', 'b', 'c'].map((id) => network.transport(id));
    await Promise.all(
      transports.map((t) =>
        t.start({
          onMessage: (m) => void seen.push(`${t.localId}<-${m.from}`),
          onBroadcast: () => {},
          onPeerConnected: (p) => void seen.push(`${t.localId}+${p}`),
          onPeerDisconnected: (p) => void seen.push(`${t.localId}-${p}`),
        }),
      ),
    );
    network.cut('a', 'b');
    expect(network.connected('a', 'b')).toBe(false);
    expect([...transports[0]!.peers()]).toEqual(['c']);
    transports[0]!.send({
      type: 'heartbeat',
      cluster: 'x',
      from: 'a',
      to: 'b',
      term: 1,
      round: 1,
      configuration: { term: 0, version: 1 },
    });
    network.isolate('c');
    expect([...transports[2]!.peers()]).toEqual([]);
    network.heal();
    expect([...transports[0]!.peers()]).toEqual(['b', 'c']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).not.toContain('b<-a');
    expect(seen).toEqual(expect.arrayContaining(['a-b', 'b-a', 'c-a', 'a-c', 'a+b', 'b+a', 'c+a']));
    expect(network.stats.dropped).toBe(1);
    await Promise.all(transports.map((t) => t.stop()));
  });

  it('refuses a second started transport with the same id', async () => {
    const network = new MemoryNetwork();
    const handlers = { onMessage() {}, onBroadcast() {}, onPeerConnected() {}, onPeerDisconnected() {} };
    await network.transport('a').start(handlers);
    await expect(network.transport('a').start(handlers)).rejects.toThrow(/already started/);
  });
});
