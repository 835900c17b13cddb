/**
 * Tests of the one job-cost function: a hand-computed Gaussian case, the same numbers as the
 * record- and client-level plans it is built from, the releases adding up to its curves, what
 * each mode needs from the context, and the explicit memo (no cache unless one is passed).
 */
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema, inputDim } from '../data/schema.ts';
import { JobSpecSchema } from '../job.ts';
import { modelLayout } from '../model/layout.ts';
import { layoutSize } from '../types.ts';
import { errorOf } from '../../test/support/core.ts';
import { epsilonFromRdp } from './conversion.ts';
import type { RdpCurve } from './curve.ts';
import { composeRdp, DEFAULT_RDP_ORDERS, repeatRdp } from './curve.ts';
import type { JobPrivacyCost, ReleaseCost } from './job-cost.ts';
import { clientPlanFor, CostMemo, jobPrivacyCost } from './job-cost.ts';
import { mechanismRdp } from './ledger-format.ts';
import { dpSgdPlan, recordJobCost, recordReleasePlan } from './record-plan.ts';

const schema = DataSchemaSchema.parse({
  label: { column: 'y', positive: '1' },
  numeric: [{ name: 'age', range: [18, 80] }, { name: 'income', range: [0, 8000] }],
  categorical: [{ name: 'region', levels: ['n', 's'] }],
});
const job = (privacy: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({ rounds: 6, train: { batchSize: 32 }, evaluation: { bins: 20, every: 2 }, privacy, ...over });
const DELTA = 1e-5;

function as<M extends JobPrivacyCost['mode']>(cost: JobPrivacyCost, mode: M): Extract<JobPrivacyCost, { mode: M }> {
  expect(cost.mode).toBe(mode);
  return cost as Extract<JobPrivacyCost, { mode: M }>;
}
const releaseCurve = (r: ReleaseCost) => repeatRdp(mechanismRdp(r.spend, DEFAULT_RDP_ORDERS), r.times);

describe('jobPrivacyCost by hand', () => {
  it('one Gaussian step with q = 1 costs ε(α) = α/(2z²), and ε is the conversion minimised over the orders', () => {
    const z = 1.5;
    const cost = as(jobPrivacyCost(job({ mode: 'client', noise: 'central', noiseMultiplier: z, delta: DELTA }, { rounds: 1, aggregation: 'plain' }), { schema, survivors: 1 }), 'client');
    // Central noise z·B over the update's bound B: the Gaussian mechanism with multiplier z.
    const spend = cost.releases[0]!.spend;
    expect(spend.mechanism).toBe('central-gaussian');
    const zEff = spend.mechanism === 'central-gaussian' ? spend.params.noiseMultiplier : NaN;
    expect(zEff).toBeCloseTo(z, 12);
    cost.all.orders.forEach((a, i) => expect(cost.all.rdp[i]).toBeCloseTo(a / (2 * zEff * zEff), 12));
    const byHand = Math.min(...DEFAULT_RDP_ORDERS.map((a) => a / (2 * zEff * zEff) + Math.log1p(-1 / a) - (Math.log(DELTA) + Math.log(a)) / (a - 1)));
    expect(cost.epsilon).toBeCloseTo(byHand, 12);
    expect(cost.delta).toBe(DELTA);
  });

  it('R rounds cost R times one round at every order', () => {
    const one = as(jobPrivacyCost(job({ mode: 'client', noise: 'central', noiseMultiplier: 2 }, { rounds: 1, aggregation: 'plain' }), { schema, survivors: 1 }), 'client');
    const five = as(jobPrivacyCost(job({ mode: 'client', noise: 'central', noiseMultiplier: 2 }, { rounds: 5, aggregation: 'plain' }), { schema, survivors: 1 }), 'client');
    five.all.rdp.forEach((r, i) => expect(r).toBeCloseTo(5 * one.all.rdp[i]!, 12));
    expect(five.releases).toEqual([{ release: 'client-update', spend: one.releases[0]!.spend, times: 5 }]);
  });

  it('a job without DP has ε = ∞ and no releases', () => {
    expect(jobPrivacyCost(job({ mode: 'none' }), { survivors: 3 })).toEqual({ mode: 'none', epsilon: Number.POSITIVE_INFINITY, releases: [] });
  });
});

describe('jobPrivacyCost against the plans it replaced', () => {
  it('record level: exactly recordJobCost of the release plan and DP-SGD for these rows', () => {
    for (const privacy of [{ mode: 'record', noiseMultiplier: 1.1 }, { mode: 'record', epsilon: 3 }]) {
      const j = job(privacy);
      const plan = recordReleasePlan(j, schema, 3);
      const sgd = dpSgdPlan(j, plan, 500);
      const old = recordJobCost(j, plan, sgd);
      const cost = as(jobPrivacyCost(j, { schema, survivors: 3, trainingRows: 500 }), 'record');
      expect(cost.epsilon).toBe(old.epsilon);
      expect(cost.train).toEqual(old.train);
      expect(cost.holdout).toEqual(old.holdout);
      expect(cost.plan).toEqual(plan);
      expect(cost.sgd).toEqual(sgd);
    }
  });

  it('record level with a target ε: the whole job meets it, barely', () => {
    const cost = jobPrivacyCost(job({ mode: 'record', epsilon: 3 }), { schema, survivors: 3, trainingRows: 800 });
    expect(cost.epsilon).toBeLessThanOrEqual(3);
    expect(cost.epsilon).toBeGreaterThan(2.999);
  });

  it('client level: exactly the round plan\'s ε, with the model size from the schema or given', () => {
    for (const privacy of [{ mode: 'client', noiseMultiplier: 0.7 }, { mode: 'client', epsilon: 4 }, { mode: 'client', noise: 'central', noiseMultiplier: 0.7 }]) {
      const j = job(privacy);
      const d = layoutSize(modelLayout(j.model, inputDim(schema)));
      const plan = clientPlanFor(j, d, 3)!;
      const cost = as(jobPrivacyCost(j, { schema, survivors: 3 }), 'client');
      expect(cost.epsilon).toBe(plan.epsilonJob);
      expect(cost.plan).toEqual(plan);
      expect(jobPrivacyCost(j, { parameters: d, survivors: 3 })).toEqual(cost);
    }
  });

  it('client level over another grid of orders: the curve a ledger with that grid previews', () => {
    const orders = [2, 4, 8, 16, 32];
    const j = job({ mode: 'client', noiseMultiplier: 0.9 });
    const cost = as(jobPrivacyCost(j, { schema, survivors: 3, orders }), 'client');
    expect(cost.all.orders).toEqual(orders);
    expect(cost.all).toEqual(repeatRdp(mechanismRdp(cost.plan.spend, orders), j.rounds));
  });
});

describe('the releases of a job', () => {
  it('record level: statistics, count and DP-SGD on the training rows, evaluations on the held-out rows, adding up to the two sides', () => {
    const j = job({ mode: 'record', noiseMultiplier: 1.1 });
    const cost = as(jobPrivacyCost(j, { schema, survivors: 3, trainingRows: 500 }), 'record');
    expect(cost.releases.map((r) => [r.release, r.partition, r.times])).toEqual([
      ['stats', 'train', 1], ['count', 'train', 1], ['dp-sgd', 'train', 6], ['evaluation', 'holdout', 3],
    ]);
    const sgd = cost.releases[2]!.spend;
    expect(sgd).toEqual({ mechanism: 'dp-sgd', params: { sampleRate: cost.sgd!.sampleRate, noiseMultiplier: 1.1, steps: cost.sgd!.stepsPerRound, clipNorm: 1 } });
    const side = (p: string): RdpCurve => composeRdp(cost.releases.filter((r) => r.partition === p).map(releaseCurve), DEFAULT_RDP_ORDERS);
    side('train').rdp.forEach((r, i) => expect(r).toBeCloseTo(cost.train.rdp[i]!, 10));
    expect(side('holdout')).toEqual(cost.holdout);
    const both = epsilonFromRdp({ orders: cost.train.orders, rdp: cost.train.rdp.map((r, i) => Math.max(r, cost.holdout.rdp[i]!)) }, DELTA).epsilon;
    expect(cost.epsilon).toBe(both);
  });

  it('client level: one update per round over all rows', () => {
    const cost = as(jobPrivacyCost(job({ mode: 'client', noiseMultiplier: 0.7 }), { schema, survivors: 3 }), 'client');
    expect(cost.releases).toHaveLength(1);
    expect(cost.releases[0]!.partition).toBeUndefined();
    expect(releaseCurve(cost.releases[0]!)).toEqual(cost.all);
  });
});

describe('what the context must give', () => {
  it('names the missing field', () => {
    expect(errorOf(() => jobPrivacyCost(job({ mode: 'record', noiseMultiplier: 1 }), { schema, survivors: 3 })).parameter).toBe('trainingRows');
    expect(errorOf(() => jobPrivacyCost(job({ mode: 'record', noiseMultiplier: 1 }), { survivors: 3, trainingRows: 100 })).parameter).toBe('schema');
    expect(errorOf(() => jobPrivacyCost(job({ mode: 'client', noiseMultiplier: 1 }), { survivors: 3 })).parameter).toBe('parameters');
  });

  it('passes on the settings that cannot work', () => {
    const unbounded = DataSchemaSchema.parse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'age' }], categorical: [] });
    expect(errorOf(() => jobPrivacyCost(job({ mode: 'record', noiseMultiplier: 1 }), { schema: unbounded, survivors: 3, trainingRows: 100 })).parameter).toBe('schema.numeric.range');
    expect(errorOf(() => jobPrivacyCost(job({ mode: 'client', noiseMultiplier: 1 }), { schema, survivors: 0 })).parameter).toBe('survivors');
  });
});

