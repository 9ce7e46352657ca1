// Election message round trip on an open libp2p stream: node A sends a heartbeat to B, B answers with a
// heartbeat-response the moment it arrives, A records the time from send to answer. Two nodes of
// @baton/transport-libp2p in one process over real TCP on 127.0.0.1 (noise, yamux), one at a time, after a
// warm-up. Prints p50, p99, max and the number of round trips. Figures, not a test.
//
//   (cd packages/core && npx tsc -p tsconfig.build.json)
//   (cd packages/transport-libp2p && npx tsc -p tsconfig.build.json)
//   node bench/src/libp2p-rtt.mjs --trips 2000
import { performance } from 'node:perf_hooks';
import { libp2pTransport } from '@baton/transport-libp2p';

/** Nearest-rank percentiles, rounded to 0.1 ms (p50, p99, max, n). */
function summary(samples) {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
  const round = (v) => Math.round(v * 10) / 10;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1)), n: sorted.length };
}

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const trips = arg('trips', 2000);
const warmup = arg('warmup', 200);
const clusterId = 'rtt';
const quiet = { debug() {}, info() {}, warn() {}, error: console.error };

const handlers = (onMessage) => ({
  onMessage,
  onBroadcast() {},
  onPeerConnected() {},
  onPeerDisconnected() {},
});

const a = libp2pTransport({
  clusterId,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  logger: quiet,
  leaderAnnounceInterval: 0,
});
const b = libp2pTransport({ clusterId, listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet });
let answered = null;
await b.start(
  handlers((message) => {
    if (message.type === 'heartbeat') {
      b.send({ ...message, type: 'heartbeat-response', from: message.to, to: message.from, ok: true });
    }
  }),
);
await a.start(
  handlers((message) => {
    if (message.type === 'heartbeat-response') answered?.(message.round);
  }),
);
await a.node.dial(b.addresses()[0], { signal: AbortSignal.timeout(5000) });
while (!a.peers().includes(b.localId)) await new Promise((resolve) => setTimeout(resolve, 5));

const samples = [];
for (let round = 1; round <= warmup + trips; round++) {
  const start = performance.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`round ${round}: no answer in 5 s`)), 5000);
    answered = (r) => {
      if (r !== round) return;
      clearTimeout(timer);
      resolve();
    };
    a.send({ type: 'heartbeat', cluster: clusterId, from: a.localId, to: b.localId, term: 1, round });
  });
  if (round > warmup) samples.push(performance.now() - start);
}
const streams = a.stats().streamsOpened;
await Promise.all([a.stop(), b.stop()]);

const s = summary(samples);
const fmt = (v) => (v === null ? '-' : v.toFixed(3));
const exact = (p) => {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
};
console.log(
  `election round trip on one open stream (${streams} stream opened), ${s.n} round trips after ${warmup} warm-up:`,
);
console.log(`  p50 ${fmt(exact(0.5))} ms   p99 ${fmt(exact(0.99))} ms   max ${fmt(Math.max(...samples))} ms`);
