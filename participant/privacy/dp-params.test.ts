import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../../core/job';
import { sampledGaussianEpsilon } from '../../core/privacy';
import { dpStepsPerRound, recordDpFor } from './dp-params';

describe('DP-SGD parameters of a participant', () => {
  it('are absent without record-level privacy', () => {
    expect(recordDpFor(JobSpecSchema.parse({}), 1000)).toBeUndefined();
  });

  it('use q = batchSize / rows and calibrate z so that the whole job meets the target ε', () => {
    const job = JobSpecSchema.parse({ rounds: 30, train: { batchSize: 32, localEpochs: 2 }, privacy: { mode: 'record', epsilon: 3, delta: 1e-5, clipNorm: 0.5 } });
    const dp = recordDpFor(job, 1600)!;
    expect(dp.sampleRate).toBe(0.02);
    expect(dp.clipNorm).toBe(0.5);
    expect(dpStepsPerRound(job, dp.sampleRate)).toBe(100);
    const eps = sampledGaussianEpsilon({ q: 0.02, noiseMultiplier: dp.noiseMultiplier, steps: 3000 }, 1e-5).epsilon;
    expect(eps).toBeLessThanOrEqual(3);
    expect(eps).toBeGreaterThan(2.99);
    // A smaller participant samples at a higher rate and needs more noise for the same ε.
    expect(recordDpFor(job, 400)!.noiseMultiplier).toBeGreaterThan(dp.noiseMultiplier);
  });

  it('take an explicit noise multiplier as given, and q = 1 for tiny tables', () => {
    const job = JobSpecSchema.parse({ train: { batchSize: 64 }, privacy: { mode: 'record', noiseMultiplier: 1.3 } });
    expect(recordDpFor(job, 50)).toEqual({ noiseMultiplier: 1.3, clipNorm: 1, sampleRate: 1, secureNoise: true });
    const fast = JobSpecSchema.parse({ privacy: { mode: 'record', noiseMultiplier: 1.3, secureNoise: false } });
    expect(recordDpFor(fast, 50)?.secureNoise).toBe(false);
  });

  it('the job must give exactly one of epsilon and noiseMultiplier', () => {
    expect(JobSpecSchema.safeParse({ privacy: { mode: 'record' } }).success).toBe(false);
    expect(JobSpecSchema.safeParse({ privacy: { mode: 'record', epsilon: 1, noiseMultiplier: 1 } }).success).toBe(false);
  });
});
