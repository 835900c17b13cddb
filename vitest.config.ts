import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

/**
 * The longest files first, so they overlap with the many short ones instead of ending the run
 * alone. Vitest orders by the durations it cached on earlier runs; a fresh clone (CI) has none,
 * so the files known to take 20–50 s lead here whatever the cache says.
 */
const SLOWEST = ['test/crash.test.ts', 'test/cli.test.ts', 'test/stragglers.test.ts', 'test/fuzz.test.ts', 'test/trust.test.ts', 'core/secagg/protocol/property.test.ts'];
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOWEST.findIndex((s) => f.moduleId.endsWith(s));
      return i < 0 ? SLOWEST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

// Two groups: `unit` (tests beside the code, in worker threads) and `e2e` (test/: real gRPC on
// loopback, the in-process simulator, and the few real-process tests, in child processes).
// Processes the e2e tests spawn run the compiled CLI in dist/, rebuilt before the group starts
// when it is out of date. Test files share their worker's module cache (no per-file re-import of
// tfjs, gRPC and zod; every file starts and stops its own servers), except the trainer's, which
// pick a tfjs backend — process-wide state — and so run isolated (`unit-tfjs`).
export default defineConfig({
  test: {
    testTimeout: 120_000,
    // One worker per core, stated: left to its default, vitest ran the e2e files one at a time here.
    maxWorkers: availableParallelism(),
    sequence: { sequencer: SlowestFirst },
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          exclude: ['participant/trainer/**'],
          include: ['core/**/*.test.ts', 'trust/**/*.test.ts', 'participant/**/*.test.ts', 'coordinator/**/*.test.ts', 'proto/**/*.test.ts', 'examples/**/*.test.ts', 'cli/**/*.test.ts', 'sim/**/*.test.ts', 'client/**/*.test.ts', 'platform/**/*.test.ts'],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'unit-tfjs',
          include: ['participant/trainer/**/*.test.ts', 'scoring/**/*.test.ts'],
          pool: 'threads',
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          pool: 'forks',
          isolate: false,
          globalSetup: ['test/build-once.ts'],
          env: { FEDCREDIT_USE_DIST: '1' },
        },
      },
    ],
  },
});
