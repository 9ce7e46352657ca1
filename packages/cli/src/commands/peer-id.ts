import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreatePeerKey, PEER_KEY_FILE } from '@baton/transport-libp2p';
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { CliError } from '../errors.js';

/**
 * The peer id (hence the election id) of the node whose data directory is `dataDir`, read from its
 * `peer-key`. With `create`, a missing key is made first (what the node would do at its first start), so
 * that voters' ids can be known before any node runs.
 */
export async function peerIdOf(dataDir: string, create: boolean): Promise<string> {
  if (create) return peerIdFromPrivateKey(await loadOrCreatePeerKey(dataDir)).toString();
  const file = join(dataDir, PEER_KEY_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(
        'failure',
        `${file} does not exist: the node has not started yet; \`baton peer-id ${dataDir} --create\` makes its key now`,
      );
    }
    throw new CliError('failure', `${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  try {
    return peerIdFromPrivateKey(privateKeyFromProtobuf(bytes)).toString();
  } catch (error) {
    throw new CliError(
      'failure',
      `${file} is not a libp2p private key (${(error as Error).message}); a node with this directory would ` +
        'refuse to start: restore the file, or remove it to give the node a new id (then update the voters)',
      { cause: error },
    );
  }
}
