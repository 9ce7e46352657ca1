// Resident memory of one Baton node process over libp2p: a LeaderElection (single voter, so it leads and
// sends its announcements) on @baton/transport-libp2p's own node (TCP, noise, yamux, identify, ping,
// gossipsub), sampled after it has run for a while; next to the same process before libp2p is loaded.
// Figures, not a test.
//
//   (cd packages/core && npx tsc -p tsconfig.build.json)
//   (cd packages/transport-libp2p && npx tsc -p tsconfig.build.json)
//   node bench/src/libp2p-rss.mjs --seconds 10
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberArg } from './stats.mjs';

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
if (process.argv.includes('--child')) {
  const seconds = numberArg('seconds', 10);
  const dataDir = process.argv[process.argv.indexOf('--data') + 1];
  const bare = process.memoryUsage().rss;
  const { LeaderElection, MemoryStateStore } = await import('@baton/core');
  const { libp2pTransport } = await import('@baton/transport-libp2p');
  const loaded = process.memoryUsage().rss;
  const quiet = { debug() {}, info() {}, warn() {}, error: console.error };
  const transport = libp2pTransport({
    clusterId: 'rss',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    dataDir,
    logger: quiet,
  });
  await transport.open();
  const election = new LeaderElection({
    clusterId: 'rss',
    transport,
    voters: [transport.localId],
    store: new MemoryStateStore(),
    logger: quiet,
  });
  await election.start();
  await election.whenLeader({ signal: AbortSignal.timeout(10_000) });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const running = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ bare, loaded, rss: running.rss, heapUsed: running.heapUsed, leader: election.isLeader() })}\n`,
  );
  await election.stop();
  process.exit(0);
} else {
  const seconds = numberArg('seconds', 10);
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-rss-'));
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--child', '--seconds', String(seconds), '--data', dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  await new Promise((resolve) => child.on('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
  const r = JSON.parse(out.trim());
  console.log(`one node process (LeaderElection + libp2p transport, leading, after ${seconds} s):`);
  console.log(
    `  RSS ${mb(r.rss)} (heap used ${mb(r.heapUsed)}); Node alone ${mb(r.bare)}; after importing Baton and libp2p ${mb(r.loaded)}`,
  );
}
