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

/** Nest's `Logger` forwards to the application's logger, which it exposes as `localInstance`. */
function target(logger: LoggerService): unknown {
  return 'localInstance' in logger ? (logger as { localInstance: unknown }).localInstance : logger;
}

/**
 * Whether `logger` ends in nestjs-pino's `Logger` (its `PinoLogger` has `assign()`): that one turns an object
 * message into the fields of one pino line, so Baton's fields become top-level JSON keys next to `msg`.
 */
function isPinoBacked(logger: LoggerService): boolean {
  const resolved = target(logger) as { logger?: { assign?: unknown } } | null | undefined;
  return typeof resolved?.logger?.assign === 'function';
}

/**
 * The election's logger (`ElectionLogger`, what `LeaderElection` and `@baton/transport-libp2p` write to)
 * writing through a Nest logger, so that Baton's lines follow the application's logger settings (levels,
 * JSON mode, a custom `LoggerService`). `info` goes to Nest's `log`; the fields are appended to the message
 * as JSON, one line per call, whatever the Nest version or logger. `LeaderModule` logs the election (context
 * `LeaderElection`) and the libp2p transport it builds (context `BatonLibp2p`) through it; use it for a
 * transport you build yourself. When the application logs with `nestjs-pino` (`app.useLogger(app.get(Logger))`),
 * each call is one pino line whose fields are top-level JSON keys next to `msg`, without further wiring.
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
  const line = (message: string, fields?: Record<string, unknown>): unknown => {
    if (fields === undefined) return message;
    return isPinoBacked(logger) ? { ...fields, msg: message } : `${message} ${describe(fields)}`;
  };
  return {
    debug: (message, fields) => logger.debug?.(line(message, fields)),
    info: (message, fields) => logger.log(line(message, fields)),
    warn: (message, fields) => logger.warn(line(message, fields)),
    error: (message, fields) => logger.error(line(message, fields)),
  };
}
