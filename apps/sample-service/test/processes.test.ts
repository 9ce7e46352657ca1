import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWindow, readHistory, writesSince } from './support/history.js';
import { leadershipWindows, type Record, type Window } from './support/leadership-windows.js';
import {
  currentLeader,
  firstEvents,
  freePorts,
  Replica,
  SERVICE_MAIN,
  type Status,
  waitFor,
} from './support/replicas.js';

// Three replica processes of the built service on loopback, one shared SQLite file. The leader is killed
// with SIGKILL, the next one stopped with SIGTERM (handover), the next one frozen with SIGSTOP and woken
// with SIGCONT, and the dead ones restarted. Then, from the processes' JSON logs alone: no two processes
// ever held a valid lease at the same instant; and from the database: no write was accepted from a stale
// term, and every write happened inside its writer's leadership window. All of it per job: the service runs
// a second job in election group `reports`, whose leader may be another replica, with tokens of its own.

const root = mkdtempSync(join(tmpdir(), 'baton-processes-'));
const replicas: Replica[] = [];
const ms = (ns: bigint) => Number(ns) / 1e6;

type Leader = { replica: Replica; status: Status };

/** What GET /health answers (Terminus, with Baton's indicator under `election`: inspect() and more). */
interface HealthBody {
  status: string;
  info: {
    election: {
      status: string;
      id: string;
      leader: string | null;
      term: number;
      electionStatus: string;
      peersConnected: string[];
      leaseRemaining: number;
    };
  };
}

/** The leadership windows of one process, from what it has logged so far (none while one cannot be closed). */
function windowsOf(records: readonly Record[], pid: number): Window[] {
  try {
    return leadershipWindows(records.filter((record) => record.pid === pid)).filter(
      (window) => window.group === 'default',
    );
  } catch {
    return []; // a leadership without a lease end or a loss logged yet
  }
}

beforeAll(async () => {
  if (!existsSync(SERVICE_MAIN)) throw new Error(`${SERVICE_MAIN} is missing: build the app first`);
  const ports = await freePorts(6);
  for (let i = 0; i < 3; i += 1) {
    replicas.push(new Replica(`node-${i + 1}`, ports[i]!, ports[i + 3]!, root));
  }
  for (const replica of replicas) await replica.createKey();
});

