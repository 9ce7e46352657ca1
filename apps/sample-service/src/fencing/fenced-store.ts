import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** A write of the leader-only job, as stored. */
export interface StoredWrite {
  readonly seq: number;
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
  readonly token: number;
  /** The highest token the database had seen when it refused. */
  readonly highestToken: number;
  readonly nodeName: string;
  readonly rejectedAt: string;
  readonly note: string;
}

/** What the job asks to write. */
export interface WriteRequest {
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
    readonly token: number,
    readonly highestToken: number,
  ) {
    super(`fencing token ${token} is stale: the database has seen ${highestToken}`);
  }
}

const SCHEMA = `
  -- One row: the highest fencing token any write has carried.
  CREATE TABLE IF NOT EXISTS fence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    token INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO fence (id, token) VALUES (1, 0);

  CREATE TABLE IF NOT EXISTS writes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    token      INTEGER NOT NULL,
    node_id    TEXT NOT NULL,
    node_name  TEXT NOT NULL,
    mono       TEXT NOT NULL,
    written_at TEXT NOT NULL,
    note       TEXT NOT NULL
  );

  CREATE TABLE IF NOT EXISTS rejected_writes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token         INTEGER NOT NULL,
    highest_token INTEGER NOT NULL,
    node_name     TEXT NOT NULL,
    rejected_at   TEXT NOT NULL,
    note          TEXT NOT NULL
  );
`;

/**
 * The resource the leader-only job protects: an SQLite database shared by the replicas of one host, that
 * refuses a write whose fencing token is older than the newest it has seen.
 *
 * Why: a leader can be paused (GC, SIGSTOP, a frozen VM) past its lease while another node is elected.
 * When it wakes, a write it had started would land after its successor's. The lease alone cannot stop that;
 * the resource must compare tokens. The pattern to copy, in one transaction:
 *
 * ```sql
 * BEGIN IMMEDIATE;                                              -- take the write lock first
 * UPDATE fence SET token = :token WHERE id = 1 AND token <= :token;   -- raise the fence, or do nothing
 * -- changes() = 0  → a newer token holds the fence: ROLLBACK, the write is refused
 * INSERT INTO writes (token, ...) VALUES (:token, ...);         -- the write itself
 * COMMIT;
 * ```
 *
 * The check and the write commit together or not at all, under SQLite's write lock, so two processes
 * cannot interleave between the check and the write.
 */
export class FencedStore {
  private readonly db: Database.Database;
  private readonly raiseFence: Database.Statement<{ token: number }>;
  private readonly readFence: Database.Statement<[], { token: number }>;
  private readonly insertWrite: Database.Statement<WriteRequest & { writtenAt: string }>;
  private readonly insertRejected: Database.Statement<[number, number, string, string, string]>;
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
    this.db.exec(SCHEMA);

    this.raiseFence = this.db.prepare('UPDATE fence SET token = :token WHERE id = 1 AND token <= :token');
    this.readFence = this.db.prepare('SELECT token FROM fence WHERE id = 1');
    this.insertWrite = this.db.prepare(
      `INSERT INTO writes (token, node_id, node_name, mono, written_at, note)
       VALUES (:token, :nodeId, :nodeName, :mono, :writtenAt, :note)`,
    );
    this.insertRejected = this.db.prepare(
      `INSERT INTO rejected_writes (token, highest_token, node_name, rejected_at, note) VALUES (?, ?, ?, ?, ?)`,
    );

    // THE FENCE. Runs as one IMMEDIATE transaction (see write()): a throw rolls everything back.
    this.fencedWrite = this.db.transaction((request: WriteRequest): number => {
      const raised = this.raiseFence.run({ token: request.token }).changes === 1;
      if (!raised) {
        // A writer with a newer token got here first: this writer was deposed. Refuse, write nothing.
        throw new StaleTokenError(request.token, this.readFence.get()?.token ?? 0);
      }
      const result = this.insertWrite.run({ ...request, writtenAt: new Date().toISOString() });
      return Number(result.lastInsertRowid);
    });
  }

  /**
   * Writes `request` if its token is at least the highest seen (and raises the fence to it); throws
   * {@link StaleTokenError} otherwise, after recording the refusal in `rejected_writes`.
   */
  write(request: WriteRequest): number {
    try {
      return this.fencedWrite.immediate(request);
    } catch (error) {
      if (error instanceof StaleTokenError) {
        this.insertRejected.run(
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

  /** The highest fencing token the database has accepted. */
  highestToken(): number {
    return this.readFence.get()?.token ?? 0;
  }

  /** The latest writes, newest first. */
  recentWrites(limit = 25): StoredWrite[] {
    return this.db
      .prepare(
        `SELECT seq, token, node_id AS nodeId, node_name AS nodeName, mono, written_at AS writtenAt, note
         FROM writes ORDER BY seq DESC LIMIT ?`,
      )
      .all(limit) as StoredWrite[];
  }

  /** The latest refused writes, newest first. */
  recentRejections(limit = 10): RejectedWrite[] {
    return this.db
      .prepare(
        `SELECT id, token, highest_token AS highestToken, node_name AS nodeName, rejected_at AS rejectedAt, note
         FROM rejected_writes ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as RejectedWrite[];
  }

  /** How many writes were accepted and refused. */
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
