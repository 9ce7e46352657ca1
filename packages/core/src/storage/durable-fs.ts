import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `text` to `path` and fsyncs it before resolving. `flag` as for `open` ('w', or 'wx' to create only). */
export async function writeFileDurably(path: string, text: string, flag: 'w' | 'wx'): Promise<void> {
  const handle = await open(path, flag, 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `text` atomically and durably: writes `temporary`, fsyncs it, renames it over `path` and
 * fsyncs the directory, so that after a crash `path` holds either its old or its new content, whole.
 *
 * Synchronous: it blocks the event loop for as long as the disk takes (about 1 ms on an idle SSD here). An
 * asynchronous save resumes at each of its eight steps only when the event loop gets to it, and a process
 * competing for the CPU (a cluster starting, a throttled pod) made every save wait: in the benchmark's cold
 * starts (five processes on two cores) a save took 27 ms at the median and 211 ms at p90 asynchronously, 12
 * and 24 ms synchronously, in one run alternating both. The election gains nothing from the loop being free
 * meanwhile: a batch's messages, and every batch after it, wait for its save (a candidate's vote requests
 * aside).
 */
export function replaceFileDurablySync(path: string, temporary: string, text: string): void {
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeFileSync(fd, text, 'utf8');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  if (process.platform === 'win32') return; // Windows cannot fsync a directory
  const directory = openSync(dirname(path), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/** Makes renames, links and new entries in `directory` durable. Windows cannot fsync a directory. */
export async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `directory` (and its missing parents) so that it survives a power loss: the entry of every new
 * directory is fsynced in its parent. Without that, a data directory made just before a crash could vanish
 * with the vote saved in it.
 */
export async function makeDirectoryDurably(directory: string): Promise<void> {
  const created = await mkdir(directory, { recursive: true });
  if (created === undefined) return;
  for (let dir = directory; ; dir = dirname(dir)) {
    const parent = dirname(dir);
    await syncDirectory(parent);
    if (dir === created || parent === dir) return;
  }
}
