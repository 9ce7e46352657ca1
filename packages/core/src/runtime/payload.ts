import { BatonError } from '../errors.js';

/**
 * Application payloads of `broadcast()`: JSON, UTF-8 encoded. A value that JSON would silently change
 * (a dropped `undefined`, `NaN` turned into `null`, a `Map` sent as `{}`) is refused with an error that
 * names where in the payload the problem is.
 */

/**
 * A broadcast payload cannot be sent as JSON. `path` says where (`payload.jobs[2].when`).
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore, PayloadError } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store: new MemoryStateStore() });
 * await election.start();
 * try {
 *   election.broadcast({ count: 10n });
 * } catch (error) {
 *   if (error instanceof PayloadError) console.log(error.path); // 'payload.count'
 * }
 * ```
 */
export class PayloadError extends BatonError {
  override readonly name = 'PayloadError';
  readonly code = 'ERR_INVALID_PAYLOAD';
  constructor(
    /** Where the problem is, starting at `payload`. */
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}; broadcast payloads must be JSON-serialisable`);
  }
}

/**
 * Encodes a payload as UTF-8 JSON, refusing values JSON cannot carry faithfully.
 *
 * @example
 * ```ts
 * import { decodePayload, encodePayload } from './payload.js';
 * const bytes = encodePayload({ job: 'reindex', shard: 3 });
 * console.log(decodePayload(bytes)); // { job: 'reindex', shard: 3 }
 * ```
 */
export function encodePayload(payload: unknown): Uint8Array {
  checkJson(payload, 'payload', new Set());
  return new TextEncoder().encode(JSON.stringify(payload));
}

/**
 * Decodes a payload made by {@link encodePayload}; throws a `SyntaxError` when the bytes are not UTF-8 JSON.
 *
 * @example
 * ```ts
 * import { decodePayload } from './payload.js';
 * decodePayload(new TextEncoder().encode('[1,2]')); // [1, 2]
 * ```
 */
export function decodePayload(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
}

function checkJson(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new PayloadError(path, `${value} is not a finite number`);
      return;
    case 'undefined':
      throw new PayloadError(path, 'is undefined');
    case 'bigint':
      throw new PayloadError(path, 'is a bigint (send it as a string)');
    case 'function':
      throw new PayloadError(path, 'is a function');
    case 'symbol':
      throw new PayloadError(path, 'is a symbol');
    default:
      break;
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.has(object)) throw new PayloadError(path, 'refers back to itself (a cycle)');
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return; // Date and friends: JSON defines it
  if (object instanceof Map || object instanceof Set) {
    throw new PayloadError(
      path,
      `is a ${object.constructor.name}, which JSON sends as {} (convert it to an array)`,
    );
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    throw new PayloadError(path, 'is binary data (encode it, e.g. as base64)');
  }
  ancestors.add(object);
  if (Array.isArray(object)) {
    object.forEach((item, index) => {
      checkJson(item, `${path}[${index}]`, ancestors);
    });
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      throw new PayloadError(
        path,
        `is an instance of ${proto?.constructor?.name ?? 'a class'}, not a plain object`,
      );
    }
    for (const [key, item] of Object.entries(object)) {
      checkJson(
        item,
        /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
        ancestors,
      );
    }
  }
  ancestors.delete(object);
}
