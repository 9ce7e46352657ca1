// Where an idle cluster's CPU goes: K node processes (default 5) over libp2p on loopback with default timings;
// after they settle, each records a CPU profile of the idle window (node:inspector) and reports its CPU time.
//   node bench/src/idle-profile.mjs [--nodes 5] [--settle-ms 8000] [--idle-ms 20000] [--out /tmp/baton-idle]
//     [--no-profile] [--transport <dir of a built @baton/transport-libp2p>] [--json] [--groups N]
// Then read a profile with Chrome DevTools, or: node bench/src/profile-top.mjs <file.cpuprofile>
// --transport runs another build of the transport (a copy of the package, to compare; see idle-ab.mjs);
// --groups N: every node also asks for election groups g1 ... gN (where their cost goes).
// --json prints one line {results:[{role,cpuPct,rssMb,...}]} instead of the table.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FileStateStore, LeaderElection } from '@baton/core';

/** @param {string | undefined} dir a package directory, or undefined for the workspace's build */
const loadTransport = (dir) =>
  dir ? import(pathToFileURL(join(dir, 'dist', 'index.js')).href) : import('@baton/transport-libp2p');

/** This process's counts of read and write system calls, or null where /proc/self/io does not exist. */
function readIo() {
  try {
    const text = readFileSync('/proc/self/io', 'utf8');
    const field = (name) => Number(new RegExp(`${name}: (\\d+)`).exec(text)?.[1]);
    return { syscr: field('syscr'), syscw: field('syscw') };
  } catch {
    return null;
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error: (m, c) => console.error(m, c ?? '') };

if (process.argv[2] === '--child') {
  const config = JSON.parse(process.argv[3]);
  const { libp2pTransport } = await loadTransport(config.transport);
  const transport = libp2pTransport({
    clusterId: 'idle',
    listen: [config.listen],
    bootstrap: config.bootstrap,
    dataDir: config.dataDir,
    logger: quiet,
  });
  const election = new LeaderElection({
    clusterId: 'idle',
    transport,
    voters: config.voters,
    store: new FileStateStore(config.dataDir),
    logger: quiet,
  });
  // Election groups g1 ... gN (--groups), asked for before the start as an app's decorators would.
  for (let i = 1; i <= config.groups; i++) election.group(`g${i}`);
  await election.start();
  // Every node measures the same window: the parent says when all are up and settled, and when to stop.
  const command = (name) =>
    new Promise((resolve) => process.on('message', (m) => m === name && resolve(undefined)));
  const go = command('go');
  const stop = command('stop');
  process.send('ready');
  await go;
  const churn = { opened: 0, closed: 0 };
  transport.node.addEventListener('connection:open', () => churn.opened++);
  transport.node.addEventListener('connection:close', () => churn.closed++);
  const before = transport.stats();
  const termBefore = election.term();
  const groupTerms = () =>
    Object.values(election.inspect().groups ?? {}).reduce((sum, group) => sum + group.term, 0);
  const groupTermsBefore = groupTerms();
  const session = config.profile ? new Session() : null;
  session?.connect();
  await session?.post('Profiler.enable');
  await session?.post('Profiler.start');
  const io = readIo();
  const cpu = process.cpuUsage();
  const wallStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, config.idleMs));
  const used = process.cpuUsage(cpu);
  const ioAfter = readIo();
  const wall = performance.now() - wallStart;
  const role = election.isLeader() ? 'leader' : 'follower';
  const file = join(config.out, `${role}-${process.pid}.cpuprofile`);
  if (session !== null) {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
  }
  const after = transport.stats();
  process.send({
    role,
    file: session === null ? '' : file,
    churn,
    connections: transport.node.getConnections().length,
    framesPerS: ((after.framesSent - before.framesSent) * 1000) / wall,
    gossipPerS: ((after.gossipPublished - before.gossipPublished) * 1000) / wall,
    stalls: election.inspect().eventLoop.stalls,
    // Elections during the window: of the default group, and of all the other groups together.
    terms: election.term() - termBefore,
    groupTerms: groupTerms() - groupTermsBefore,
    groupsLed: Object.values(election.inspect().groups ?? {}).filter((group) => group.isLeader).length,
    cpuPct: ((used.user + used.system) / 1000 / wall) * 100,
    // System calls that write and read (Linux, /proc/self/io): they do not depend on the machine's load.
    writesPerS: io && ioAfter ? ((ioAfter.syscw - io.syscw) * 1000) / wall : Number.NaN,
    readsPerS: io && ioAfter ? ((ioAfter.syscr - io.syscr) * 1000) / wall : Number.NaN,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  });
  await stop;
  await election.stop();
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5' },
    'settle-ms': { type: 'string', default: '8000' },
    'idle-ms': { type: 'string', default: '20000' },
    out: { type: 'string', default: join(tmpdir(), 'baton-idle') },
    'no-profile': { type: 'boolean', default: false },
    transport: { type: 'string' },
    json: { type: 'boolean', default: false },
    groups: { type: 'string', default: '0' },
  },
});
const { loadOrCreatePeerKey } = await loadTransport(values.transport);
const count = Number(values.nodes);
await mkdir(values.out, { recursive: true });
const ports = await Promise.all(
  Array.from(
    { length: count },
    () =>
      new Promise((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address();
          server.close(() => resolve(port));
        });
      }),
  ),
);
const nodes = await Promise.all(
  ports.map(async (port) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-idle-node-'));
    const id = (await loadOrCreatePeerKey(dataDir)).publicKey.toString();
    return {
      dataDir,
      id,
      listen: `/ip4/127.0.0.1/tcp/${port}`,
      address: `/ip4/127.0.0.1/tcp/${port}/p2p/${id}`,
    };
  }),
);
const voters = nodes.map((n) => n.id).sort();
const children = [];
const results = Promise.all(
  nodes.map(
    (node) =>
      new Promise((resolve, reject) => {
        const child = fork(new URL(import.meta.url), [
          '--child',
          JSON.stringify({
            ...node,
            voters,
            bootstrap: nodes.filter((n) => n !== node).map((n) => n.address),
            idleMs: Number(values['idle-ms']),
            groups: Number(values.groups),
            out: values.out,
            profile: !values['no-profile'],
            transport: values.transport,
          }),
        ]);
        const ready = new Promise((r) =>
          child.on('message', (m) => (m === 'ready' ? r(undefined) : resolve(m))),
        );
        const exited = new Promise((r) => child.once('exit', r));
        children.push({ child, ready, exited });
        child.once('exit', (code) =>
          code === 0 ? undefined : reject(new Error(`node exited with ${code}`)),
        );
      }),
  ),
);
await Promise.all(children.map((c) => c.ready));
await new Promise((resolve) => setTimeout(resolve, Number(values['settle-ms'])));
for (const { child } of children) child.send('go');
for (const r of await results) void r;
for (const { child } of children) child.send('stop');
const sorted = (await results).sort((a, b) => a.role.localeCompare(b.role));
if (values.json) console.log(JSON.stringify({ results: sorted }));
for (const r of values.json ? [] : sorted)
  console.log(
    `${r.role.padEnd(8)} ${r.cpuPct.toFixed(2).padStart(6)} % of a core, RSS ${r.rssMb.toFixed(1)} MB, ` +
      `${r.connections} connections (${r.churn.opened} opened, ${r.churn.closed} closed in the window), ` +
      `${r.framesPerS.toFixed(1)} frames/s sent, ${r.gossipPerS.toFixed(1)} gossip/s, ` +
      `${r.writesPerS.toFixed(0)} writes/s, ${r.readsPerS.toFixed(0)} reads/s, stalls ${r.stalls}, terms +${r.terms} (groups +${r.groupTerms}, ${r.groupsLed} led)  ${r.file}`,
  );
await Promise.all(children.map((c) => c.exited));
await Promise.all(nodes.map((n) => rm(n.dataDir, { recursive: true, force: true })));
