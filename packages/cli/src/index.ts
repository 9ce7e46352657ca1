/**
 * `@baton/cli`: the `baton` command (`npx baton help`), and the function behind it for scripts and tests.
 *
 * @packageDocumentation
 */
export { runCli } from './cli.js';
export { CliError } from './errors.js';
export type { CliIo } from './io.js';