describe('memoisation', () => {
  it('none unless asked: equal results, computed afresh each time', () => {
    const j = job({ mode: 'client', epsilon: 2 });
    const a = jobPrivacyCost(j, { schema, survivors: 3 });
    const b = jobPrivacyCost(j, { schema, survivors: 3 });
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
  });

  it('an explicit memo returns the stored result for the same job and context, and a new one otherwise', () => {
    const memo = new CostMemo();
    const j = job({ mode: 'record', noiseMultiplier: 1.1 });
    const first = jobPrivacyCost(j, { schema, survivors: 3, trainingRows: 500, memo });
    expect(jobPrivacyCost(j, { schema, survivors: 3, trainingRows: 500, memo })).toBe(first);
    expect(first).toEqual(jobPrivacyCost(j, { schema, survivors: 3, trainingRows: 500 }));
    const other = jobPrivacyCost(j, { schema, survivors: 3, trainingRows: 900, memo });
    expect(other).not.toEqual(first);
    expect(memo.size).toBe(2);
  });

  it('holds at most its limit', () => {
    const memo = new CostMemo(2);
    let computed = 0;
    const cost = jobPrivacyCost(job({ mode: 'none' }), { survivors: 1 });
    for (const key of ['a', 'b', 'a', 'c']) memo.get(key, () => (computed++, cost));
    expect(computed).toBe(3);
    expect(memo.size).toBe(1);
  });
});
