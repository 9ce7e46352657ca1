import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CorruptStateError,
  FileStateStore,
  type LockHolder,
  type PersistentState,
  STATE_FILE,
} from '@baton/core';
import { CliError } from '../errors.js';
import { peerIdOf } from './peer-id.js';

/** What `baton inspect` reads from a data directory, without taking its lock. */
export interface DataDirReport {
  readonly dataDir: string;
  /** The node's peer id, or `null` without a `peer-key` (a node of another transport, or not started). */
  readonly peerId: string | null;
  /** The persisted term, vote and voter configuration; `null` before the node's first start. */
  readonly state: PersistentState | null;
  /** Who holds the directory's lock; `null` when no node uses it. */
  readonly lock: LockHolder | null;
}

/** How to recover from a corrupt state file: what the core README says, as commands. */
export function recovery(file: string): string[] {
  return [
    `The node refuses to start rather than forget its vote. To recover:`,
    `  1. restore ${file} from a backup of this node, then start it; or`,
    `  2. with the whole cluster stopped, move the file aside (mv ${file} ${file}.corrupt) and start the nodes`,
    '     again: this node starts from term 0 with no vote, and may vote a second time in a term it voted in,',
    '     which is safe only while no other node runs.',
  ];
}

async function requireDirectory(dataDir: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dataDir);
  } catch (error) {
    throw new CliError('failure', `data directory ${dataDir} cannot be read: ${(error as Error).message}`);
  }
  if (!info.isDirectory()) throw new CliError('failure', `${dataDir} is not a directory`);
}

/**
 * Reads a data directory: peer id, term, vote, configuration and lock. A corrupt state file is a `CliError`
 * that says what is wrong and how to recover.
 */
export async function readDataDir(dataDir: string): Promise<DataDirReport> {
  await requireDirectory(dataDir);
  let state: PersistentState | null;
  try {
    state = await FileStateStore.read(dataDir);
  } catch (error) {
    if (error instanceof CorruptStateError) {
      throw new CliError('failure', [error.message, ...recovery(error.file)].join('\n'), { cause: error });
    }
    throw new CliError(
      'failure',
      `${join(dataDir, STATE_FILE)} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let peerId: string | null = null;
  try {
    peerId = await peerIdOf(dataDir, false);
  } catch (error) {
    if (!(error instanceof CliError) || !/does not exist/.test(error.message)) throw error;
  }
  return { dataDir, peerId, state, lock: await FileStateStore.lockHolder(dataDir) };
}

/** The report as the lines `baton inspect` prints. */
export function describeDataDir(report: DataDirReport): string[] {
  const { state, lock } = report;
  const lines = [`data directory  ${report.dataDir}`, `peer id         ${report.peerId ?? '(no peer-key)'}`];
  if (state === null) {
    lines.push(`state           none yet (${STATE_FILE} is written at the node's first start)`);
  } else {
    const { configuration } = state;
    lines.push(
      `term            ${state.term}`,
      `voted for       ${state.votedFor ?? '(nobody in this term)'}`,
      `configuration   version ${configuration.version}, installed in term ${configuration.term}`,
      `voters          ${configuration.voters.length === 0 ? '(none yet)' : configuration.voters.join(', ')}`,
    );
    if (report.peerId !== null && configuration.voters.length > 0) {
      lines.push(
        `this node       ${configuration.voters.includes(report.peerId) ? 'a voter' : 'not a voter (an observer)'}`,
      );
    }
  }
  if (lock === null) {
    lines.push('lock            free (no node uses this directory)');
  } else if (lock.holder === null) {
    lines.push(`lock            ${lock.file} cannot be read; remove it if no node uses this directory`);
  } else {
    const { pid, host, acquiredAt } = lock.holder;
    const status = lock.stale === null ? 'held' : `stale: ${lock.stale}; the next start takes it over`;
    lines.push(`lock            ${status} (pid ${pid} on ${host}, since ${acquiredAt})`);
  }
  return lines;
}
