import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FileStateStore, LeaderElection, STATE_FILE } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import { loadOrCreatePeerKey, loadPreSharedKey } from '@baton/transport-libp2p';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../src/index.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/baton.mjs', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function baton(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A data directory as a node leaves it: a peer key, a saved state, and (while it runs) its lock. */
async function nodeDirectory(): Promise<{ id: string; store: FileStateStore }> {
  const id = peerIdFromPrivateKey(await loadOrCreatePeerKey(dir)).toString();
  const store = new FileStateStore(dir);
  await store.open();
  await store.save({
    term: 7,
    votedFor: 'node-b',
    configuration: { term: 6, version: 3, voters: [id, 'node-b', 'node-c'].sort() },
  });
  return { id, store };
}

describe('baton peer-id', () => {
  it("prints the id of a node's key, and makes one only with --create", async () => {
    const missing = await baton('peer-id', dir);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`${join(dir, 'peer-key')} does not exist`);
    expect(missing.err).toContain('--create');
    const created = await baton('peer-id', dir, '--create');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^12D3KooW\w+$/);
    expect(await baton('peer-id', dir)).toMatchObject({ code: 0, out: created.out });
    expect(peerIdFromPrivateKey(await loadOrCreatePeerKey(dir)).toString()).toBe(created.out);
  });

  it('says a file that is not a key is not one, and how to recover', async () => {
    await writeFile(join(dir, 'peer-key'), 'not a key');
    const result = await baton('peer-id', dir);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/peer-key is not a libp2p private key .*restore the file, or remove it/);
  });
});

describe('baton psk', () => {
  it('writes a swarm key the transport accepts, with mode 0600, and never over an existing file', async () => {
    const file = join(dir, 'swarm.key');
    const result = await baton('psk', '--out', file);
    expect(result.code).toBe(0);
    expect(loadPreSharedKey(file)).toHaveLength(95);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await baton('psk', '--out', file);
    expect(again.code).toBe(1);
    expect(again.err).toContain('exists already');
    const printed = await baton('psk');
    expect(loadPreSharedKey(new TextEncoder().encode(`${printed.out}\n`))).toBeDefined();
    expect(printed.out).not.toBe((await readFile(file, 'utf8')).trimEnd());
  });
});

describe('baton inspect and verify', () => {
  it('shows term, vote, voters and the lock holder without taking the lock', async () => {
    const { id, store } = await nodeDirectory();
    const held = await baton('inspect', dir);
    expect(held.code).toBe(0);
    expect(held.out).toContain(`peer id         ${id}`);
    expect(held.out).toContain('term            7');
    expect(held.out).toContain('voted for       node-b');
    expect(held.out).toContain('configuration   version 3, installed in term 6');
    expect(held.out).toContain('this node       a voter');
    expect(held.out).toMatch(new RegExp(`lock            held \\(pid ${process.pid} on `));
    const json = JSON.parse((await baton('inspect', dir, '--json')).out);
    expect(json).toMatchObject({ peerId: id, state: { term: 7 }, lock: { holder: { pid: process.pid } } });
    await store.close();
    expect((await baton('inspect', dir)).out).toContain('lock            free');
    expect(await baton('verify', dir)).toMatchObject({
      code: 0,
      out: expect.stringContaining('sound (term 7'),
    });
  });

  it('a corrupt state file: names the problem and says how to recover', async () => {
    const { store } = await nodeDirectory();
    await store.close();
    const file = join(dir, STATE_FILE);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"term": 7', '"term": 8')); // the checksum no longer matches
    for (const command of ['verify', 'inspect']) {
      const result = await baton(command, dir);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`state file ${file} is corrupt`);
      expect(result.err).toContain('checksum');
      expect(result.err).toContain(`restore ${file} from a backup`);
      expect(result.err).toContain('with the whole cluster stopped');
    }
  });

  it('an empty directory has no state yet; a missing one is named', async () => {
    expect(await baton('verify', dir)).toMatchObject({
      code: 0,
      out: expect.stringContaining('no state file yet'),
    });
    const missing = await baton('inspect', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`data directory ${join(dir, 'nope')} cannot be read`);
  });
});

describe('baton status', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = null;
  });

  it("shows a running node's inspect(), also inside terminus health details", async () => {
    const election = new LeaderElection({
      clusterId: 'jobs',
      voters: ['a'],
      transport: new MemoryNetwork().transport('a'),
      dataDir: dir,
    });
    await election.start();
    await election.whenLeader();
    server = createServer((request, response) => {
      const snapshot = election.inspect();
      const body = request.url === '/health' ? { status: 'ok', details: { election: snapshot } } : snapshot;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    for (const path of ['/baton', '/health']) {
      const result = await baton('status', `http://127.0.0.1:${port}${path}`);
      expect(result.code).toBe(0);
      expect(result.out).toContain('node            a (cluster jobs)');
      expect(result.out).toContain('role            leader (holds the lease)');
      expect(result.out).toContain('leader          a');
    }
    const json = JSON.parse((await baton('status', `http://127.0.0.1:${port}/baton`, '--json')).out);
    expect(json).toMatchObject({ id: 'a', role: 'leader' });
    await election.stop();
  });

  it('names what is wrong: not a URL, nothing listening, no snapshot', async () => {
    expect(await baton('status', 'localhost')).toMatchObject({
      code: 2,
      err: expect.stringContaining('is not a URL'),
    });
    server = createServer((_request, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const empty = await baton('status', `http://127.0.0.1:${port}/`);
    expect(empty).toMatchObject({ code: 1, err: expect.stringContaining('without an election snapshot') });
    await new Promise((resolve) => server!.close(resolve));
    server = null;
    const refused = await baton('status', `http://127.0.0.1:${port}/`, '--timeout', '2000');
    expect(refused).toMatchObject({
      code: 1,
      err: expect.stringContaining('cannot be reached: ECONNREFUSED'),
    });
  });
});

describe('the command line', () => {
  it('prints the usage, and names a wrong command or option with exit code 2', async () => {
    expect(await baton('help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: baton') });
    expect(await baton('peer-ids')).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command "peer-ids"'),
    });
    expect(await baton('inspect', dir, '--jsn')).toMatchObject({
      code: 2,
      err: expect.stringContaining("'--jsn'"),
    });
    expect(await baton('inspect')).toMatchObject({
      code: 2,
      err: expect.stringContaining('inspect needs a data directory'),
    });
  });

  it('runs as the `baton` bin', async () => {
    const { stdout } = await run(process.execPath, [bin, 'peer-id', dir, '--create']);
    expect(stdout.trim()).toMatch(/^12D3KooW\w+$/);
    const failed = await run(process.execPath, [bin, 'verify', join(dir, 'missing')]).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('baton: data directory');
  });
});
