// Election message round trip on an open libp2p stream: node A sends a heartbeat to B, B answers with a
// heartbeat-response the moment it arrives, A records the time from send to answer. Two nodes of
// @baton/transport-libp2p in one process over real TCP on 127.0.0.1 (noise, yamux), one at a time, after a
// warm-up. Prints p50, p99, max and the number of round trips. Figures, not a test.
// With --processes, B runs in a child process (each node has its own event loop, as in production).
//
//   (cd packages/core && npx tsc -p tsconfig.build.json)
//   (cd packages/transport-libp2p && npx tsc -p tsconfig.build.json)
//   node bench/src/libp2p-rtt.mjs --trips 2000 [--processes]
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { libp2pTransport } from '@baton/transport-libp2p';
import { numberArg, percentile } from './stats.mjs';

const trips = numberArg('trips', 2000);
const warmup = numberArg('warmup', 200);
const clusterId = 'rtt';
const quiet = { debug() {}, info() {}, warn() {}, error: console.error };

const handlers = (onMessage) => ({
  onMessage,
  onBroadcast() {},
  onPeerConnected() {},
  onPeerDisconnected() {},
});

const echo = (transport) =>
  handlers((message) => {
    if (message.type === 'heartbeat') {
      transport.send({
        ...message,
        type: 'heartbeat-response',
        from: message.to,
        to: message.from,
        ok: true,
        configuration: { term: message.configuration.term, version: message.configuration.version },
        leaving: false,
      });
    }
  });

if (process.argv.includes('--child')) {
  // The responder in its own process: prints its address, answers until stdin closes.
  const b = libp2pTransport({ clusterId, listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet });
  await b.start(echo(b));
  process.stdout.write(`${b.addresses()[0].toString()}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await b.stop();
    process.exit(0);
  });
} else {
  await measure();
}

async function measure() {
  const separate = process.argv.includes('--processes');
  let b = null;
  let child = null;
  let bAddress;
  if (separate) {
    child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    bAddress = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  } else {
    b = libp2pTransport({ clusterId, listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet });
    await b.start(echo(b));
    bAddress = b.addresses()[0].toString();
  }
  const bId = bAddress.split('/p2p/')[1];
  const a = libp2pTransport({
    clusterId,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [bAddress],
    logger: quiet,
    leaderAnnounceInterval: 0,
  });
  let answered = null;
  await a.start(
    handlers((message) => {
      if (message.type === 'heartbeat-response') answered?.(message.round);
    }),
  );
  while (!a.peers().includes(bId)) await new Promise((resolve) => setTimeout(resolve, 5));

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
      a.send({
        type: 'heartbeat',
        cluster: clusterId,
        from: a.localId,
        to: bId,
        term: 1,
        round,
        configuration: { term: 1, version: 1 },
      });
    });
    if (round > warmup) samples.push(performance.now() - start);
  }
  const streams = a.stats().streamsOpened;
  await Promise.all([a.stop(), b?.stop()]);
  child?.stdin.end();

  const fmt = (v) => (v === null ? '-' : v.toFixed(3));
  console.log(
    `election round trip on one open stream (${separate ? 'two processes' : 'one process'}; ${streams} stream opened), ${samples.length} round trips after ${warmup} warm-up:`,
  );
  console.log(
    `  p50 ${fmt(percentile(samples, 0.5))} ms   p99 ${fmt(percentile(samples, 0.99))} ms   max ${fmt(Math.max(...samples))} ms`,
  );
}
