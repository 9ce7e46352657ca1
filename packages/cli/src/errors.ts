/**
 * What went wrong on the command line: a wrong argument (exit code 2, with the usage) or a failure to do what
 * was asked (exit code 1). The message names the argument, the file or the address that was wrong.
 *
 * @example
 * ```ts
 * import { CliError } from '@baton/cli';
 * const error = new CliError('usage', 'peer-id needs a data directory');
 * console.log(error.exitCode); // 2
 * ```
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** 2 for a wrong command line, 1 for a failure. */
  readonly exitCode: 1 | 2;
  constructor(
    readonly kind: 'usage' | 'failure',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.exitCode = kind === 'usage' ? 2 : 1;
  }
}
