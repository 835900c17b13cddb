/**
 * The round benchmark's modes and its whole-job measure (bench/secagg-round.ts): `--keys-ahead N`
 * adds the authenticated job with keys set up ahead beside the four modes, and jobs whose rounds
 * are uneven are compared by seconds per round of whole jobs; the young generation the benchmark
 * process runs with, which the table reports.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchModes, meanRoundSeconds } from '../bench/secagg-round.ts';
import type { JobSample } from '../bench/secagg-round.ts';
import { gcBetween, startGcMeter } from '../bench/gc-meter.ts';
import { BENCH_SEMI_SPACE_MB, maxSemiSpaceMb, youngGenerationText } from '../bench/young-generation.ts';

const job = (roundSeconds: number[]): JobSample => ({ mode: 'auth-ahead', jobId: 'j', roundSeconds, roundSteps: [], wallSeconds: 0, nodesCpuSeconds: 0, nodesGc: { pauseSeconds: 0, minor: 0, major: 0 }, auc: 0.5 });

describe('round bench modes', () => {
  it('adds the keys-ahead mode only when asked, keysAhead 0 included (every sum setting up its own keys)', () => {
    expect(benchModes({})).toEqual(['plain', 'plain-mtls', 'secagg', 'authenticated']);
    expect(benchModes({ keysAhead: 0 })).toEqual(['plain', 'plain-mtls', 'secagg', 'authenticated', 'auth-ahead']);
    expect(benchModes({ keysAhead: 2 })).toEqual(['plain', 'plain-mtls', 'secagg', 'authenticated', 'auth-ahead']);
  });

  it('measures uneven jobs by their mean round, the median over jobs', () => {
    // A slow first round that set up the next two, then two fast ones: the round median (3.6) would hide the first.
    expect(meanRoundSeconds([job([7.8, 3.6, 3.6])])).toBeCloseTo(5.0, 10);
    expect(meanRoundSeconds([job([3, 3, 3]), job([9, 9, 9]), job([4, 5, 6])])).toBeCloseTo(5, 10);
    expect(meanRoundSeconds([job([2, 4]), job([6, 8])])).toBeCloseTo(5, 10);
  });
});

describe('the benchmark process young generation', () => {
  it('reads --max-semi-space-size from the command line or NODE_OPTIONS, in either spelling', () => {
    expect(maxSemiSpaceMb(['--max-semi-space-size=64'], '')).toBe(64);
    expect(maxSemiSpaceMb(['--import', 'tsx'], '--max_semi_space_size=32')).toBe(32);
    expect(maxSemiSpaceMb(['--max-semi-space-size', '48'], '')).toBe(48);
    expect(maxSemiSpaceMb([], '--max-old-space-size=4096')).toBeUndefined();
    expect(maxSemiSpaceMb(['--max-semi-space-size=abc'], '')).toBeUndefined();
  });

  it('says which setting the table was measured with', () => {
    expect(youngGenerationText(64)).toBe('64 MB semi-spaces (--max-semi-space-size=64)');
    expect(youngGenerationText(undefined)).toMatch(/V8's default semi-spaces \(16 MB; `npm run bench` gives 64 MB\)/);
  });

  it('is what `npm run bench` starts the benchmark with', () => {
    const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts as Record<string, string>;
    expect(scripts.bench).toContain(`--max-semi-space-size=${BENCH_SEMI_SPACE_MB}`);
    expect(scripts.bench).toContain('bench/run.ts');
  });
});

describe('the GC meter of the job lines', () => {
  it('counts the scavenges and pause time of garbage made between two readings', async () => {
    const meter = startGcMeter();
    try {
      const before = await meter.read();
      // About 200 MB of short-lived objects: more than any young generation holds, so V8 must collect.
      let held: object[] = [];
      for (let i = 0; i < 2_000_000; i++) {
        held.push({ i, list: [i, i + 1] });
        if (held.length === 10_000) held = [];
      }
      const after = await meter.read();
      const d = gcBetween(before, after);
      expect(held.length).toBe(0);
      expect(d.minor + d.major).toBeGreaterThan(0);
      expect(d.pauseSeconds).toBeGreaterThan(0);
      expect(gcBetween(after, after)).toEqual({ pauseSeconds: 0, minor: 0, major: 0 });
    } finally {
      meter.stop();
    }
  });
});
