import { describe, it, expect } from 'vitest';
import { StrategySpecSchema } from '../job.ts';
import { CoreInputError } from '../types.ts';
import { readTrainSum, trainContribution, trainShape } from '../aggregate/train.ts';
import { sumContributions } from '../aggregate/sum.ts';
import { createStrategy, initialStrategyState, meanDelta } from './strategy.ts';
import type { StrategyState } from './strategy.ts';

/** The brief's example: global [1,2]; A: n=1, local [2,2]; B: n=3, local [0,4]. */
const GLOBAL = Float32Array.of(1, 2);
const SUM = { updateSum: Float64Array.of(-2, 6), weightSum: 4 };

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((x, i) => expect(actual[i]).toBeCloseTo(x, digits));
}

describe('fedavg / fedprox', () => {
  it('fedavg weights client deltas by example count', () => {
    const s = createStrategy({ type: 'fedavg' });
    const next = s.aggregate(initialStrategyState(GLOBAL), SUM);
    expect(Array.from(next.weights)).toEqual([0.5, 3.5]);
    expect(next.round).toBe(1);
    expect(next.m).toBeUndefined();
    expect(s.name).toBe('fedavg');
    expect(s.fitConfig(1)).toEqual({ mu: 0 });
  });

  it('gives the same result through trainContribution → sumContributions → readTrainSum', () => {
    const a = trainContribution(Float32Array.of(2, 2), GLOBAL, 1, 0);
    const b = trainContribution(Float32Array.of(0, 4), GLOBAL, 3, 0);
    const sum = readTrainSum(sumContributions([a, b], trainShape(2)));
    const next = createStrategy({ type: 'fedavg' }).aggregate(initialStrategyState(GLOBAL), sum);
    expect(Array.from(next.weights)).toEqual([0.5, 3.5]);
  });

  it('fedprox aggregates like fedavg and sends μ to clients', () => {
    const s = createStrategy({ type: 'fedprox', mu: 0.1 });
    expect(s.fitConfig(3)).toEqual({ mu: 0.1 });
    expect(Array.from(s.aggregate(initialStrategyState(GLOBAL), SUM).weights)).toEqual([0.5, 3.5]);
    expect(createStrategy(StrategySpecSchema.parse({ type: 'fedprox' })).fitConfig(0).mu).toBe(0.01);
  });
});

describe('fedavgm', () => {
  it('applies server momentum over two rounds (hand-computed)', () => {
    const s = createStrategy({ type: 'fedavgm', serverLr: 0.5, momentum: 0.9, mu: 0 });
    // Round 1: Δ = [-0.5, 1.5]; m = Δ; w = [1,2] + 0.5·m = [0.75, 2.75].
    const r1 = s.aggregate(initialStrategyState(GLOBAL), SUM);
    expectClose(r1.m!, [-0.5, 1.5], 12);
    expectClose(r1.weights, [0.75, 2.75]);
    // Round 2: Δ = [1, -1]; m = 0.9·[-0.5, 1.5] + [1, -1] = [0.55, 0.35];
    // w = [0.75, 2.75] + 0.5·[0.55, 0.35] = [1.025, 2.925].
    const r2 = s.aggregate(r1, { updateSum: Float64Array.of(2, -2), weightSum: 2 });
    expectClose(r2.m!, [0.55, 0.35], 12);
    expectClose(r2.weights, [1.025, 2.925]);
    expect(r2.round).toBe(2);
  });

  it('with momentum 0 and server lr 1 equals fedavg', () => {
    const s = createStrategy({ type: 'fedavgm', serverLr: 1, momentum: 0, mu: 0.2 });
    expect(Array.from(s.aggregate(initialStrategyState(GLOBAL), SUM).weights)).toEqual([0.5, 3.5]);
    expect(s.fitConfig(1)).toEqual({ mu: 0.2 });
  });
});

