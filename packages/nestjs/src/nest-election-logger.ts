import type { ElectionLogger } from '@baton/core';
import type { LoggerService } from '@nestjs/common';

function describe(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
  } catch {
    return String(fields); // a cycle: the message still goes out
  }
}

/**
 * The election's logger (`ElectionLogger`, what `LeaderElection` and `@baton/transport-libp2p` write to)
 * writing through a Nest logger, so that Baton's lines follow the application's logger settings (levels,
 * JSON mode, a custom `LoggerService`). `info` goes to Nest's `log`; the fields are appended to the message
 * as JSON, one line per call, whatever the Nest version or logger. `LeaderModule` logs the election (context
 * `LeaderElection`) and the libp2p transport it builds (context `BatonLibp2p`) through it; use it for a
 * transport you build yourself.
 *
 * @example
 * ```ts
 * import { Logger } from '@nestjs/common';
 * import { nestElectionLogger } from '@baton/nestjs';
 *
 * const logger = nestElectionLogger(new Logger('Libp2pTransport'));
 * logger.info('dialled', { peer: '12D3KooW…' }); // LOG [Libp2pTransport] dialled {"peer":"12D3KooW…"}
 * // e.g. libp2pTransport({ clusterId: 'jobs', dataDir: '/data/baton', logger })
 * ```
 */
export function nestElectionLogger(logger: LoggerService): ElectionLogger {
  const line = (message: string, fields?: Record<string, unknown>) =>
    fields === undefined ? message : `${message} ${describe(fields)}`;
  return {
    debug: (message, fields) => logger.debug?.(line(message, fields)),
    info: (message, fields) => logger.log(line(message, fields)),
    warn: (message, fields) => logger.warn(line(message, fields)),
    error: (message, fields) => logger.error(line(message, fields)),
  };
}
