import { describe, expect, it } from 'vitest';
import { classifyDialError, explainDialError } from '../src/dial-errors.js';

/** An error as libp2p or Node throws it: a name, a code, a cause. */
function error(name: string, message: string, extra: { code?: string; cause?: unknown } = {}): Error {
  return Object.assign(new Error(message, { cause: extra.cause }), { name, code: extra.code });
}

describe('classifyDialError', () => {
  it('names the kinds libp2p and Node report, through causes and aggregates', () => {
    const cases: [unknown, string][] = [
      [error('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), 'refused'],
      [error('Error', 'connect EHOSTUNREACH', { code: 'EHOSTUNREACH' }), 'unreachable'],
      [error('TimeoutError', 'The operation was aborted due to timeout'), 'timeout'],
      [error('Error', 'getaddrinfo ENOTFOUND nobody.invalid', { code: 'ENOTFOUND' }), 'dns'],
      [error('EncryptionFailedError', 'read ECONNRESET'), 'handshake'],
      [error('UnexpectedPeerError', 'unexpected peer'), 'wrong-peer'],
      [error('DialDeniedError', 'The connection gater denied all addresses'), 'denied'],
      [error('InvalidPeerIdError', 'Can not dial self'), 'self'],
      [error('InvalidPeerIdError', 'not a valid peer id'), 'other'],
      [
        new AggregateError([error('EncryptionFailedError', 'bad')], 'All multiaddr dials failed'),
        'handshake',
      ],
      [error('Error', 'dial failed', { cause: error('Error', 'x', { code: 'ECONNREFUSED' }) }), 'refused'],
      ['a string', 'other'],
      [null, 'other'],
    ];
    for (const [thrown, kind] of cases) expect(classifyDialError(thrown), String(thrown)).toBe(kind);
  });

  it('explains a failed handshake by the pre-shared key, whether this node has one or not', () => {
    expect(explainDialError('handshake', true)).toContain('a wrong or missing pre-shared key');
    expect(explainDialError('handshake', true)).toContain('this node has preSharedKey set');
    expect(explainDialError('handshake', false)).toContain('this node has no preSharedKey');
  });
});
