// Broadcast delivery with @baton/transport-libp2p for clusters of 2 to 5 nodes (one process, real TCP on
// 127.0.0.1): time from broadcast() until every other node delivered it. broadcast() sends a direct copy to
// every connected peer, and publishes on gossip only if a known member is not connected (duplicates counted);
// broadcast(p, { to }) uses direct streams only. Figures, not a test.
//
//   (cd packages/core && npx tsc -p tsconfig.build.json)
//   (cd packages/transport-libp2p && npx tsc -p tsconfig.build.json)
//   node bench/src/libp2p-gossip.mjs --broadcasts 300
import { performance } from 'node:perf_hooks';
import { libp2pTransport } from '@baton/transport-libp2p';
import { numberArg, summary } from './stats.mjs';

const broadcasts = numberArg('broadcasts', 300);
const quiet = { debug() {}, info() {}, warn() {}, error: console.error };

for (const size of [2, 3, 4, 5]) {
  const clusterId = `gossip-${size}`;
  const transports = [];
  const delivered = [];
  let onDelivery = () => {};
  for (let i = 0; i < size; i++) {
    const transport = libp2pTransport({
      clusterId,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: transports.flatMap((t) => t.addresses()),
      logger: quiet,
    });
    const count = { n: 0 };
    delivered.push(count);
    await transport.start({
      onMessage() {},
      onBroadcast() {
        count.n++;
        onDelivery();
      },
      onPeerConnected() {},
      onPeerDisconnected() {},
    });
    transports.push(transport);
  }
  const settled = performance.now();
  while (!transports.every((t) => t.peers().length === size - 1)) await new Promise((r) => setTimeout(r, 5));
  const meshMs = performance.now() - settled;
  const [sender, ...receivers] = transports;
  const samples = [];
  const firstSamples = [];
  for (let k = 1; k <= broadcasts; k++) {
    const start = performance.now();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broadcast ${k} not delivered in 5 s`)), 5000);
      onDelivery = () => {
        if (delivered.slice(1).every((c) => c.n >= k)) {
          clearTimeout(timer);
          resolve();
        }
      };
      sender.broadcast(new TextEncoder().encode(`{"k":${k}}`));
    });
    (k === 1 ? firstSamples : samples).push(performance.now() - start);
  }
  // The same, over direct streams only (broadcast with `to`), for comparison.
  const direct = [];
  const ids = receivers.map((t) => t.localId);
  for (let k = broadcasts + 1; k <= 2 * broadcasts; k++) {
    const start = performance.now();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`direct broadcast ${k} not delivered in 5 s`)), 5000);
      onDelivery = () => {
        if (delivered.slice(1).every((c) => c.n >= k)) {
          clearTimeout(timer);
          resolve();
        }
      };
      sender.broadcast(new TextEncoder().encode(`{"k":${k}}`), { to: ids });
    });
    direct.push(performance.now() - start);
  }
  const stats = sender.stats();
  const duplicates = receivers.reduce((sum, t) => sum + t.stats().duplicateBroadcasts, 0);
  await Promise.all(transports.map((t) => t.stop()));
  const s = summary(samples);
  console.log(
    `${size} nodes, broadcast(): all peers connected ${meshMs.toFixed(0)} ms after the last start; first broadcast ` +
      `${firstSamples[0].toFixed(2)} ms; next ${s.n}: p50 ${s.p50} ms p99 ${s.p99} ms max ${s.max} ms; ` +
      `direct copies ${stats.broadcastsDirect}, gossip copies dropped as duplicates ${duplicates}`,
  );
  const d = summary(direct);
  console.log(
    `${size} nodes, direct streams only (broadcast with to): p50 ${d.p50} ms p99 ${d.p99} ms max ${d.max} ms`,
  );
}
