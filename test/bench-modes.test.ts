/**
 * The round benchmark's modes and its whole-job measure (bench/secagg-round.ts): `--keys-ahead N`
 * adds the authenticated job with keys set up ahead beside the four modes, and jobs whose rounds
 * are uneven are compared by seconds per round of whole jobs.
 */
import { describe, expect, it } from 'vitest';
import { benchModes, meanRoundSeconds } from '../bench/secagg-round.ts';
import type { JobSample } from '../bench/secagg-round.ts';

const job = (roundSeconds: number[]): JobSample => ({ mode: 'auth-ahead', jobId: 'j', roundSeconds, roundSteps: [], wallSeconds: 0, nodesCpuSeconds: 0, auc: 0.5 });

describe('round bench modes', () => {
  it('adds the keys-ahead mode only when asked', () => {
    expect(benchModes({})).toEqual(['plain', 'plain-mtls', 'secagg', 'authenticated']);
    expect(benchModes({ keysAhead: 0 })).toEqual(['plain', 'plain-mtls', 'secagg', 'authenticated']);
    expect(benchModes({ keysAhead: 2 })).toEqual(['plain', 'plain-mtls', 'secagg', 'authenticated', 'auth-ahead']);
  });

  it('measures uneven jobs by their mean round, the median over jobs', () => {
    // A slow first round that set up the next two, then two fast ones: the round median (3.6) would hide the first.
    expect(meanRoundSeconds([job([7.8, 3.6, 3.6])])).toBeCloseTo(5.0, 10);
    expect(meanRoundSeconds([job([3, 3, 3]), job([9, 9, 9]), job([4, 5, 6])])).toBeCloseTo(5, 10);
    expect(meanRoundSeconds([job([2, 4]), job([6, 8])])).toBeCloseTo(5, 10);
  });
});
