import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    // Tests provoke refusals on purpose; their warnings would bury the results.
    env: { OTA_SIM_LOG_LEVEL: 'error' },
  },
});
