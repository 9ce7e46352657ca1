import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The files start replica processes and Chromium: one file at a time on a 2-core machine.
    fileParallelism: false,
  },
});
