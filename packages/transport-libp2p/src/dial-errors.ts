/**
 * Why a dial (or the DNS lookup before it) failed, as {@link Libp2pTransport.diagnostics} reports it:
 *
 * - `refused`: nothing listens at the address (connection refused);
 * - `unreachable`: no route to the host or network;
 * - `timeout`: no answer within `dialTimeout` (a host that is down, a firewall that drops packets, or a
 *   private network whose key differs and whose peer never answers);
 * - `dns`: the DNS name does not resolve;
 * - `handshake`: the connection opened but the handshake failed: a wrong or missing pre-shared key is the
 *   likely cause;
 * - `wrong-peer`: another peer than the one the address names answered (its key, hence its id, changed);
 * - `denied`: this node's `allow` list refused the peer;
 * - `self`: the address is this node's own (a DNS name that lists every replica lists this one too);
 * - `other`: anything else (the detail says what).
 *
 * @example
 * ```ts
 * import type { DialErrorKind } from '@baton/transport-libp2p';
 * const serious: DialErrorKind[] = ['handshake', 'wrong-peer', 'denied'];
 * ```
 */
export type DialErrorKind =
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'dns'
  | 'handshake'
  | 'wrong-peer'
  | 'denied'
  | 'self'
  | 'other';

const BY_CODE: Readonly<Record<string, DialErrorKind>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  ENODATA: 'dns',
  ESERVFAIL: 'dns',
  ECONNRESET: 'handshake',
};

const BY_NAME: Readonly<Record<string, DialErrorKind>> = {
  AbortError: 'timeout',
  TimeoutError: 'timeout',
  EncryptionFailedError: 'handshake',
  InvalidCryptoExchangeError: 'handshake',
  MuxerUnavailableError: 'handshake',
  UnexpectedPeerError: 'wrong-peer',
  DialDeniedError: 'denied',
  ConnectionDeniedError: 'denied',
  ConnectionInterceptedError: 'denied',
  InvalidPeerIdError: 'self',
};

/**
 * Classifies what a libp2p dial (or a DNS lookup) threw. libp2p wraps the cause of a failed dial in other
 * errors (an `AggregateError` of the addresses tried, an `EncryptionFailedError` around a reset socket), so
 * the outermost error with a known name decides, then the causes within it, then the error codes.
 *
 * @example
 * ```ts
 * import { classifyDialError } from './dial-errors.js';
 * console.log(classifyDialError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))); // 'refused'
 * ```
 */
export function classifyDialError(error: unknown): DialErrorKind {
  const chain = unwrap(error);
  for (const candidate of chain) {
    const name = (candidate as { name?: unknown }).name;
    if (typeof name === 'string' && Object.hasOwn(BY_NAME, name)) {
      // libp2p's self-dial error is an InvalidPeerIdError; so is a malformed id, which is not about us.
      if (name === 'InvalidPeerIdError' && !/self/i.test(String((candidate as Error).message))) continue;
      return BY_NAME[name] as DialErrorKind;
    }
  }
  for (const candidate of chain) {
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(BY_CODE, code)) return BY_CODE[code] as DialErrorKind;
  }
  return 'other';
}

/** The error, its causes and the errors it aggregates, outermost first (bounded: a cycle ends it). */
function unwrap(error: unknown): object[] {
  const seen: object[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 16) {
    const next = queue.shift();
    if (next === null || typeof next !== 'object' || seen.includes(next)) continue;
    seen.push(next);
    const { cause, errors } = next as { cause?: unknown; errors?: unknown };
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return seen;
}

/**
 * What a failure of `kind` means, for the warning that names each address tried. `preSharedKey` says whether
 * this node runs in a private network (the likely cause of a failed handshake differs).
 *
 * @example
 * ```ts
 * import { explainDialError } from './dial-errors.js';
 * console.log(explainDialError('handshake', true));
 * ```
 */
export function explainDialError(kind: DialErrorKind, preSharedKey: boolean): string {
  switch (kind) {
    case 'refused':
      return 'connection refused: nothing listens there (the node is down, or on another port)';
    case 'unreachable':
      return 'no route to the host';
    case 'timeout':
      return 'no answer within dialTimeout (the host is down, a firewall drops the packets, or it runs with another pre-shared key)';
    case 'dns':
      return 'the DNS lookup failed';
    case 'handshake':
      return preSharedKey
        ? 'the handshake failed: a wrong or missing pre-shared key is the likely cause (this node has preSharedKey set: does the peer use the same swarm key?)'
        : 'the handshake failed: a wrong or missing pre-shared key is the likely cause (this node has no preSharedKey: does the peer use one?)';
    case 'wrong-peer':
      return 'another peer than the one named answered (its peer key changed)';
    case 'denied':
      return 'refused by this node’s allow list';
    case 'self':
      return 'this node’s own address';
    case 'other':
      return 'the dial failed';
  }
}
