import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FencedStore, StaleTokenError } from '../src/fencing/fenced-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const dbPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-fence-'));
  dirs.push(dir);
  return join(dir, 'shared.db');
};
const request = (job: string, token: number) => ({
  job,
  token,
  nodeId: 'id',
  nodeName: 'node-1',
  mono: '1',
  note: `${job} ${token}`,
});

describe('FencedStore', () => {
  it('keeps a fence per job: a token refused in one job says nothing of another', () => {
    const store = new FencedStore(dbPath());
    try {
      store.write(request('default', 3));
      store.write(request('reports', 40));
      // Default's token 3 is far below reports' 40, and still accepted: the fences are apart.
      store.write(request('default', 3));
      expect(() => store.write(request('reports', 39))).toThrow(StaleTokenError);
      expect(() => store.write(request('default', 2))).toThrow(
        /token 2 of job default is stale: the database has seen 3/,
      );
      expect(store.fences()).toEqual({ default: 3, reports: 40 });
      expect(store.highestToken('reports')).toBe(40);
      expect(store.highestToken()).toBe(3);
      expect(store.counts()).toEqual({ accepted: 3, rejected: 2 });
      expect(store.recentRejections().map((r) => [r.job, r.token, r.highestToken])).toEqual([
        ['default', 2, 3],
        ['reports', 39, 40],
      ]);
      expect(store.recentWrites().map((w) => [w.job, w.token])).toEqual([
        ['default', 3],
        ['reports', 40],
        ['default', 3],
      ]);
    } finally {
      store.close();
    }
  });

  it('migrates a database of the one-job schema in place: the fence and the writes become the default job’s', () => {
    const path = dbPath();
    const old = new Database(path);
    old.exec(`
      CREATE TABLE fence (id INTEGER PRIMARY KEY CHECK (id = 1), token INTEGER NOT NULL);
      INSERT INTO fence (id, token) VALUES (1, 12);
      CREATE TABLE writes (seq INTEGER PRIMARY KEY AUTOINCREMENT, token INTEGER NOT NULL, node_id TEXT NOT NULL,
        node_name TEXT NOT NULL, mono TEXT NOT NULL, written_at TEXT NOT NULL, note TEXT NOT NULL);
      INSERT INTO writes (token, node_id, node_name, mono, written_at, note) VALUES (12, 'id', 'n', '1', 't', 'old');
      CREATE TABLE rejected_writes (id INTEGER PRIMARY KEY AUTOINCREMENT, token INTEGER NOT NULL,
        highest_token INTEGER NOT NULL, node_name TEXT NOT NULL, rejected_at TEXT NOT NULL, note TEXT NOT NULL);
      INSERT INTO rejected_writes (token, highest_token, node_name, rejected_at, note) VALUES (9, 12, 'n', 't', 'old');
    `);
    old.close();
    const store = new FencedStore(path);
    try {
      expect(store.fences()).toEqual({ default: 12 });
      expect(store.recentWrites().map((w) => [w.job, w.token, w.note])).toEqual([['default', 12, 'old']]);
      expect(store.recentRejections().map((r) => [r.job, r.token])).toEqual([['default', 9]]);
      // The old fence still holds.
      expect(() => store.write(request('default', 11))).toThrow(StaleTokenError);
      store.write(request('default', 12));
    } finally {
      store.close();
    }
    // Opening it again finds nothing to migrate.
    const again = new FencedStore(path);
    try {
      expect(again.counts()).toEqual({ accepted: 2, rejected: 2 });
    } finally {
      again.close();
    }
  });
});
