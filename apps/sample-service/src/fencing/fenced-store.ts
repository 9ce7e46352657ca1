import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** The job of the default election group (the cluster's leader), as stored in the `job` columns. */
export const DEFAULT_JOB = 'default';

/** A write of a leader-only job, as stored. */
export interface StoredWrite {
  readonly seq: number;
  /** The job: the election group whose leader wrote it (`'default'`: the cluster's leader). */
  readonly job: string;
  /** The fencing token (Baton's term) the writer held. */
  readonly token: number;
  readonly nodeId: string;
  readonly nodeName: string;
  /** `process.hrtime.bigint()` of the writer when it wrote (ns, decimal string). */
  readonly mono: string;
  readonly writtenAt: string;
  readonly note: string;
}

/** A write the fence refused. */
export interface RejectedWrite {
  readonly id: number;
  readonly job: string;
  readonly token: number;
  /** The highest token the database had seen when it refused. */
  readonly highestToken: number;
  readonly nodeName: string;
  readonly rejectedAt: string;
  readonly note: string;
}

/** What a job asks to write. */
export interface WriteRequest {
  /** The job, named after its election group: each job has a fence of its own (its group's terms). */
  readonly job: string;
  readonly token: number;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly mono: string;
  readonly note: string;
}

/** Thrown when a write carries a token older than the newest the database has seen. */
export class StaleTokenError extends Error {
  override readonly name = 'StaleTokenError';

  constructor(
    readonly job: string,
    readonly token: number,
    readonly highestToken: number,
  ) {
    super(`fencing token ${token} of job ${job} is stale: the database has seen ${highestToken}`);
  }
}

const SCHEMA = `
  -- One row per job: the highest fencing token any write of the job has carried. A job is an election
  -- group, and each group has its own terms, so each job has its own fence.
  CREATE TABLE IF NOT EXISTS fences (
    job   TEXT PRIMARY KEY,
    token INTEGER NOT NULL
  );

  CREATE TABLE IF NOT EXISTS writes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    job        TEXT NOT NULL DEFAULT 'default',
    token      INTEGER NOT NULL,
    node_id    TEXT NOT NULL,
    node_name  TEXT NOT NULL,
    mono       TEXT NOT NULL,
    written_at TEXT NOT NULL,
    note       TEXT NOT NULL
  );

  CREATE TABLE IF NOT EXISTS rejected_writes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job           TEXT NOT NULL DEFAULT 'default',
    token         INTEGER NOT NULL,
    highest_token INTEGER NOT NULL,
    node_name     TEXT NOT NULL,
    rejected_at   TEXT NOT NULL,
    note          TEXT NOT NULL
  );
`;

/**
 * Brings a database of the one-job schema (a one-row `fence` table, no `job` columns) to the schema above,
 * in one transaction, keeping everything: the old fence becomes job `default`'s, the old writes and refusals
 * are the default job's.
 */
function migrateOneJobSchema(db: Database.Database): void {
  const columns = (table: string) =>
    (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name);
  db.transaction(() => {
    for (const table of ['writes', 'rejected_writes']) {
      const existing = columns(table);
      if (existing.length > 0 && !existing.includes('job'))
        db.exec(`ALTER TABLE ${table} ADD COLUMN job TEXT NOT NULL DEFAULT '${DEFAULT_JOB}'`);
    }
    if (columns('fence').length > 0) {
      db.exec(`CREATE TABLE IF NOT EXISTS fences (job TEXT PRIMARY KEY, token INTEGER NOT NULL)`);
      db.prepare(
        `INSERT INTO fences (job, token) SELECT ?, token FROM fence WHERE id = 1
         ON CONFLICT (job) DO UPDATE SET token = max(token, excluded.token)`,
      ).run(DEFAULT_JOB);
      db.exec('DROP TABLE fence');
    }
  }).immediate();
}

/**
 * The resource the leader-only jobs protect: an SQLite database shared by the replicas of one host, that
 * refuses a write whose fencing token is older than the newest it has seen for that job. Each job runs on
 * the leader of its own election group, whose terms are its fencing tokens, so each job has its own fence.
 *
 * Why: a leader can be paused (GC, SIGSTOP, a frozen VM) past its lease while another node is elected.
 * When it wakes, a write it had started would land after its successor's. The lease alone cannot stop that;
 * the resource must compare tokens. The pattern to copy, in one transaction:
 *
 * ```sql
 * BEGIN IMMEDIATE;                                              -- take the write lock first
 * INSERT INTO fences (job, token) VALUES (:job, :token)         -- raise the job's fence, or do nothing
 *   ON CONFLICT (job) DO UPDATE SET token = :token WHERE token <= :token;
 * -- changes() = 0  → a newer token holds the fence: ROLLBACK, the write is refused
 * INSERT INTO writes (job, token, ...) VALUES (:job, :token, ...);   -- the write itself
 * COMMIT;
 * ```
 *
 * The check and the write commit together or not at all, under SQLite's write lock, so two processes
 * cannot interleave between the check and the write.
 */
export class FencedStore {
  private readonly db: Database.Database;
  private readonly raiseFence: Database.Statement<{ job: string; token: number }>;
  private readonly readFence: Database.Statement<[string], { token: number }>;
  private readonly insertWrite: Database.Statement<WriteRequest & { writtenAt: string }>;
  private readonly insertRejected: Database.Statement<[string, number, number, string, string, string]>;
  private readonly fencedWrite: Database.Transaction<(request: WriteRequest) => number>;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // WAL: readers (the dashboards of every replica) never block the writer, nor the writer them.
    this.db.pragma('journal_mode = WAL');
    // Several processes share the file: wait for the write lock instead of failing with SQLITE_BUSY. Kept
    // short because better-sqlite3 waits synchronously, and a blocked event loop ends Baton's leadership.
    this.db.pragma('busy_timeout = 1000');
    this.db.pragma('synchronous = NORMAL');
    migrateOneJobSchema(this.db);
    this.db.exec(SCHEMA);

    this.raiseFence = this.db.prepare(
      `INSERT INTO fences (job, token) VALUES (:job, :token)
       ON CONFLICT (job) DO UPDATE SET token = excluded.token WHERE token <= excluded.token`,
    );
    this.readFence = this.db.prepare('SELECT token FROM fences WHERE job = ?');
    this.insertWrite = this.db.prepare(
      `INSERT INTO writes (job, token, node_id, node_name, mono, written_at, note)
       VALUES (:job, :token, :nodeId, :nodeName, :mono, :writtenAt, :note)`,
    );
    this.insertRejected = this.db.prepare(
      `INSERT INTO rejected_writes (job, token, highest_token, node_name, rejected_at, note)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );

    // THE FENCE. Runs as one IMMEDIATE transaction (see write()): a throw rolls everything back.
    this.fencedWrite = this.db.transaction((request: WriteRequest): number => {
      const raised = this.raiseFence.run({ job: request.job, token: request.token }).changes === 1;
      if (!raised) {
        // A writer with a newer token got here first: this writer was deposed. Refuse, write nothing.
        throw new StaleTokenError(request.job, request.token, this.readFence.get(request.job)?.token ?? 0);
      }
      const result = this.insertWrite.run({ ...request, writtenAt: new Date().toISOString() });
      return Number(result.lastInsertRowid);
    });
  }

  /**
   * Writes `request` if its token is at least the highest its job has seen (and raises the job's fence to it); throws
   * {@link StaleTokenError} otherwise, after recording the refusal in `rejected_writes`.
   */
  write(request: WriteRequest): number {
    try {
      return this.fencedWrite.immediate(request);
    } catch (error) {
      if (error instanceof StaleTokenError) {
        this.insertRejected.run(
          request.job,
          request.token,
          error.highestToken,
          request.nodeName,
          new Date().toISOString(),
          request.note,
        );
      }
      throw error;
    }
  }

  /** The highest fencing token the database has accepted for `job` (0: none yet). */
  highestToken(job: string = DEFAULT_JOB): number {
    return this.readFence.get(job)?.token ?? 0;
  }

  /** Every job's highest fencing token, by job. */
  fences(): Record<string, number> {
    const rows = this.db.prepare('SELECT job, token FROM fences ORDER BY job').all() as {
      job: string;
      token: number;
    }[];
    return Object.fromEntries(rows.map((row) => [row.job, row.token]));
  }

  /** The latest writes, newest first. */
  recentWrites(limit = 25): StoredWrite[] {
    return this.db
      .prepare(
        `SELECT seq, job, token, node_id AS nodeId, node_name AS nodeName, mono, written_at AS writtenAt, note
         FROM writes ORDER BY seq DESC LIMIT ?`,
      )
      .all(limit) as StoredWrite[];
  }

  /** The latest refused writes, newest first. */
  recentRejections(limit = 10): RejectedWrite[] {
    return this.db
      .prepare(
        `SELECT id, job, token, highest_token AS highestToken, node_name AS nodeName, rejected_at AS rejectedAt, note
         FROM rejected_writes ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as RejectedWrite[];
  }

  /** How many writes were accepted and refused, of every job together. */
  counts(): { accepted: number; rejected: number } {
    const row = this.db
      .prepare(
        'SELECT (SELECT COUNT(*) FROM writes) AS accepted, (SELECT COUNT(*) FROM rejected_writes) AS rejected',
      )
      .get() as { accepted: number; rejected: number };
    return row;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
