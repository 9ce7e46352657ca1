#!/usr/bin/env node
// `baton-sim`, the simulator's command. A file of its own (not dist/ directly) so that package managers can
// link the bin before the package is built, without a warning.
import('../dist/testing/sim-cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('sim-cli.js')) {
    process.stderr.write(
      'baton-sim: @baton/core is not built (dist/testing/sim-cli.js is missing): build it first\n',
    );
    process.exitCode = 1;
    return;
  }
  throw error;
});
