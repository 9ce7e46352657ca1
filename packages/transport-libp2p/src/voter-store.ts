import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { NodeId } from '@baton/core';
import { VotersFileError } from './errors.js';

/** The file `discoverVoters` saves the formed voter set in. */
export function votersFile(dataDir: string, clusterId: string): string {
  return join(dataDir, `voters-${clusterId}.json`);
}

/**
 * The file `discoverVoters` saves its formation lock in (the one first voter set this node may ever form,
 * see formation.ts), before any peer hears of it.
 */
export function lockFile(dataDir: string, clusterId: string): string {
  return join(dataDir, `formation-lock-${clusterId}.json`);
}

/**
 * The voter set saved by an earlier `discoverVoters`, or null when there is none. A file that cannot be read,
 * or does not hold a voter set, is a {@link VotersFileError}.
 */
export async function readStoredVoters(dataDir: string, clusterId: string): Promise<NodeId[] | null> {
  return readSet(votersFile(dataDir, clusterId), 'voters');
}

/** The formation lock saved by an earlier `discoverVoters`, or null; a bad file is a {@link VotersFileError}. */
export async function readFormationLock(dataDir: string, clusterId: string): Promise<NodeId[] | null> {
  return readSet(lockFile(dataDir, clusterId), 'locked');
}

async function readSet(path: string, field: 'voters' | 'locked'): Promise<NodeId[] | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new VotersFileError(path, `cannot be read (${(error as Error).message})`, { cause: error });
  }
  let set: unknown;
  try {
    set = (JSON.parse(text) as Record<string, unknown>)[field];
  } catch (error) {
    throw new VotersFileError(
      path,
      `not JSON (${(error as Error).message}); restore it or delete it to form the set again`,
      { cause: error },
    );
  }
  if (!Array.isArray(set) || set.length === 0 || !set.every((voter) => typeof voter === 'string')) {
    throw new VotersFileError(path, `"${field}" must be a non-empty array of peer ids`);
  }
  return field === 'locked' ? (set as NodeId[]).slice().sort() : (set as NodeId[]);
}

/** Saves the formed voter set atomically (write, then rename). */
export async function writeStoredVoters(
  dataDir: string,
  clusterId: string,
  voters: readonly NodeId[],
): Promise<void> {
  await writeAtomically(votersFile(dataDir, clusterId), { clusterId, voters, formedAt: now() });
}

/** Saves the formation lock atomically and durably (flushed before the rename), before it is told to anyone. */
export async function writeFormationLock(
  dataDir: string,
  clusterId: string,
  locked: readonly NodeId[],
): Promise<void> {
  await writeAtomically(lockFile(dataDir, clusterId), { clusterId, locked, lockedAt: now() });
}

const now = () => new Date().toISOString();

async function writeAtomically(path: string, content: object): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flush: true });
  await rename(temporary, path);
}
