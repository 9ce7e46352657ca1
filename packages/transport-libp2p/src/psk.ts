import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '@baton/core';

/**
 * The swarm key format of `@libp2p/pnet` (read the way its `decodeV1PSK` reads it): a first line (the tag,
 * `/key/swarm/psk/1.0.0/`), a second (the codec, `/base16/`), and 32 bytes as 64 hex digits (either case) on the
 * third. Checked here, so that `@libp2p/pnet` is imported only by a node that uses a key.
 */
const KEY_LINE = /^[0-9a-f]{64}$/i;

function checkSwarmKey(bytes: Uint8Array): void {
  const lines = new TextDecoder().decode(bytes).split(/(?:\r\n|\r|\n)/g);
  if (!KEY_LINE.test(lines[2] ?? '')) throw new Error('the third line is not 32 bytes in base16');
}

/**
 * Reads and checks a libp2p swarm key (the `/key/swarm/psk/1.0.0/` format of `@libp2p/pnet` and go-ipfs),
 * given as a file path or as the file's bytes. Throws {@link InvalidOptionError} naming `preSharedKey`.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { createSwarmKey, loadPreSharedKey } from '@baton/transport-libp2p';
 * writeFileSync('swarm.key', createSwarmKey(), { mode: 0o600 });
 * const psk = loadPreSharedKey('swarm.key'); // the key's bytes, checked
 * ```
 */
export function loadPreSharedKey(value: string | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (typeof value === 'string') {
    try {
      bytes = readFileSync(value);
    } catch (error) {
      throw new InvalidOptionError(
        'preSharedKey',
        value,
        `cannot read the swarm key file: ${(error as Error).message}`,
      );
    }
  } else if (value instanceof Uint8Array) {
    bytes = value;
  } else {
    throw new InvalidOptionError('preSharedKey', value, 'must be a path to a swarm key file or its bytes');
  }
  try {
    // A malformed key fails here, not at the first connection.
    checkSwarmKey(bytes);
  } catch (error) {
    throw new InvalidOptionError(
      'preSharedKey',
      typeof value === 'string' ? value : `<${bytes.byteLength} bytes>`,
      `not a swarm key (/key/swarm/psk/1.0.0/, /base16/, 64 hex digits): ${(error as Error).message}`,
    );
  }
  return bytes;
}

/**
 * Makes a new random swarm key, in the format `preSharedKey` accepts. Write it to a file (mode 0600) and
 * give the same file to every node of the cluster.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { createSwarmKey } from '@baton/transport-libp2p';
 * writeFileSync('swarm.key', createSwarmKey(), { mode: 0o600 });
 * ```
 */
export function createSwarmKey(): Uint8Array {
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${randomBytes(32).toString('hex')}`);
}
