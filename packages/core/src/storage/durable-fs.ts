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