afterAll(async () => {
  for (const replica of replicas) {
    if (!replica.running) continue;
    replica.signal('SIGCONT');
    replica.signal('SIGKILL');
    await replica.exited;
  }
  if (process.env.KEEP_TEST_DATA) console.log(`test data kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

describe('three replica processes', () => {
  it('never have two valid leases at once and never accept a stale write, through kill -9, SIGTERM and SIGSTOP', {
    timeout: 150_000,
  }, async () => {
    // Writes with a token of at least `term`: a leader may lose its lease to an event-loop stall on a busy
    // machine before it writes, and then a later term's writes are what shows the cluster moved on.
    const writesOf = (term: number) => writesSince(join(root, 'shared.db'), term);
    const allConnected = () =>
      waitFor(
        'all three replicas to be up and connected',
        async () => {
          const statuses = await Promise.all(replicas.map((replica) => replica.status()));
          return statuses.every((status) => status.peersConnected.length === 2) ? true : undefined;
        },
        45_000,
      );
    const leaderWithWrites = async (what: string, accept: Parameters<typeof currentLeader>[1]) => {
      const found = await waitFor(what, () => currentLeader(replicas, accept), 30_000);
      await waitFor(
        `a write of term ${found.status.term}`,
        () => (writesOf(found.status.term) > 0 ? true : undefined),
        20_000,
      );
      return found;
    };

    for (const replica of replicas) replica.start(replicas);
    // Importing Nest and libp2p takes a few seconds per process on a busy two-core machine.
    await waitFor(
      'the three replicas to serve HTTP',
      async () => ((await Promise.all(replicas.map((replica) => replica.status()))) ? true : undefined),
      45_000,
      250,
    );
    const first = await leaderWithWrites('a first leader', () => true);

    // 0. The HTTP API of every replica, on the running cluster. In one term there is one leader, so a node
    // that reports the first leader's term must name it; a later term means the cluster moved on meanwhile.
    const sameLeader = (term: number, leader: string | null) =>
      leader !== null &&
      term >= first.status.term &&
      (term > first.status.term || leader === first.replica.id);
    for (const replica of replicas) {
      // Terminus answers 503 while no leader is known (an election under way): wait for the 200.
      const health = await waitFor(`GET ${replica.name}/health to answer 200`, async () => {
        const response = await fetch(`${replica.url}/health`, { signal: AbortSignal.timeout(2_000) });
        return response.status === 200 ? ((await response.json()) as HealthBody) : undefined;
      });
      const election = health.info.election;
      expect(health.status).toBe('ok');
      expect(election).toMatchObject({ status: 'up', id: replica.id, electionStatus: 'running' });
      expect(Array.isArray(election.peersConnected)).toBe(true);
      expect(typeof election.leaseRemaining).toBe('number');
      expect(sameLeader(election.term, election.leader)).toBe(true);

      // The SSE stream opens with the current leader (leader$ gives a new subscriber its value at once).
      const [opening] = await firstEvents(`${replica.url}/events`, 1);
      const state = opening!.data as { nodeName: string; leader: string | null; term: number };
      expect(opening!.event).toBe('leader');
      expect(state.nodeName).toBe(replica.name);
      expect(sameLeader(state.term, state.leader)).toBe(true);
    }

    // 1. A crash: SIGKILL. The others wait for its lease to lapse, then elect.
    first.replica.signal('SIGKILL');
    await first.replica.exited;
    const second = await leaderWithWrites(
      'a leader after SIGKILL',
      (replica, status) => replica !== first.replica && status.term > first.status.term,
    );
    first.replica.start(replicas);

    // 2. A graceful stop: SIGTERM. Nest's shutdown hooks hand leadership over before the process exits.
    second.replica.signal('SIGTERM');
    await leaderWithWrites(
      'a leader after SIGTERM',
      (replica, status) => replica !== second.replica && status.term > second.status.term,
    );
    await waitFor('the SIGTERMed replica to exit', () => (second.replica.running ? undefined : true), 10_000);
    second.replica.start(replicas);
    await allConnected();

    // 3. A frozen leader: SIGSTOP. It cannot even notice that its lease lapses; the others elect. On a busy
    // machine the leader picked may have lost its lease to a stall just before the signal lands; such a
    // freeze shows nothing, so the next leader is frozen instead, a bounded number of times.
    const FREEZE_ATTEMPTS = 3;
    let freeze: {
      frozen: Leader;
      fourth: Leader;
      pid: number;
      frozenAt: bigint;
      wokenAt: bigint;
    } | null = null;
    for (let attempt = 1; attempt <= FREEZE_ATTEMPTS && freeze === null; attempt += 1) {
      await allConnected();
      const frozen = await leaderWithWrites('the leader to freeze', () => true);
      const pid = frozen.status.pid;
      frozen.replica.signal('SIGSTOP');
      const frozenAt = process.hrtime.bigint(); // the host's monotonic clock, as in the logs
      const fourth = await leaderWithWrites(
        'a leader while the old one is frozen',
        (replica, status) => replica !== frozen.replica && status.term > frozen.status.term,
      );
      // Let the new leader write for a while, then wake the old one up.
      await waitFor(`more writes of term ${fourth.status.term}`, () =>
        writesOf(fourth.status.term) >= 3 ? true : undefined,
      );
      const wokenAt = process.hrtime.bigint();
      frozen.replica.signal('SIGCONT');
      await waitFor(
        'the woken replica to know it lost its leadership',
        async () => ((await frozen.replica.status()).isLeader ? undefined : true),
        10_000,
      );
      // Did it hold a lease at the SIGSTOP? Its records up to the freeze were written seconds ago, so they
      // have been read; the final check below repeats this on the complete logs.
      const held = windowsOf(frozen.replica.records, pid).some(
        (w) => w.start <= frozenAt && frozenAt < w.end,
      );
      if (held) freeze = { frozen, fourth, pid, frozenAt, wokenAt };
      else {
        console.log(
          `freeze ${attempt}/${FREEZE_ATTEMPTS}: ${frozen.replica.name} had already lost its lease when SIGSTOP arrived (a busy machine)`,
        );
      }
    }
    if (freeze === null)
      throw new Error(`no leader still held its lease when frozen, in ${FREEZE_ATTEMPTS} attempts`);
    const { frozen, fourth } = freeze;
    await waitFor(`writes after the wake-up`, () => (writesOf(fourth.status.term) >= 6 ? true : undefined));

    // A deposed leader's late write, as the fence sees it: refused.
    const stale = (await (
      await fetch(`${frozen.replica.url}/admin/stale-write?token=${frozen.status.term}`, { method: 'POST' })
    ).json()) as { accepted: boolean };
    expect(stale.accepted).toBe(false);
    // A token from the future is not a stale write: it would raise the fence over the real leader. Refused.
    const future = await fetch(`${frozen.replica.url}/admin/stale-write?token=${fourth.status.term + 100}`, {
      method: 'POST',
    });
    expect(future.status).toBe(400);
    expect(((await future.json()) as { message: string }).message).toMatch(
      /^token: must be an integer below/,
    );

    // The second job, in election group `reports`: its leader (any replica) has written through all this.
    await waitFor('writes of the reports job', () =>
      writesSince(join(root, 'shared.db'), 0, 'reports') >= 3 ? true : undefined,
    );

    for (const replica of replicas) replica.signal('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exited));

    // ---- the logs: at no instant two valid leases; the database: tokens never go back, and every write lies
    // in its writer's window.
    const history = readHistory(root, replicas);
    const { windows } = history;
    console.log(`leadership windows:\n  ${windows.map(describeWindow).join('\n  ')}`);
    const gaps = windows.slice(1).map((window, index) => ms(window.start - windows[index]!.end));
    console.log(`gaps between consecutive windows (ms): ${gaps.map((gap) => gap.toFixed(1)).join(', ')}`);
    expect(windows.length).toBeGreaterThanOrEqual(4);
    expect(history.overlapping).toEqual([]);
    // The frozen leader held its lease at the SIGSTOP, and its window ended with that lease while it was
    // frozen, long before it woke up and logged the loss.
    const frozenWindow = windows.find(
      (w) =>
        w.group === 'default' &&
        w.pid === freeze.pid &&
        w.start <= freeze.frozenAt &&
        freeze.frozenAt < w.end,
    );
    expect(frozenWindow, 'the frozen leader held its lease at the SIGSTOP').toBeDefined();
    expect(frozenWindow!.endedBy).toBe('lease');
    expect(frozenWindow!.end < freeze.wokenAt).toBe(true);

    console.log(`${history.writes} writes accepted: ${JSON.stringify(history.writesByJob)}`);
    // Both jobs ran, each in its own group's windows (checked per job below), with leaderships of its own.
    expect(history.writesByJob.reports ?? 0).toBeGreaterThanOrEqual(3);
    expect(windows.some((window) => window.group === 'reports')).toBe(true);
    expect(history.writes).toBeGreaterThanOrEqual(9); // at least what the waits above asked for
    expect(history.late).toEqual([]);
    expect(history.outside).toEqual([]);
    expect(history.badRefusals).toEqual([]);
  });
});
