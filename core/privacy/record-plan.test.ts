import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../data/schema.ts';
import { JobSpecSchema } from '../job.ts';
import { epsilonFromRdp } from './conversion.ts';
import { distributedDGaussEpsilon } from './distributed-dgauss.ts';
import { COUNT_SHARE, dpSgdPlan, evaluationRounds, recordJobCost, recordPrivacyProblem, recordReleasePlan, STATS_SHARE } from './record-plan.ts';

const schema = DataSchemaSchema.parse({
  label: { column: 'y', positive: '1' },
  numeric: [
    { name: 'age', range: [18, 80] },
    { name: 'income', range: [0, 8000], indicator: true },
  ],
  categorical: [{ name: 'region', levels: ['n', 's'] }],
});
const job = (over: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({ rounds: 10, train: { batchSize: 32 }, evaluation: { bins: 20, every: 3 }, privacy: { mode: 'record', epsilon: 3, delta: 1e-5 }, ...over });

describe('the record-level DP plan of a job', () => {
  it('evaluates every k-th round and the last, never the untrained model under DP', () => {
    expect(evaluationRounds(job())).toEqual([3, 6, 9, 10]);
    expect(evaluationRounds(job({ privacy: { mode: 'none' } }))).toEqual([0, 3, 6, 9, 10]);
    expect(evaluationRounds(job({ evaluation: { every: 1 } })).length).toBe(10);
  });

  it('calibrates the statistics, the count and the evaluations to their shares of ε', () => {
    const plan = recordReleasePlan(job(), schema, 3);
    const eps = (r: typeof plan.stats, releases = 1) => distributedDGaussEpsilon(r, releases, 1e-5).epsilon;
    expect(eps(plan.stats)).toBeLessThanOrEqual(3 * STATS_SHARE);
    expect(eps(plan.stats)).toBeGreaterThan(3 * STATS_SHARE * 0.999);
    expect(distributedDGaussEpsilon({ sigma2PerClient: plan.countSigma2, survivors: 1, l2Sensitivity: 1, l1Sensitivity: 1, dimension: 1 }, 1, 1e-5).epsilon).toBeCloseTo(3 * COUNT_SHARE, 2);
    expect(eps(plan.evaluation, 4)).toBeLessThanOrEqual(3);
    // Sensitivities in grid units: statistics √(3·2 + 2)·2^8 + √8, evaluation √3·2^6 + √2 (two rounded sums).
    expect(plan.stats.l2Sensitivity).toBeCloseTo(Math.sqrt(8) * 256 + Math.sqrt(8), 9);
    expect(plan.evaluation.l2Sensitivity).toBeCloseTo(Math.sqrt(3) * 64 + Math.sqrt(2), 9);
    expect(plan.evaluation.dimension).toBe(44);
    // More survivors: each adds less noise for the same sum.
    expect(recordReleasePlan(job(), schema, 6).stats.sigma2PerClient).toBeLessThan(plan.stats.sigma2PerClient);
  });

  it('calibrates DP-SGD last, so that the whole job (both sides) costs exactly ε', () => {
    const plan = recordReleasePlan(job(), schema, 3);
    for (const rows of [300, 3000]) {
      const sgd = dpSgdPlan(job(), plan, rows);
      expect(sgd.sampleRate).toBeCloseTo(32 / rows, 12);
      expect(sgd.stepsPerRound).toBe(Math.round(rows / 32));
      const cost = recordJobCost(job(), plan, sgd);
      expect(cost.epsilon).toBeLessThanOrEqual(3);
      expect(cost.epsilon).toBeGreaterThan(2.99);
      expect(epsilonFromRdp(cost.holdout, 1e-5).epsilon).toBeLessThan(3);
      const z = dpSgdPlan(job(), plan, rows).noiseMultiplier;
      expect(recordJobCost(job(), plan, { ...sgd, noiseMultiplier: z * 0.99 }).epsilon).toBeGreaterThan(3);
    }
    // A smaller node samples at a higher rate and needs more noise.
    expect(dpSgdPlan(job(), plan, 300).noiseMultiplier).toBeGreaterThan(dpSgdPlan(job(), plan, 3000).noiseMultiplier);
  });

  it('takes a noise multiplier as given for every release', () => {
    const j = job({ privacy: { mode: 'record', noiseMultiplier: 2 } });
    const plan = recordReleasePlan(j, schema, 4);
    expect(plan.stats.sigma2PerClient).toBeCloseTo((2 * plan.stats.l2Sensitivity) ** 2 / 4, 6);
    expect(dpSgdPlan(j, plan, 1000).noiseMultiplier).toBe(2);
    expect(recordJobCost(j, plan, dpSgdPlan(j, plan, 1000)).epsilon).toBeGreaterThan(0);
  });

  it('needs a range for every numeric feature, and says which are missing', () => {
    const open = DataSchemaSchema.parse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'age' }, { name: 'debt', range: [0, 1] }] });
    expect(recordPrivacyProblem(job(), open)).toMatch(/needs a range \[low, high\] for every numeric feature .*feature "age" has none$/);
    expect(recordPrivacyProblem(job({ privacy: { mode: 'none' } }), open)).toBeUndefined();
    expect(() => recordReleasePlan(job(), open, 3)).toThrow(/feature "age" has none/);
    expect(DataSchemaSchema.safeParse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'a', range: [2, 1] }] }).success).toBe(false);
  });
});
