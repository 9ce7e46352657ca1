#!/usr/bin/env node
// The `baton` command. A file of its own (not dist/ directly) so that package managers can link the bin
// before the package is built, without a warning.
import('../dist/cli.js').then(
  ({ runCli }) =>
    runCli(process.argv.slice(2)).then((code) => {
      process.exitCode = code;
    }),
  (error) => {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
      process.stderr.write('baton: @baton/cli is not built (dist/cli.js is missing): run its build first\n');
      process.exitCode = 1;
      return;
    }
    throw error;
  },
);
