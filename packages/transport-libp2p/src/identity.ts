import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { PeerKeyError } from './errors.js';

/**
 * The name of the key file in the data directory.
 *
 * @example
 * ```ts
 * import { join } from 'node:path';
 * import { PEER_KEY_FILE } from '@baton/transport-libp2p';
 * console.log(join('/var/lib/jobs', PEER_KEY_FILE)); // '/var/lib/jobs/peer-key'
 * ```
 */
export const PEER_KEY_FILE = 'peer-key';

/**
 * Reads this node's private key from `<dataDir>/peer-key`, or creates an Ed25519 key there (mode 0600) when
 * the file does not exist. The same file gives the same peer id, hence the same election id, after every
 * restart. A file that exists but does not hold a key is a {@link PeerKeyError}; it is never replaced.
 *
 * Creation is atomic and safe against two processes racing on one directory: the key is written to a
 * temporary file and hard-linked into place, and the loser of the race reads the winner's key.
 *
 * @param onWarning - called when the key file can be read by other users of the machine.
 *
 * @example
 * ```ts
 * import { loadOrCreatePeerKey } from '@baton/transport-libp2p';
 * import { peerIdFromPrivateKey } from '@libp2p/peer-id';
 * const key = await loadOrCreatePeerKey('./data/node-1');
 * console.log(peerIdFromPrivateKey(key).toString()); // 12D3KooW…, the same on every run
 * ```
 */
export async function loadOrCreatePeerKey(
  dataDir: string,
  onWarning: (message: string) => void = () => {},
): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const existing = await readKeyFile(path, onWarning);
  if (existing) return existing;

  const key = await generateKeyPair('Ed25519');
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(privateKeyToProtobuf(key));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process created the key first: use its key, not ours.
  } finally {
    await unlink(temporary).catch(() => {});
  }
  await syncDirectory(dataDir);
  const stored = await readKeyFile(path, onWarning);
  if (!stored) throw new PeerKeyError(path, 'disappeared right after it was created');
  return stored;
}

async function readKeyFile(path: string, onWarning: (message: string) => void): Promise<PrivateKey | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PeerKeyError(path, `cannot be read (${(error as Error).message})`, { cause: error });
  }
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (error) {
    throw new PeerKeyError(
      path,
      `is not a libp2p private key (${(error as Error).message}); restore it from a backup, or delete it to ` +
        'start this node under a new peer id (the old id must then be removed from the voters)',
      { cause: error },
    );
  }
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    onWarning(
      `peer key file ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it`,
    );
  }
  return key;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the key file itself is synced.
  } finally {
    await handle.close();
  }
}
