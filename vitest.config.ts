import { defineConfig } from 'vitest/config';

// Two groups: `unit` (tests beside the code, in worker threads) and `e2e` (test/: real gRPC on
// loopback, the in-process simulator, and the few real-process tests). Processes the e2e tests
// spawn run the compiled CLI in dist/, rebuilt once before the group starts.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'trust/**/*.test.ts', 'participant/**/*.test.ts', 'coordinator/**/*.test.ts', 'proto/**/*.test.ts', 'examples/**/*.test.ts', 'cli/**/*.test.ts', 'sim/**/*.test.ts', 'client/**/*.test.ts', 'platform/**/*.test.ts'],
          pool: 'threads',
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          pool: 'forks',
          globalSetup: ['test/build-once.ts'],
          env: { FEDCREDIT_USE_DIST: '1' },
        },
      },
    ],
  },
});
