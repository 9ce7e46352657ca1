import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CorruptStateError,
  FileStateStore,
  MemoryStateStore,
  type PersistentState,
  STATE_FILE,
  StateLockedError,
  StoreStateError,
} from '../../src/index.js';
import { LOCK_FILE } from '../../src/storage/directory-lock.js';
import { serialiseState } from '../../src/storage/file-state-store.js';

const STATE: PersistentState = {
  term: 7,
  votedFor: 'b',
  configuration: { term: 0, version: 1, voters: ['a', 'b', 'c'] },
};

let dir: string;
const open: FileStateStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-store-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await rm(dir, { recursive: true, force: true });
});

async function opened(directory = dir): Promise<FileStateStore> {
  const store = new FileStateStore(directory);
  await store.open();
  open.push(store);
  return store;
}

describe('FileStateStore', () => {
  it('returns null before the first save, then the last state saved, across a reopen', async () => {
    const store = await opened();
    expect(await store.load()).toBe(null);
    await store.save({ ...STATE, term: 6 });
    await store.save(STATE);
    await store.close();
    const again = await opened();
    expect(await again.load()).toEqual(STATE);
  });

  it('saves without waiting for the event loop: a busy process does not delay its votes', async () => {
    // In a cluster whose processes all start at once, each step of an asynchronous save waited behind the
    // loop's other work, and the saves on the way to the first leader made it miss its first term.
    const store = await opened();
    await store.save({ ...STATE, term: 6 }); // the queue of saves is idle
    let loopTurned = false;
    setImmediate(() => {
      loopTurned = true;
    });
    await store.save(STATE);
    expect(loopTurned).toBe(false);
    expect(JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')).state).toEqual(STATE);
  });

  it('writes a versioned, checksummed JSON file and leaves no temporary file behind', async () => {
    const store = await opened();
    await store.save(STATE);
    const document = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8'));
    expect(document).toMatchObject({ format: 'baton-state', version: 2, state: STATE });
    expect(document.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await readdir(dir)).sort()).toEqual([LOCK_FILE, STATE_FILE].sort());
  });

  it('loads a state file of format version 1 as configuration term 0, and writes version 2 at the next save', async () => {
    const v1 = await readFile(new URL('./fixtures/baton-state-v1.json', import.meta.url), 'utf8');
    await writeFile(join(dir, STATE_FILE), v1);
    const store = await opened();
    const loaded = await store.load();
    expect(loaded).toEqual({
      term: 7,
      votedFor: 'b',
      configuration: { term: 0, version: 3, voters: ['a', 'b', 'c'] },
    });
    expect(await readFile(join(dir, STATE_FILE), 'utf8')).toBe(v1); // loading rewrites nothing
    await store.save({ ...loaded!, term: 8, votedFor: null });
    const document = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8'));
    expect(document).toMatchObject({
      version: 2,
      state: { term: 8, configuration: { term: 0, version: 3 } },
    });
    // A version-1 file whose content does not match its checksum is refused like any other.
    await writeFile(join(dir, STATE_FILE), v1.replace('"term": 7', '"term": 9'));
    await expect(store.load()).rejects.toThrow(/checksum does not match/);
  });

  describe('election groups (format version 3)', () => {
    const GROUPS: PersistentState = {
      term: 7,
      votedFor: 'b',
      configuration: { term: 4, version: 2, voters: ['a', 'b', 'c'], groupTermFloor: 12 },
      groups: { billing: { term: 19, votedFor: 'c' }, 'jobs.eu-1': { term: 0, votedFor: null } },
    };

    it('round-trips the group records and the group term floor, across a reopen', async () => {
      const store = await opened();
      await store.save(GROUPS);
      await store.close();
      const again = await opened();
      expect(await again.load()).toEqual(GROUPS);
      expect(await FileStateStore.read(dir)).toEqual(GROUPS);
    });

    it('writes version 3 only for a state with groups or a group term floor, version 2 otherwise', async () => {
      const store = await opened();
      const written = async (state: PersistentState, loaded = state) => {
        await store.save(state);
        const text = await readFile(join(dir, STATE_FILE), 'utf8');
        expect(await store.load()).toStrictEqual(loaded);
        return JSON.parse(text) as { version: number; state: Record<string, unknown> };
      };
      const { groupTermFloor: _, ...plainConfiguration } = GROUPS.configuration;
      const cases: [PersistentState, number][] = [
        [STATE, 2],
        [{ ...STATE, configuration: plainConfiguration }, 2],
        [GROUPS, 3],
        [{ ...STATE, groups: { billing: { term: 1, votedFor: null } } }, 3],
        [{ ...STATE, groups: {} }, 3],
        [{ ...STATE, configuration: { ...plainConfiguration, groupTermFloor: 12 } }, 3],
      ];
      for (const [state, version] of cases) expect((await written(state)).version).toBe(version);
      // Back to a plain state: version 2 again, with neither field on disk.
      const plain = await written(STATE);
      expect(plain.version).toBe(2);
      expect(plain.state).not.toHaveProperty('groups');
      expect(plain.state.configuration).not.toHaveProperty('groupTermFloor');
      // A floor of 0 is no floor: not written, and the file stays version 2.
      const zero = await written(
        { ...STATE, configuration: { ...STATE.configuration, groupTermFloor: 0 } },
        STATE,
      );
      expect(zero.version).toBe(2);
      expect(zero.state.configuration).not.toHaveProperty('groupTermFloor');
    });

    it('refuses to save a state with a bad group record, naming the field', async () => {
      const store = await opened();
      await expect(
        store.save({ ...STATE, groups: { billing: { term: -1, votedFor: null } } }),
      ).rejects.toThrow(/groups\.billing\.term/);
      await expect(store.save({ ...STATE, groups: { Bad: { term: 1, votedFor: null } } })).rejects.toThrow(
        /groups\.Bad/,
      );
      expect(await store.load()).toBe(null); // nothing was written
    });

    const bad: [string, PersistentState, RegExp][] = [
      [
        'a negative group term',
        { ...GROUPS, groups: { billing: { term: -1, votedFor: null } } },
        /groups\.billing\.term/,
      ],
      ['a bad group name', { ...GROUPS, groups: { Bad: { term: 1, votedFor: null } } }, /groups\.Bad/],
      [
        'the default group',
        { ...GROUPS, groups: { default: { term: 1, votedFor: null } } },
        /groups\.default/,
      ],
      [
        'an empty vote',
        { ...GROUPS, groups: { billing: { term: 1, votedFor: '' } } },
        /groups\.billing\.votedFor/,
      ],
      [
        'a fractional group term floor',
        { ...GROUPS, configuration: { ...GROUPS.configuration, groupTermFloor: 1.5 } },
        /configuration\.groupTermFloor/,
      ],
    ];
    for (const [name, state, field] of bad) {
      it(`a version 3 file with ${name}, checksum intact, fails to load with CorruptStateError naming the file`, async () => {
        const text = serialiseState(state);
        expect(JSON.parse(text).version).toBe(3);
        const file = join(dir, STATE_FILE);
        await writeFile(file, text);
        const store = await opened();
        const error = await store.load().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CorruptStateError);
        expect((error as CorruptStateError).file).toBe(file);
        expect((error as Error).message).toContain(file);
        expect((error as CorruptStateError).problem).toMatch(field);
        await expect(FileStateStore.read(dir)).rejects.toBeInstanceOf(CorruptStateError);
      });
    }
  });

  describe('retired group records (format version 4)', () => {
    const RETIRED: PersistentState = {
      term: 7,
      votedFor: 'b',
      configuration: { term: 4, version: 2, voters: ['a', 'b', 'c'] },
      retiredTerm: 31,
    };

    it('round-trips retiredTerm in version 4, with or without groups; a state without it is written as before', async () => {
      const store = await opened();
      const version = async (state: PersistentState) => {
        await store.save(state);
        expect(await store.load()).toStrictEqual(state);
        return (JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { version: number }).version;
      };
      expect(await version(RETIRED)).toBe(4);
      expect(await version({ ...RETIRED, groups: { billing: { term: 40, votedFor: null } } })).toBe(4);
      const { retiredTerm: _, ...plain } = RETIRED;
      expect(await version(plain)).toBe(2);
      expect(await version({ ...plain, groups: { billing: { term: 40, votedFor: null } } })).toBe(3);
      // A retired term of 0 is none: not written.
      await store.save({ ...plain, retiredTerm: 0 });
      expect(await store.load()).toStrictEqual(plain);
      await store.close();
      await store.open();
      await store.save(RETIRED);
      await store.close();
      expect(await FileStateStore.read(dir)).toEqual(RETIRED);
    });

    it('a bad retiredTerm is refused on save and, in a file, fails to load naming retiredTerm', async () => {
      const store = await opened();
      await expect(store.save({ ...RETIRED, retiredTerm: -1 })).rejects.toThrow(/retiredTerm/);
      const text = serialiseState({ ...RETIRED, retiredTerm: 2.5 });
      await writeFile(join(dir, STATE_FILE), text);
      const error = await store.load().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptStateError);
      expect((error as CorruptStateError).problem).toMatch(/retiredTerm/);
    });
  });

  it('read() reads a data directory without its lock, while a store holds it; null when there is no state yet', async () => {
    expect(await FileStateStore.read(dir)).toBe(null);
    const store = await opened();
    await store.save(STATE);
    expect(await FileStateStore.read(dir)).toEqual(STATE); // the lock is held: reading does not need it
    await writeFile(join(dir, STATE_FILE), '{"format":"baton-st');
    await expect(FileStateStore.read(dir)).rejects.toBeInstanceOf(CorruptStateError);
  });

  it('keeps saves in call order when they are not awaited one by one', async () => {
    const store = await opened();
    await Promise.all([1, 2, 3, 4, 5].map((term) => store.save({ ...STATE, term })));
    expect((await store.load())?.term).toBe(5);
  });

  it('refuses to save an impossible state, naming the field', async () => {
    const store = await opened();
    await expect(store.save({ ...STATE, term: -1 })).rejects.toThrow(/term/);
  });

  it('refuses load() and save() while not open', async () => {
    const store = new FileStateStore(dir);
    await expect(store.load()).rejects.toBeInstanceOf(StoreStateError);
    await expect(store.save(STATE)).rejects.toBeInstanceOf(StoreStateError);
  });

  describe('a state file it cannot trust is an error naming the file, never a reset', () => {
    const cases: [string, (text: string) => string, RegExp][] = [
      [
        'truncated',
        (text) => text.slice(0, Math.floor(text.length / 2)),
        /not valid JSON, probably truncated/,
      ],
      ['empty', () => '', /empty/],
      ['garbage', () => '\u0000\u0000\u0000', /not valid JSON/],
      [
        'edited by hand (checksum)',
        (text) => text.replace('"term": 7', '"term": 2'),
        /checksum does not match/,
      ],
      [
        'of a newer format version',
        (text) => text.replace('"version": 2', '"version": 5'),
        /format version 5 was written by a newer Baton/,
      ],
      [
        'of a newer format version than 4, with groups',
        (text) =>
          text
            .replace('"version": 2', '"version": 6')
            .replace('"votedFor": "b"', '"votedFor": "b", "groups": {}'),
        /format version 6 was written by a newer Baton \(this one reads versions 1 to 4\)/,
      ],
      [
        'missing its checksum',
        (text) => text.replace(/"checksum": "[^"]*"/, '"checksum": null'),
        /checksum is missing/,
      ],
      ['not an object', () => '[1, 2, 3]', /does not hold a JSON object/],
    ];
    for (const [name, corrupt, problem] of cases) {
      it(`${name}`, async () => {
        let store = await opened();
        await store.save(STATE);
        await store.close();
        const file = join(dir, STATE_FILE);
        await writeFile(file, corrupt(await readFile(file, 'utf8')));
        store = await opened();
        const error = await store.load().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CorruptStateError);
        expect((error as CorruptStateError).file).toBe(file);
        expect((error as Error).message).toContain(file);
        expect((error as CorruptStateError).problem).toMatch(problem);
        // and it stays an error: nothing was overwritten
        await expect(store.load()).rejects.toBeInstanceOf(CorruptStateError);
      });
    }
  });

  describe('the lock', () => {
    it('a second store on the same directory in this process fails, naming the directory and the pid', async () => {
      await opened();
      const error = await new FileStateStore(dir).open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateLockedError);
      expect((error as StateLockedError).directory).toBe(dir);
      expect((error as StateLockedError).holderPid).toBe(process.pid);
      expect((error as Error).message).toContain(dir);
      expect((error as Error).message).toContain(`pid ${process.pid}`);
    });

    it('is released by close(), so the directory can be opened again', async () => {
      const store = await opened();
      await store.close();
      await opened();
      expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    });

    it('takes over a lock left by a process that is gone', async () => {
      const dead = await deadPid();
      await writeFile(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: dead, host: hostname(), token: 'old', acquiredAt: '' }),
      );
      const store = await opened();
      await store.save(STATE);
      const lock = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'));
      expect(lock.pid).toBe(process.pid);
    });

    it('takes over a lock with this pid that this process did not take (a container restart reusing the pid)', async () => {
      await writeFile(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: process.pid, host: hostname(), token: 'from-a-previous-life', acquiredAt: '' }),
      );
      await opened();
    });

    it('never takes over a lock recorded by another host', async () => {
      await writeFile(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: 1, host: `not-${hostname()}`, token: 'x', acquiredAt: '' }),
      );
      const error = await new FileStateStore(dir).open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateLockedError);
      expect((error as Error).message).toMatch(/another host/);
    });

    it('a second process on the same directory fails at open with an error naming the directory', async () => {
      await opened();
      const result = await runChild('open', dir);
      expect(result.code).toBe(3);
      expect(result.error.name).toBe('StateLockedError');
      expect(result.error.directory).toBe(dir);
      expect(result.error.holderPid).toBe(process.pid);
      expect(result.error.message).toContain(dir);
    });

    it('while another process holds it, this one fails naming its pid; once it is killed, the lock is taken over', async () => {
      const child = holdInChild(dir);
      const pid = await child.ready;
      const error = await new FileStateStore(dir).open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateLockedError);
      expect((error as StateLockedError).holderPid).toBe(pid);
      child.process.kill('SIGKILL');
      await child.exited;
      const store = await opened();
      expect(await store.load()).toEqual(STATE); // what the killed process saved is there
    });
  });
});

