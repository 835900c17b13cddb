import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'trust/**/*.test.ts', 'participant/**/*.test.ts', 'coordinator/**/*.test.ts', 'proto/**/*.test.ts', 'examples/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
