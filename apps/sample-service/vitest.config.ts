import { defineConfig } from 'vitest/config';

// The tests spawn the built service (dist/main.js) as real processes; they import no decorated code, so
// vitest's own transform is enough here.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Process tests start several Node processes: run the files one after another on a 2-core machine.
    fileParallelism: false,
  },
});