describe('MemoryStateStore', () => {
  it('keeps the state while the same instance is reused, and must be opened before use', async () => {
    const store = new MemoryStateStore();
    await expect(store.load()).rejects.toBeInstanceOf(StoreStateError);
    await store.open();
    await store.save(STATE);
    await store.close();
    await store.open();
    expect(await store.load()).toEqual(STATE);
    expect(store.saves).toBe(1);
  });

  it('refuses an impossible initial state', () => {
    expect(() => new MemoryStateStore({ ...STATE, votedFor: '' })).toThrow(/votedFor/);
  });
});

// ------------------------------------------------------------------ child processes

const DIST = new URL('../../dist/index.js', import.meta.url);

const CHILD = `
const [mode, dir, stateText] = process.argv.slice(1);
const { FileStateStore } = await import(process.env.BATON_DIST);
const store = new FileStateStore(dir);
try {
  await store.open();
} catch (error) {
  process.stdout.write(JSON.stringify({ name: error.name, message: error.message, directory: error.directory, holderPid: error.holderPid }));
  process.exit(3);
}
if (mode === 'hold') {
  await store.save(JSON.parse(stateText));
  process.stdout.write('ready\\n');
  setInterval(() => {}, 1000);
} else {
  await store.close();
  process.exit(0);
}
`;

function childProcess(mode: string, directory: string) {
  if (!existsSync(DIST))
    throw new Error('build @baton/core first (npx tsc -p tsconfig.build.json): the child imports dist');
  return spawn(
    process.execPath,
    ['--input-type=module', '-e', CHILD, mode, directory, JSON.stringify(STATE)],
    {
      env: { ...process.env, BATON_DIST: DIST.href },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

function runChild(
  mode: string,
  directory: string,
): Promise<{ code: number | null; error: Record<string, unknown> }> {
  const child = childProcess(mode, directory);
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve({ code, error: out ? JSON.parse(out) : {} }));
  });
}

function holdInChild(directory: string) {
  const child = childProcess('hold', directory);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child.pid!);
    });
    child.on('exit', (code) => reject(new Error(`the child exited early with ${code}`)));
  });
  return { process: child, ready, exited };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

// Keep the serialiser honest: it is what `save` writes.
it('serialiseState ends with a newline and parses as JSON', () => {
  expect(serialiseState(STATE).endsWith('\n')).toBe(true);
});