describe('fedadam', () => {
  const spec = { type: 'fedadam', serverLr: 0.05, beta1: 0.9, beta2: 0.99, tau: 1e-3, mu: 0 } as const;

  it('takes one adaptive step (hand-computed, v initialised to τ²)', () => {
    const s = createStrategy(spec);
    // Δ = [-0.5, 1.5]; m = 0.1·Δ; v = 0.99·1e-6 + 0.01·Δ²; w = w + 0.05·m/(√v + 1e-3).
    const r1 = s.aggregate(initialStrategyState(GLOBAL), SUM);
    expectClose(r1.m!, [-0.05, 0.15], 12);
    expectClose(r1.v!, [0.00250099, 0.02250099], 12);
    expectClose(r1.weights, [0.9509899049395257, 2.0496677887291397]);
    // A second step carries m and v over.
    const r2 = s.aggregate(r1, { updateSum: Float64Array.of(2, -2), weightSum: 2 });
    expectClose(r2.m!, [0.055, 0.035], 12);
    expectClose(r2.v!, [0.0124759801, 0.0322759801], 12);
    expectClose(r2.weights, [0.9753918516125089, 2.0593547520206323], 5);
  });

  it('passes μ to clients', () => {
    expect(createStrategy({ ...spec, mu: 0.05 }).fitConfig(2)).toEqual({ mu: 0.05 });
  });
});

describe('purity and input checks', () => {
  const specs = [
    { type: 'fedavg' },
    { type: 'fedprox', mu: 0.1 },
    { type: 'fedavgm', serverLr: 1, momentum: 0.9, mu: 0 },
    { type: 'fedadam', serverLr: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3, mu: 0 },
  ] as const;

  it.each(specs)('$type never mutates the state or the sum', (spec) => {
    const s = createStrategy(spec);
    const state: StrategyState = {
      weights: Float32Array.of(1, 2),
      round: 5,
      m: Float64Array.of(0.1, 0.2),
      v: Float64Array.of(0.3, 0.4),
    };
    const sum = { updateSum: Float64Array.of(-2, 6), weightSum: 4 };
    const next = s.aggregate(state, sum);
    expect(Array.from(state.weights)).toEqual([1, 2]);
    expect(Array.from(state.m!)).toEqual([0.1, 0.2]);
    expect(Array.from(state.v!)).toEqual([0.3, 0.4]);
    expect(state.round).toBe(5);
    expect(Array.from(sum.updateSum)).toEqual([-2, 6]);
    expect(next.weights).not.toBe(state.weights);
    if (next.m) expect(next.m).not.toBe(state.m);
    if (next.v) expect(next.v).not.toBe(state.v);
    expect(next.round).toBe(6);
  });

  it.each(specs)('$type rejects an update of the wrong length', (spec) => {
    const s = createStrategy(spec);
    const call = () => s.aggregate(initialStrategyState(GLOBAL), { updateSum: Float64Array.of(1, 2, 3), weightSum: 1 });
    expect(call).toThrow(CoreInputError);
    expect(call).toThrow(/updateSum has length 3/);
  });

  it('rejects a non-positive weight, non-finite updates and mis-sized moments', () => {
    const st = initialStrategyState(GLOBAL);
    expect(() => meanDelta(st, { updateSum: Float64Array.of(1, 1), weightSum: 0 })).toThrow(/weightSum/);
    expect(() => meanDelta(st, { updateSum: Float64Array.of(1, NaN), weightSum: 1 })).toThrow(/not finite/);
    const adam = createStrategy(specs[3]);
    const bad = { ...st, m: Float64Array.of(0) };
    expect(() => adam.aggregate(bad, SUM)).toThrow(/state\.m/);
  });

  it('rejects invalid strategy parameters', () => {
    expect(() => createStrategy({ type: 'fedprox', mu: -1 })).toThrow(/mu/);
    expect(() => createStrategy({ type: 'fedavgm', serverLr: 0, momentum: 0.9, mu: 0 })).toThrow(/serverLr/);
    expect(() => createStrategy({ type: 'fedavgm', serverLr: 1, momentum: 1, mu: 0 })).toThrow(/momentum/);
    expect(() => createStrategy({ ...specs[3], tau: 0 })).toThrow(/tau/);
    expect(() => createStrategy({ type: 'bogus' } as never)).toThrow(CoreInputError);
  });

  it('initialStrategyState copies the weights', () => {
    const w = Float32Array.of(1, 2);
    const st = initialStrategyState(w);
    w[0] = 9;
    expect(st.weights[0]).toBe(1);
    expect(st.round).toBe(0);
    expect(() => initialStrategyState(new Float32Array(0))).toThrow(CoreInputError);
  });
});
