import { describe, expect, it } from 'vitest';
import { DataSchemaSchema, encodedLevels } from '../data/schema.ts';
import { JobSpecSchema } from '../job.ts';
import { boostingJobCost, boostingReleasePlan, sketchSensitivity, TREE_GRID_BITS, treeLevelSensitivity } from './boosting-plan.ts';
import { calibrateDistributedSigma } from './distributed-dgauss.ts';
import { jobPrivacyCost } from './job-cost.ts';
import { recordReleasePlan } from './record-plan.ts';

const schema = DataSchemaSchema.parse({
  label: { column: 'y', positive: '1' },
  numeric: [{ name: 'age', range: [18, 90] }, { name: 'income', range: [0, 1e6] }, { name: 'debt', range: [0, 1e6] }],
  categorical: [{ name: 'region', levels: ['north', 'south'] }],
});
const gbdt = (privacy: Record<string, unknown>, rounds = 20, model: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({ rounds, model: { type: 'gbdt', maxDepth: 3, maxBins: 16, sketchGrid: 64, ...model }, evaluation: { bins: 20, every: 10 }, privacy });

describe('record-level DP of gbdt jobs: releases and sensitivities', () => {
  it('bounds one row\'s effect on the sketch and on a tree level', () => {
    expect(sketchSensitivity(schema, { sketchGrid: 64 })).toEqual({ dimension: 3 * 65, l2: Math.sqrt(3), l1: 3 });
    // Tree features: 3 numeric + one column per encoded level of the categorical feature.
    const t = treeLevelSensitivity(schema, { maxDepth: 3, maxBins: 16 });
    const features = 3 + encodedLevels(schema.categorical[0]!).length;
    expect(t.l1).toBe(1.25 * features + 2);
    expect(t.l2).toBeCloseTo(Math.sqrt(features * (1 + 1 / 16) + 2), 12);
    // At most 2 requested nodes at depth 3 (one child of each split node at level 1).
    expect(t.dimension).toBe(2 * (3 * 17 + (features - 3) * 3) * 2 + 2);
  });

  it('calibrates the tree levels last so that the whole job costs exactly its ε', () => {
    for (const [epsilon, rounds] of [[3, 20], [1, 5], [8, 100]] as const) {
      const job = gbdt({ mode: 'record', epsilon }, rounds);
      const cost = jobPrivacyCost(job, { schema, survivors: 3 });
      if (cost.mode !== 'record' || !cost.boosting) throw new Error('expected a gbdt cost');
      expect(cost.epsilon).toBeLessThanOrEqual(epsilon);
      expect(cost.epsilon).toBeGreaterThan(epsilon * 0.999);
      expect(cost.sgd).toBeUndefined();
      expect(cost.releases.map((r) => [r.release, r.times])).toEqual([['stats', 1], ['sketch', 1], ['tree', rounds * 3], ['evaluation', cost.plan.evaluation.rounds.length]]);
      // The sketch alone targets a tenth of ε.
      const b = cost.boosting;
      const sketchAlone = calibrateDistributedSigma({ ...b.sketch, epsilon: epsilon * 0.1, delta: 1e-5, rounds: 1 });
      expect(b.sketch.sigma2PerClient).toBe(sketchAlone.sigma2PerClient);
      expect(b.tree.gridBits).toBe(TREE_GRID_BITS);
      // Less noise on the tree levels would overspend.
      const plan = recordReleasePlan(job, schema, 3);
      const lessNoise = { ...b, tree: { ...b.tree, sigma2PerClient: b.tree.sigma2PerClient * 0.99 } };
      expect(boostingJobCost(job, plan, lessNoise).epsilon).toBeGreaterThan(epsilon);
    }
  });

  it('needs more noise per level for more trees, and less with more survivors per sum', () => {
    const plan = (rounds: number, t: number) => {
      const job = gbdt({ mode: 'record', epsilon: 3 }, rounds);
      if (job.model.type !== 'gbdt') throw new Error('gbdt');
      return boostingReleasePlan({ ...job, model: job.model }, schema, t, recordReleasePlan(job, schema, t));
    };
    expect(plan(40, 3).tree.sigma2PerClient).toBeGreaterThan(plan(10, 3).tree.sigma2PerClient);
    // Per-client variance × t is what the sum carries; with more survivors each adds less.
    expect(plan(10, 6).tree.sigma2PerClient).toBeLessThan(plan(10, 3).tree.sigma2PerClient);
  });

  it('uses σ = z·Δ for every release of a job given by a noise multiplier', () => {
    const job = gbdt({ mode: 'record', noiseMultiplier: 2 });
    const cost = jobPrivacyCost(job, { schema, survivors: 4 });
    if (cost.mode !== 'record' || !cost.boosting) throw new Error('expected a gbdt cost');
    const { sketch, tree } = cost.boosting;
    expect(sketch.sigma2PerClient).toBeCloseTo((2 * sketch.l2Sensitivity) ** 2 / 4, 9);
    expect(tree.sigma2PerClient).toBeCloseTo((2 * tree.l2Sensitivity) ** 2 / 4, 9);
  });

  it('says so when ε leaves no room for the trees, and refuses client-level DP for gbdt', () => {
    expect(() => jobPrivacyCost(gbdt({ mode: 'record', epsilon: 0.05 }), { schema, survivors: 3 })).toThrow(/epsilon/);
    const r = JobSpecSchema.safeParse({ model: { type: 'gbdt' }, aggregation: 'secagg', privacy: { mode: 'client', epsilon: 3 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/client-level differential privacy .* use record-level/);
  });
});
