import { join } from 'node:path';
import Database from 'better-sqlite3';
import { leadershipWindows, overlaps, type Window } from './leadership-windows.js';
import type { Replica } from './replicas.js';

const ms = (ns: bigint) => Number(ns) / 1e6;

/** One line for a leadership window: who, which term, when, how long, how it ended. */
export function describeWindow(window: Window): string {
  return `${window.nodeName}/pid ${window.pid} term ${window.term} [${window.start}, ${window.end}] (${ms(window.end - window.start).toFixed(0)} ms, ended by ${window.endedBy})`;
}

/** Writes in the shared database with a token of at least `term` (`db` is the SQLite file the replicas share). */
export function writesSince(db: string, term: number): number {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (handle.prepare('SELECT COUNT(*) AS n FROM writes WHERE token >= ?').get(term) as { n: number }).n;
  } finally {
    handle.close();
  }
}

/** What went wrong in a run's history; every list is empty when nothing did. */
export interface HistoryProblems {
  readonly windows: readonly Window[];
  readonly writes: number;
  /** Pairs of windows of two processes that share an instant. */
  readonly overlapping: readonly string[];
  /** Writes accepted with a token below an earlier write's. */
  readonly late: readonly string[];
  /** Writes accepted outside their writer's leadership window of that term. */
  readonly outside: readonly string[];
  /** Refusals that were not of a stale token. */
  readonly badRefusals: readonly string[];
}

/**
 * Reads the history of a run: the leadership windows from the JSON logs of every process that ever ran
 * (`replicas`, their records so far, so call it once the leaders of interest have logged their lease ends),
 * and the fenced writes from the shared database under `root`.
 */
export function readHistory(root: string, replicas: readonly Replica[]): HistoryProblems {
  const windows = leadershipWindows(replicas.flatMap((replica) => replica.records));
  const db = new Database(join(root, 'shared.db'), { readonly: true });
  const writes = db.prepare('SELECT seq, token, node_id AS nodeId, mono FROM writes ORDER BY seq').all() as {
    seq: number;
    token: number;
    nodeId: string;
    mono: string;
  }[];
  const refused = db.prepare('SELECT token, highest_token AS highest FROM rejected_writes').all() as {
    token: number;
    highest: number;
  }[];
  db.close();
  const late: string[] = [];
  const outside: string[] = [];
  writes.forEach((write, index) => {
    const previous = writes[index - 1];
    if (previous && write.token < previous.token) {
      late.push(`#${write.seq} token ${write.token} after #${previous.seq} token ${previous.token}`);
    }
    const mono = BigInt(write.mono);
    const window = windows.find(
      (w) => w.nodeId === write.nodeId && w.term === write.token && w.start <= mono && mono <= w.end,
    );
    if (!window) outside.push(`#${write.seq} token ${write.token} by ${write.nodeId} at ${write.mono}`);
  });
  return {
    windows,
    writes: writes.length,
    overlapping: overlaps(windows).map(([a, b]) => `${describeWindow(a)} overlaps ${describeWindow(b)}`),
    late,
    outside,
    badRefusals: refused
      .filter((refusal) => refusal.token >= refusal.highest)
      .map((refusal) => `token ${refusal.token} refused with the highest at ${refusal.highest}`),
  };
}
