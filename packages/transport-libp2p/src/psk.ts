import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '@baton/core';
import { generateKey, preSharedKey } from '@libp2p/pnet';

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
    // Constructing the protector decodes the key: a malformed key fails here, not at the first connection.
    preSharedKey({ psk: bytes })();
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
  const key = new Uint8Array(95);
  generateKey(key);
  return key;
}
