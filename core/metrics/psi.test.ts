import { describe, it, expect } from 'vitest';
import { CoreInputError } from '../types.ts';
import { coarsen, populationStability, psiBand, scoreDistribution } from './psi.ts';

describe('populationStability', () => {
  it('matches a hand-computed value: 0.25·ln 2 + 0.25·ln 1.5', () => {
    expect(populationStability([50, 50], [25, 75], 0)).toBeCloseTo(0.2746530721670274, 12);
  });

  it('is only slightly changed by the default smoothing', () => {
    const smoothed = populationStability([50, 50], [25, 75]);
    expect(smoothed).not.toBe(populationStability([50, 50], [25, 75], 0));
    expect(smoothed).toBeCloseTo(0.2746530721670274, 3);
  });

  it('is zero for identical distributions and invariant to sample size', () => {
    expect(populationStability([10, 20, 70], [100, 200, 700])).toBe(0);
    expect(populationStability([10, 30, 60], [20, 20, 60])).toBeCloseTo(
      populationStability([1, 3, 6], [200, 200, 600]),
      12,
    );
  });

  it('is symmetric in expected and actual', () => {
    const a = [5, 10, 40, 45];
    const b = [20, 20, 30, 30];
    expect(populationStability(a, b)).toBeCloseTo(populationStability(b, a), 12);
  });

  it('is infinite for an empty bin without smoothing and finite with it', () => {
    expect(populationStability([10, 0], [5, 5], 0)).toBe(Infinity);
    const psi = populationStability([10, 0], [5, 5]);
    expect(Number.isFinite(psi)).toBe(true);
    expect(psi).toBeGreaterThan(1);
  });

  it('rejects mismatched, negative or massless inputs', () => {
    expect(() => populationStability([1, 2], [1, 2, 3])).toThrow(CoreInputError);
    expect(() => populationStability([1, -2], [1, 2])).toThrow(/expected\[1\]/);
    expect(() => populationStability([0, 0], [1, 2])).toThrow(/no mass/);
    expect(() => populationStability([], [])).toThrow(CoreInputError);
    expect(() => populationStability([1], [1], -1)).toThrow(/epsilon/);
  });
});

describe('psiBand', () => {
  it('reads the conventional thresholds', () => {
    expect(psiBand(0.05)).toBe('stable');
    expect(psiBand(0.1)).toBe('moderate');
    expect(psiBand(0.2)).toBe('moderate');
    expect(psiBand(0.25)).toBe('significant');
    expect(() => psiBand(NaN)).toThrow(CoreInputError);
  });
});

describe('scoreDistribution / coarsen', () => {
  it('adds the class halves of a histogram', () => {
    const hist = Float64Array.of(1, 2, 3, 10, 20, 30);
    expect(Array.from(scoreDistribution(hist, 3))).toEqual([11, 22, 33]);
    expect(() => scoreDistribution(hist, 2)).toThrow(CoreInputError);
  });

  it('merges adjacent bins', () => {
    expect(Array.from(coarsen([1, 2, 3, 4, 5, 6], 3))).toEqual([3, 7, 11]);
    expect(Array.from(coarsen([1, 2, 3, 4, 5, 6], 2))).toEqual([6, 15]);
    expect(() => coarsen([1, 2, 3], 2)).toThrow(/groups/);
  });
});
