import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeId } from '@baton/core';
import { VotersFileError } from './errors.js';

/** The file `discoverVoters` saves the formed voter set in. */
export function votersFile(dataDir: string, clusterId: string): string {
  return join(dataDir, `voters-${clusterId}.json`);
}

/**
 * The voter set saved by an earlier `discoverVoters`, or null when there is none. A file that cannot be read,
 * or does not hold a voter set, is a {@link VotersFileError}.
 */
export async function readStoredVoters(dataDir: string, clusterId: string): Promise<NodeId[] | null> {
  const path = votersFile(dataDir, clusterId);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new VotersFileError(path, `cannot be read (${(error as Error).message})`, { cause: error });
  }
  let voters: unknown;
  try {
    voters = (JSON.parse(text) as { voters?: unknown }).voters;
  } catch (error) {
    throw new VotersFileError(
      path,
      `not JSON (${(error as Error).message}); restore it or delete it to form the set again`,
      { cause: error },
    );
  }
  if (!Array.isArray(voters) || voters.length === 0 || !voters.every((voter) => typeof voter === 'string')) {
    throw new VotersFileError(path, '"voters" must be a non-empty array of peer ids');
  }
  return voters as NodeId[];
}

/** Saves the formed voter set atomically (write, then rename). */
export async function writeStoredVoters(
  dataDir: string,
  clusterId: string,
  voters: readonly NodeId[],
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = votersFile(dataDir, clusterId);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const body = `${JSON.stringify({ clusterId, voters, formedAt: new Date().toISOString() }, null, 2)}\n`;
  await writeFile(temporary, body, { mode: 0o600, flush: true });
  await rename(temporary, path);
}
