// A finding of the cluster benchmark, reduced to a deterministic script (a manual clock, a hand-driven peer):
// a leader whose lease lapsed, and whose runtime therefore ended its leadership, can have its lease revived by
// a late acknowledgement before its machine's own deadline timer runs; the machine then keeps leading and
// renewing its lease in that term, while the runtime never leads again in it (`isLeader()` false, no new
// `became-leader`). Followers stay sticky to it, so no other node can be elected: the cluster has no usable
// leader for as long as the acknowledgements keep coming.
//
// On a loaded machine this happens when the event loop processes I/O after the lease end and before the timer
// phase: a first input after the end (any message) makes the runtime end the leadership (`afterStep`: the
// machine no longer holds a lease), and an acknowledgement of a newer heartbeat round, in the same batch,
// revives the lease.
//
//   node bench/src/finding-lease-revival.mjs     (prints what each side believes; exits 1 if the finding holds)
import { LeaderElection, MemoryStateStore } from '@baton/core';

let now = 0;
let nextId = 0;
const timers = new Map();
const tasks = [];
const time = {
  now: () => now,
  setTimeout(callback, delayMs) {
    const id = ++nextId;
    timers.set(id, { at: now + Math.max(0, delayMs), callback });
    return id;
  },
  clearTimeout(id) {
    timers.delete(id);
  },
  queueTask(callback) {
    tasks.push(callback);
  },
};

async function settle() {
  for (let i = 0; i < 5; i++) {
    while (tasks.length > 0) tasks.shift()();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Fires due timers in time order up to `until` (a process whose event loop keeps up). */
async function runTimers(until) {
  for (;;) {
    let next = null;
    for (const [id, timer] of timers)
      if (timer.at <= until && (next === null || timer.at < next[1].at)) next = [id, timer];
    if (next === null) break;
    timers.delete(next[0]);
    now = Math.max(now, next[1].at);
    next[1].callback();
    await settle();
  }
  now = Math.max(now, until);
  await settle();
}

const sent = [];
let handlers = null;
const transport = {
  localId: 'a',
  start(h) {
    handlers = h;
    return Promise.resolve();
  },
  stop: () => Promise.resolve(),
  send: (message) => sent.push({ at: now, ...message }),
  broadcast() {},
  peers: () => ['b', 'c'],
};
const quiet = { debug() {}, info() {}, warn() {}, error: (m, c) => console.error(m, c ?? '') };
const election = new LeaderElection({
  clusterId: 'finding',
  voters: ['a', 'b', 'c'],
  transport,
  store: new MemoryStateStore(),
  logger: quiet,
  random: () => 0,
  timeProvider: time,
});
const events = [];
election.on('became-leader', ({ term }) => events.push(`${now.toFixed(1)} became-leader term ${term}`));
election.on('leadership-lost', ({ term, reason }) =>
  events.push(`${now.toFixed(1)} leadership-lost term ${term}: ${reason}`),
);

const envelope = { cluster: 'finding', from: 'b', to: 'a' };
async function deliver(message) {
  handlers.onMessage({ ...envelope, ...message });
  await settle();
}
const lastSent = (type) => sent.filter((m) => m.type === type && m.to === 'b').at(-1);

await election.start();
await runTimers(150); // election timeout: pre-vote
await deliver({ type: 'pre-vote-response', term: 1, granted: true });
await deliver({ type: 'vote-response', term: 1, granted: true });
await deliver({
  type: 'heartbeat-response',
  term: 1,
  round: lastSent('heartbeat').round,
  ok: true,
  configuration: { term: 1, version: 1 },
  leaving: false,
});
// Two more rounds acknowledged at once.
for (let i = 0; i < 2; i++) {
  await runTimers(now + 50);
  await deliver({
    type: 'heartbeat-response',
    term: 1,
    round: lastSent('heartbeat').round,
    ok: true,
    configuration: { term: 1, version: 1 },
    leaving: false,
  });
}
const acked = lastSent('heartbeat');
// Two rounds go out without an answer (a busy peer, a busy link)...
await runTimers(acked.at + 100);
const unanswered = lastSent('heartbeat');
// ...and this process is busy until just after its lease end; its timers have not run yet. Then two
// acknowledgements are processed: a duplicate of the old round, and the one for the latest round.
const leaseEnd = now + election.inspect().leaseRemaining;
now = acked.at + 140; // lease: 135.7 ms from the start of the last acknowledged round
await deliver({
  type: 'heartbeat-response',
  term: 1,
  round: acked.round,
  ok: true,
  configuration: { term: 1, version: 1 },
  leaving: false,
});
await deliver({
  type: 'heartbeat-response',
  term: 1,
  round: unanswered.round,
  ok: true,
  configuration: { term: 1, version: 1 },
  leaving: false,
});
// From here on the peer answers every heartbeat at once, and the process keeps up with its timers.
for (let i = 0; i < 10; i++) {
  await runTimers(now + 50);
  await deliver({
    type: 'heartbeat-response',
    term: 1,
    round: lastSent('heartbeat').round,
    ok: true,
    configuration: { term: 1, version: 1 },
    leaving: false,
  });
}

const snapshot = election.inspect();
const heartbeatsAfter = sent.filter((m) => m.type === 'heartbeat' && m.at > acked.at + 140).length;
console.log(events.join('\n'));
console.log(
  JSON.stringify(
    {
      leaseEndBeforeRevival: Math.round(leaseEnd * 10) / 10,
      machineRole: snapshot.role,
      machineLeaseRemainingMs: Math.round(snapshot.leaseRemaining * 10) / 10,
      runtimeIsLeader: election.isLeader(),
      runtimeLeadership: snapshot.leadership,
      heartbeatsSentAfterTheRevival: heartbeatsAfter,
      term: snapshot.term,
    },
    null,
    2,
  ),
);
const zombie = snapshot.role === 'leader' && snapshot.leaseRemaining > 0 && !election.isLeader();
console.log(
  zombie
    ? 'FINDING HOLDS: the machine leads with a valid lease and sends heartbeats; the runtime does not lead.'
    : 'not reproduced: the runtime and the machine agree.',
);
// (No stop(): its handover waits on timers of this manual clock.)
process.exit(zombie ? 1 : 0);
