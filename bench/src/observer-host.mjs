// Several observers in one process, for many-replicas.mjs: each a LeaderElection over a libp2p node of its own
// (its own port, peer key and data directory), started with no voter list, so it joins the cluster as an
// observer and stays one while the voters are at maxVoters. Started with its configuration as JSON in argv[2]:
//   { clusterId, bootstrap: [multiaddr/p2p/id], nodes: [{ dataDir, listen }], stagger: ms }
// The observers start `stagger` ms apart (replicas of a Deployment start a few at a time, not fifty at once).
//
// One JSON line to stdout per fact the orchestrator needs (`mono`: CLOCK_MONOTONIC in ns, a decimal string):
//   {"ev":"ready","index","id","mono"}                 observer `index` started
//   {"ev":"leader-changed","index","leader","term","mono"}  the leader it follows
//   {"ev":"role","index","role","mono"}                its role changed (an observer promoted to voter)
//   {"ev":"stats","mono","cpu","rss","observers","messages","transport"}  answer to the `stats` command:
//       cpuUsage and RSS of the process, its observers' count, the election messages they sent and were
//       delivered (summed), and their transports' frames sent and received (summed)
// When stdin closes (the orchestrator is gone), the process exits at once.
import { createInterface } from 'node:readline';
import { FileStateStore, LeaderElection, MemoryStateStore } from '@baton/core';
import { libp2pTransport } from '@baton/transport-libp2p';
import { childLogger, emit, nowMono } from './child-lines.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const logger = childLogger;

/** Election messages the observers handed to their transports, and were delivered, summed. */
const messages = { sent: 0, received: 0 };
const transports = [];

/** A libp2p transport whose election messages are counted (nothing else changes). */
function countedTransport(options) {
  const transport = libp2pTransport(options);
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    messages.sent++;
    send(message);
  };
  const start = transport.start.bind(transport);
  transport.start = (handlers, startOptions) =>
    start(
      {
        ...handlers,
        onMessage: (message) => {
          messages.received++;
          handlers.onMessage(message);
        },
      },
      startOptions,
    );
  transports.push(transport);
  return transport;
}

const elections = config.nodes.map(({ dataDir, listen }, index) => {
  const election = new LeaderElection({
    clusterId: config.clusterId,
    voters: [],
    transport: countedTransport({
      clusterId: config.clusterId,
      listen: [listen],
      bootstrap: config.bootstrap,
      dataDir,
      logger,
    }),
    // BENCH_OBSERVER_STORE=memory: the observers write nothing to disk (to tell disk contention from the rest)
    store:
      process.env.BENCH_OBSERVER_STORE === 'memory' ? new MemoryStateStore() : new FileStateStore(dataDir),
    logger,
  });
  election.on('leader-changed', ({ leader, term }) =>
    emit({ ev: 'leader-changed', index, leader, term, mono: nowMono() }),
  );
  let role = null;
  election.on('voters-changed', () => {
    const now = election.inspect().role;
    if (now === role) return;
    role = now;
    emit({ ev: 'role', index, role, mono: nowMono() });
  });
  return election;
});

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const frames = { framesSent: 0, framesReceived: 0, gossipPublished: 0 };
  for (const transport of transports) {
    const stats = transport.stats();
    for (const key of Object.keys(frames)) frames[key] += stats[key];
  }
  emit({
    ev: 'stats',
    mono: nowMono(),
    cpu: process.cpuUsage(),
    rss: process.memoryUsage().rss,
    observers: elections.length,
    messages,
    transport: frames,
    // libp2p connections of this process's nodes, together (each observer needs the voters only)
    connections: transports.reduce((sum, t) => sum + (t.node?.getConnections().length ?? 0), 0),
  });
});
commands.on('close', () => process.exit(0));

try {
  for (const [index, election] of elections.entries()) {
    await election.start();
    emit({ ev: 'ready', index, id: election.id, mono: nowMono() });
    await new Promise((resolve) => setTimeout(resolve, config.stagger ?? 0));
  }
} catch (error) {
  emit({ ev: 'error', message: String(error?.stack ?? error) });
  process.exit(2);
}
