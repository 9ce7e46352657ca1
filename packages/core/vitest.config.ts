import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Simulated schedules are CPU-bound; under a loaded CI (turbo runs packages in parallel on two cores) they
    // can take several times longer than on a quiet machine. Nothing here waits on real time.
    testTimeout: 180_000,
  },
});
