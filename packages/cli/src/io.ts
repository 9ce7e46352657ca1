/**
 * Where the `baton` command writes: standard output and standard error by default; tests pass their own.
 *
 * @example
 * ```ts
 * import { runCli, type CliIo } from '@baton/cli';
 * const lines: string[] = [];
 * const io: CliIo = { out: (text) => lines.push(text), err: (text) => lines.push(text) };
 * await runCli(['psk'], io);
 * console.log(lines[0]?.startsWith('/key/swarm/psk/1.0.0/')); // true
 * ```
 */
export interface CliIo {
  /** Writes one line (without its newline) of output. */
  out(line: string): void;
  /** Writes one line of diagnostics. */
  err(line: string): void;
}

/** Standard output and standard error. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
