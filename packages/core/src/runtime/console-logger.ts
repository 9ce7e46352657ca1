import type { ElectionLogger } from './types.js';

/**
 * The levels of an {@link ElectionLogger}, from the most to the least verbose.
 *
 * @example
 * ```ts
 * import { type LogLevel, consoleLogger } from '@baton/core';
 * const level: LogLevel = process.env.DEBUG ? 'debug' : 'warn';
 * const logger = consoleLogger(level);
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * A logger that writes to the console at `level` and above, each line prefixed with `[baton]` and the
 * context as JSON. The runtime's default prints warnings and errors.
 *
 * @example
 * ```ts
 * import { consoleLogger } from '@baton/core';
 * const logger = consoleLogger('info');
 * logger.info('became leader', { term: 3 }); // [baton] became leader {"term":3}
 * ```
 */
export function consoleLogger(
  level: LogLevel = 'warn',
  sink: Pick<Console, LogLevel> = console,
): ElectionLogger {
  if (!LEVELS.includes(level)) {
    throw new TypeError(
      `consoleLogger: level must be one of ${LEVELS.join(', ')} (got ${JSON.stringify(level)})`,
    );
  }
  const threshold = LEVELS.indexOf(level);
  const write =
    (at: LogLevel) =>
    (message: string, context?: Record<string, unknown>): void => {
      if (LEVELS.indexOf(at) < threshold) return;
      if (context === undefined) sink[at](`[baton] ${message}`);
      else sink[at](`[baton] ${message}`, safeJson(context));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function safeJson(context: Record<string, unknown>): string {
  try {
    return JSON.stringify(context, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    );
  } catch {
    return String(context);
  }
}

/** Checks that `value` has the four methods of an {@link ElectionLogger}; returns the names missing. */
export function missingLoggerMethods(value: unknown): string[] {
  if (value == null || typeof value !== 'object') return [...LEVELS];
  const logger = value as Record<string, unknown>;
  return LEVELS.filter((name) => typeof logger[name] !== 'function');
}
