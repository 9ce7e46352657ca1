import type { NodeId } from '../machine/types.js';
import { formatViolation } from './invariants.js';
import { SimCluster } from './sim-cluster.js';
import { formatLogEntry, type SimLogEntry } from './sim-log.js';

/**
 * What {@link runStory} found.
 *
 * @example
 * ```ts
 * import { runStory } from '@baton/core/testing';
 * const { violations, virtualMs, electionsWon } = runStory(() => {});
 * console.log(violations, virtualMs, electionsWon); // 0, 8625.5…, 5
 * ```
 */
export interface StoryResult {
  readonly violations: number;
  readonly virtualMs: number;
  readonly electionsWon: number;
  readonly cluster: SimCluster;
}

/** The log lines worth showing in a story: faults, commands, notes, and leadership gained or lost. */
function worthTelling(entry: SimLogEntry): boolean {
  if (entry.kind !== 'event') return entry.kind !== 'message';
  return (
    entry.event === 'became-leader' || entry.event === 'leadership-lost' || entry.event === 'term-changed'
  );
}

/**
 * Runs a 5-node simulated cluster through a narrated story (cold start, crash and failover, a partition that
 * isolates the leader, heal, a paused leader, a graceful transfer) and writes what happened, line by line.
 * Every step is checked against the invariants; the last line says whether any was violated.
 *
 * @example
 * ```ts
 * import { runStory } from '@baton/core/testing';
 * const { violations } = runStory((line) => console.log(line), 1);
 * process.exitCode = violations === 0 ? 0 : 1;
 * ```
 */
export function runStory(write: (line: string) => void, seed = 1): StoryResult {
  const c = SimCluster.create({ nodes: 5, seed, throwOnViolation: false });
  let shown = 0;
  const flush = (): void => {
    const log = c.log;
    for (; shown < log.length; shown++) {
      const entry = log[shown] as SimLogEntry;
      if (worthTelling(entry)) write(formatLogEntry(entry));
    }
  };
  const chapter = (title: string, text: string): void => {
    flush();
    write('');
    write(`== ${title}`);
    write(`   ${text}`);
  };
  const table = (): void => {
    flush();
    write('');
    write('   node  role           term  lease left  knows leader');
    for (const id of c.ids) {
      const lease = c.leaseRemaining(id);
      write(
        `   ${id.padEnd(5)} ${c.role(id).padEnd(14)} ${String(c.term(id)).padEnd(5)} ` +
          `${(lease > 0 ? `${lease.toFixed(1)} ms` : '-').padEnd(11)} ${c.leader(id) ?? '-'}`,
      );
    }
  };
  const say = (text: string): void => {
    flush();
    write(`   -> ${text}`);
  };
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  const leader = (): NodeId => c.leaseHolder() as NodeId;

  write(`Baton simulator: a story of 5 nodes in virtual time (seed ${seed}).`);
  write("Timestamps are virtual milliseconds; a lease is checked with each node's own drifting clock.");

  chapter(
    '1. Cold start',
    'Five voters start with empty storage; each waits a random election timeout (150-300 ms).',
  );
  c.runUntil(() => c.leaseHolder() !== null);
  const first = leader();
  say(`${first} holds a lease at ${ms(c.now)}, term ${c.term(first)}.`);
  c.runFor(1_000);
  table();

  chapter('2. The leader crashes', `${first} dies; its followers stop hearing heartbeats.`);
  c.crash(first);
  const crashedAt = c.now;
  c.runUntil(() => c.leaseHolder() !== null);
  const second = leader();
  say(`${second} holds a lease after ${ms(c.now - crashedAt)} (term ${c.term(second)}).`);
  c.restart(first);
  c.runFor(1_000);
  say(`${first} restarted from its stored term and vote, and follows ${c.leader(first) ?? 'nobody yet'}.`);
  table();

  chapter(
    '3. A partition isolates the leader',
    `${second} is cut off. Check-quorum: it must step down when its lease ends, and nobody may lead before that.`,
  );
  const leaseEnd = c.leaseEnd(second) as number;
  c.isolate(second);
  c.runUntil(() => c.role(second) !== 'leader');
  say(`${second} stepped down at ${ms(c.now)}; its lease ended at ${ms(leaseEnd)}.`);
  c.runUntil(() => c.leaseHolder() !== null);
  const third = leader();
  say(
    `the majority elected ${third} (term ${c.term(third)}); its lease began at ${ms(c.now)}, after the old one.`,
  );
  const isolatedTerm = c.term(second);
  c.runFor(2_000);
  say(
    `isolated for 2 s, ${second} is still at term ${c.term(second)} (was ${isolatedTerm}): pre-vote kept it from inflating it.`,
  );

  chapter('4. Heal', 'The partition heals; the returning node must not depose the healthy leader.');
  c.heal();
  c.runFor(1_000);
  say(`${c.leaseHolder()} still leads; ${second} follows ${c.leader(second)}.`);
  table();

  chapter(
    '5. The leader pauses',
    `${third} stops for 1.5 s (a long GC pause): its clock runs on, it processes nothing, messages pile up.`,
  );
  const pauseLeaseEnd = c.leaseEnd(third) as number;
  c.pause(third);
  c.runUntil(() => c.leaseHolder() !== null && c.leaseHolder() !== third);
  const fourth = leader();
  say(`${fourth} holds a lease at ${ms(c.now)}; ${third}'s lease had ended at ${ms(pauseLeaseEnd)}.`);
  c.runFor(1_500 - (c.now - pauseLeaseEnd));
  say(
    `${third} resumes: its role still says '${c.role(third)}', but its lease is ${c.hasLease(third) ? 'VALID (wrong!)' : 'not valid'}.`,
  );
  c.resume(third);
  c.runFor(500);
  say(`after handling its backlog, ${third} is a ${c.role(third)} in term ${c.term(third)}.`);
  table();

  const target = c.voters.find((id) => id !== fourth && id !== third) as NodeId;
  chapter('6. Graceful transfer', `${fourth} hands leadership to ${target}: it gives up its lease first.`);
  const transferAt = c.now;
  c.transferLeadership(fourth, target);
  c.runUntil(() => c.leaseHolder() === target);
  say(`${target} holds a lease after ${ms(c.now - transferAt)} (term ${c.term(target)}).`);
  c.runFor(1_000);
  table();
  flush();

  const stats = c.stats();
  write('');
  for (const violation of c.violations) write(`VIOLATION ${formatViolation(violation)}`);
  write(
    c.violations.length === 0
      ? `No invariant violated over ${ms(stats.virtualMs)} of virtual time and ${stats.steps} steps: at most one ` +
          `leader per term, never two leases at once, terms and votes never went back, every vote persisted before it was sent.`
      : `${c.violations.length} invariant violation(s): see above.`,
  );
  return {
    violations: c.violations.length,
    virtualMs: stats.virtualMs,
    electionsWon: stats.electionsWon,
    cluster: c,
  };
}
