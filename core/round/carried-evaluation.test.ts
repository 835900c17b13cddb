import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../job.ts';
import { stageNoised } from '../privacy/noised-stages.ts';
import { carriedRound, carriedShape, joinCarried, joinCarriedReceipts, splitCarried, splitCarriedReceipt, splitCarriedReceipts } from './carried-evaluation.ts';

const job = (evaluation: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({ name: 'carry', rounds: 4, model: { type: 'logistic' }, evaluation: { bins: 10, ...evaluation }, ...extra });

describe('evaluations carried by the next training stage', () => {
  it('carry round r − 1 in round r unless the job says not to (or is gbdt), when it evaluates that round', () => {
    expect([1, 2, 3, 4].map((r) => carriedRound(job({ carried: false }), r))).toEqual([undefined, undefined, undefined, undefined]);
    expect([0, 1, 2, 3, 4, 5].map((r) => carriedRound(job({ carried: true }), r))).toEqual([undefined, 0, 1, 2, 3, undefined]);
    // Absent means carried.
    expect([0, 1, 2, 3, 4, 5].map((r) => carriedRound(job({}), r))).toEqual([undefined, 0, 1, 2, 3, undefined]);
    // A gbdt job evaluates every tree on its own.
    expect([1, 2, 3, 4].map((r) => carriedRound(job({}, { model: { type: 'gbdt' } }), r))).toEqual([undefined, undefined, undefined, undefined]);
    // every 2: rounds 0, 2 and 4 are evaluated; 4 (the last) on its own.
    expect([1, 2, 3, 4].map((r) => carriedRound(job({ carried: true, every: 2 }), r))).toEqual([0, undefined, 2, undefined]);
    // Record-level DP does not evaluate the untrained model.
    const dp = job({ carried: true }, { privacy: { mode: 'record', epsilon: 3, delta: 1e-5 } });
    expect([1, 2].map((r) => carriedRound(dp, r))).toEqual([undefined, 1]);
  });

  it('refuse a gbdt job that asks to carry, naming the field', () => {
    const r = JobSpecSchema.safeParse({ name: 'g', model: { type: 'gbdt' }, evaluation: { carried: true } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('evaluation');
    expect(r.error?.issues[0]?.message).toMatch(/gbdt job has no training stage to carry an evaluation/);
  });

  it('join and split contributions without losing or renaming a vector', () => {
    const train = { update: Float64Array.of(1, 2), weight: Float64Array.of(3), loss: Float64Array.of(4, 5) };
    const evaluation = { hist: Float64Array.of(6, 7, 8), loss: Float64Array.of(9, 10, 11, 12) };
    const joined = joinCarried(train, evaluation);
    expect(Object.keys(joined).sort()).toEqual(['evaluation.hist', 'evaluation.loss', 'loss', 'update', 'weight']);
    const back = splitCarried(joined);
    expect(back).toEqual({ train, evaluation });
    expect(Object.keys(carriedShape(10)).sort()).toEqual(['evaluation.hist', 'evaluation.loss']);
    expect(carriedShape(10)['evaluation.hist']).toBe(20);
    expect(() => joinCarried({ 'evaluation.hist': Float64Array.of(1) }, evaluation)).toThrow(/already has a vector "evaluation.hist"/);
  });

  it('carry both receipts and give each back to its release', () => {
    expect(joinCarriedReceipts(undefined, undefined)).toBeUndefined();
    const both = joinCarriedReceipts('{"e":1}', '{"t":2}')!;
    expect(splitCarriedReceipt(both)).toEqual({ evaluation: '{"e":1}', train: '{"t":2}' });
    expect(splitCarriedReceipt(joinCarriedReceipts('{"e":1}', undefined)!)).toEqual({ evaluation: '{"e":1}' });
    // A plain receipt is the training part's.
    expect(splitCarriedReceipt('{"receipt":{},"signature":"x"}')).toEqual({ train: '{"receipt":{},"signature":"x"}' });
    expect(splitCarriedReceipts({ a: both, b: '{"t":3}' })).toEqual({ train: { a: '{"t":2}', b: '{"t":3}' }, evaluation: { a: '{"e":1}' } });
    expect(splitCarriedReceipts(undefined)).toEqual({});
  });

  it('treat an input as noised only when every part of it is', () => {
    const record = { privacy: { mode: 'record' as const, epsilon: 3, delta: 1e-5 } };
    const client = job({}, { privacy: { mode: 'client', epsilon: 3, delta: 1e-5, noise: 'distributed' } });
    expect(stageNoised(job({}, record), 'train', true)).toBe(true);
    expect(stageNoised(client, 'train', false)).toBe(true);
    // Client-level DP noises the update, not the evaluation: a carrying input is exact.
    expect(stageNoised(client, 'train', true)).toBe(false);
    expect(stageNoised(job({}), 'train', true)).toBe(false);
  });
});
