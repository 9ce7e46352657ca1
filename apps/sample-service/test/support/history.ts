import { join } from 'node:path';
import Database from 'better-sqlite3';
import { leadershipWindows, overlaps, type Window } from './leadership-windows.js';
import type { Replica } from './replicas.js';

const ms = (ns: bigint) => Number(ns) / 1e6;

/** One line for a leadership window: which group, who, which term, when, how long, how it ended. */
export function describeWindow(window: Window): string {
  return `${window.group}: ${window.nodeName}/pid ${window.pid} term ${window.term} [${window.start}, ${window.end}] (${ms(window.end - window.start).toFixed(0)} ms, ended by ${window.endedBy})`;
}

/**
 * Writes of `job` in the shared database with a token of at least `term` (`db` is the SQLite file the
 * replicas share).
 */
export function writesSince(db: string, term: number, job = 'default'): number {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (
      handle.prepare('SELECT COUNT(*) AS n FROM writes WHERE job = ? AND token >= ?').get(job, term) as {
        n: number;
      }
    ).n;
  } finally {
    handle.close();
  }
}

/** What went wrong in a run's history; every list is empty when nothing did. */
export interface HistoryProblems {
  readonly windows: readonly Window[];
  readonly writes: number;
  /** Accepted writes by job. */
  readonly writesByJob: Readonly<Record<string, number>>;
  /** Pairs of windows of one group, of two processes, that share an instant. */
  readonly overlapping: readonly string[];
  /** Writes accepted with a token below an earlier write's of the same job. */
  readonly late: readonly string[];
  /** Writes accepted outside their writer's leadership window of that group and term. */
  readonly outside: readonly string[];
  /** Refusals that were not of a stale token. */
  readonly badRefusals: readonly string[];
}

/** A write as the history reads it from the shared database. */
export interface HistoryWrite {
  readonly seq: number;
  readonly job: string;
  readonly token: number;
  readonly nodeId: string;
  readonly mono: string;
}

/**
 * Reads the history of a run: the leadership windows from the JSON logs of every process that ever ran
 * (`replicas`, their records so far, so call it once the leaders of interest have logged their lease ends),
 * and the fenced writes from the shared database under `root`.
 */
export function readHistory(root: string, replicas: readonly Replica[]): HistoryProblems {
  const db = new Database(join(root, 'shared.db'), { readonly: true });
  const writes = db
    .prepare('SELECT seq, job, token, node_id AS nodeId, mono FROM writes ORDER BY seq')
    .all() as HistoryWrite[];
  const refused = db.prepare('SELECT token, highest_token AS highest FROM rejected_writes').all() as {
    token: number;
    highest: number;
  }[];
  db.close();
  return checkHistory(leadershipWindows(replicas.flatMap((replica) => replica.records)), writes, refused);
}

/**
 * The checks of a history, per job (a job is an election group): no two windows of one group share an
 * instant, a job's tokens never go back, and every write lies in its writer's window of its group and term.
 */
export function checkHistory(
  windows: readonly Window[],
  writes: readonly HistoryWrite[],
  refused: readonly { token: number; highest: number }[],
): HistoryProblems {
  const late: string[] = [];
  const outside: string[] = [];
  const previousOf = new Map<string, HistoryWrite>();
  const writesByJob: Record<string, number> = {};
  for (const write of writes) {
    writesByJob[write.job] = (writesByJob[write.job] ?? 0) + 1;
    const previous = previousOf.get(write.job);
    if (previous && write.token < previous.token) {
      late.push(
        `${write.job} #${write.seq} token ${write.token} after #${previous.seq} token ${previous.token}`,
      );
    }
    previousOf.set(write.job, write);
    const mono = BigInt(write.mono);
    const window = windows.find(
      (w) =>
        w.group === write.job &&
        w.nodeId === write.nodeId &&
        w.term === write.token &&
        w.start <= mono &&
        mono <= w.end,
    );
    if (!window) {
      outside.push(`${write.job} #${write.seq} token ${write.token} by ${write.nodeId} at ${write.mono}`);
    }
  }
  return {
    windows,
    writes: writes.length,
    writesByJob,
    overlapping: overlaps(windows).map(([a, b]) => `${describeWindow(a)} overlaps ${describeWindow(b)}`),
    late,
    outside,
    badRefusals: refused
      .filter((refusal) => refusal.token >= refusal.highest)
      .map((refusal) => `token ${refusal.token} refused with the highest at ${refusal.highest}`),
  };
}
