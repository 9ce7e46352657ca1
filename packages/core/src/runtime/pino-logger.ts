import type { ElectionLogger } from './types.js';

/**
 * The part of a pino logger (or any logger that takes the fields first, as pino does) that
 * {@link pinoElectionLogger} uses.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * import type { PinoLike } from '@baton/core';
 * const logger: PinoLike = pino();
 * ```
 */
export interface PinoLike {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/**
 * An `ElectionLogger` that writes through pino: each line is one JSON object whose fields are top-level keys
 * next to `msg` (pino takes the fields first; Baton's loggers take the message first). Give it to
 * `LeaderElection` and to `libp2pTransport()` as `logger`; a child logger (`pino.child({ component: 'baton' })`)
 * tags every line.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * import { pinoElectionLogger } from '@baton/core';
 * const logger = pinoElectionLogger(pino().child({ component: 'baton' }));
 * logger.info('became leader', { term: 7 }); // {"level":30,...,"component":"baton","term":7,"msg":"became leader"}
 * ```
 */
export function pinoElectionLogger(pino: PinoLike): ElectionLogger {
  const write =
    (level: keyof PinoLike) =>
    (message: string, fields?: Record<string, unknown>): void =>
      pino[level](fields ?? {}, message);
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
