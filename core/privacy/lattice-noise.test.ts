/**
 * Tests of DP-SGD lattice noise: the grid and σ meet the bounds of the module header exactly
 * (checked here independently in bigint), the rounding's sensitivity never exceeds the planned
 * Δ = C/γ + ⌈√d⌉ (and the √d term is needed), releases lie on the lattice whatever the input's
 * low-order bits, and the noise has the planned standard deviation.
 */
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../test/support/core.ts';
import { seededRng, standardNormal } from '../random.ts';
import { toRational } from './exact-random.ts';
import { ceilSqrt, GRID_RESOLUTION, latticeNoisePlan, latticeSampler, MAX_GRID_SIGMA, MAX_GRID_VALUE, noisyLatticeSum, SMOOTHING_TAU } from './lattice-noise.ts';
import type { LatticeNoisePlan } from './lattice-noise.ts';
import { meanVariance } from '../../test/support/fit.ts';

/** Model sizes of the credit models: logistic regression (40 features), MLP [16], a ~100k MLP. */
const SIZES = [41, 673, 100_001];

/** σ² ≥ z²(C/γ + ⌈√d⌉)² + τ², in bigint (independent of the module's own check). */
function sigmaCovers(plan: LatticeNoisePlan, z: number, c: number, d: number): boolean {
  const zr = toRational(z);
  const cr = toRational(c / plan.grid);
  const delta = cr.num + BigInt(ceilSqrt(d)) * cr.den;
  const [num, den] = [BigInt(plan.sigma.num), BigInt(plan.sigma.den)];
  const scale = zr.den * cr.den;
  return num * num * scale * scale >= den * den * (zr.num * zr.num * delta * delta + BigInt(SMOOTHING_TAU ** 2) * scale * scale);
}

describe('latticeNoisePlan', () => {
  for (const d of SIZES) {
    for (const [z, c] of [[1.1, 1], [0.6, 0.25], [4, 3]] as const) {
      it(`d = ${d}, z = ${z}, C = ${c}: a fine power-of-two grid, 0.1 % sensitivity growth, σ covering zΔ exactly`, () => {
        const plan = latticeNoisePlan(z, c, d);
        const g = plan.grid;
        expect(Number.isInteger(Math.log2(g))).toBe(true);
        expect((z * c) / g).toBeGreaterThanOrEqual(GRID_RESOLUTION); // σ ≥ 2^10 grid steps
        expect(g * ceilSqrt(d)).toBeLessThanOrEqual(c / GRID_RESOLUTION); // growth ≤ 2^−10
        expect(plan.sensitivity).toBe(c + g * ceilSqrt(d));
        expect(plan.sensitivityGrid).toBe(c / g + ceilSqrt(d));
        expect(sigmaCovers(plan, z, c, d)).toBe(true);
        // The noise exceeds z·C by the sensitivity growth, τ and the σ rounding: well under 0.2 %.
        expect(plan.noiseStd / (z * plan.sensitivity)).toBeGreaterThanOrEqual(1);
        expect(plan.noiseStd / (z * c) - 1).toBeLessThan(2e-3);
      });
    }
  }

  it('caps σ at the sampler fast range when z·⌈√d⌉ is large; the larger growth is still covered', () => {
    const [z, c, d] = [500, 1, 1_000_000];
    const plan = latticeNoisePlan(z, c, d);
    expect((z * c) / plan.grid).toBeLessThanOrEqual(MAX_GRID_SIGMA);
    expect(plan.sensitivity / c - 1).toBeGreaterThan(1 / GRID_RESOLUTION);
    expect(sigmaCovers(plan, z, c, d)).toBe(true);
  });

  it('ceilSqrt is exact around perfect squares', () => {
    for (const r of [1, 2, 3, 1000, 94906265]) {
      expect(ceilSqrt(r * r)).toBe(r);
      expect(ceilSqrt(r * r + 1)).toBe(r + 1);
      if (r > 1) expect(ceilSqrt(r * r - 1)).toBe(r);
    }
    expect(ceilSqrt(0)).toBe(0);
  });

  it('rejects invalid settings, naming them', () => {
    expect(errorOf(() => latticeNoisePlan(0, 1, 10)).parameter).toBe('noiseMultiplier');
    expect(errorOf(() => latticeNoisePlan(1, NaN, 10)).parameter).toBe('clipNorm');
    expect(errorOf(() => latticeNoisePlan(1, 1, 0)).parameter).toBe('dimension');
    expect(errorOf(() => latticeNoisePlan(1e6, 1, 2 ** 40)).parameter).toBe('noiseMultiplier');
  });
});

describe('rounding sensitivity', () => {
  it('adding a vector of norm ≤ C moves round(S/γ) by at most Δ = C/γ + ⌈√d⌉ (random and worst-case S)', () => {
    const rng = seededRng(5);
    const [d, c] = [673, 1];
    const plan = latticeNoisePlan(1, c, d);
    const g = plan.grid;
    let worst = 0;
    for (let trial = 0; trial < 200; trial++) {
      const s = Float64Array.from({ length: d }, () => 50 * standardNormal(rng));
      if (trial % 2 === 1) for (let j = 0; j < d; j++) s[j] = (Math.round(s[j]! / g) + 0.5 - 1e-9) * g; // just below a tie
      const dir = Float64Array.from({ length: d }, () => Math.abs(standardNormal(rng)));
      const norm = Math.sqrt(dir.reduce((a, v) => a + v * v, 0));
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (Math.round((s[j]! + (dir[j]! * c) / norm) / g) - Math.round(s[j]! / g)) ** 2;
      worst = Math.max(worst, Math.sqrt(sq));
    }
    expect(worst).toBeLessThanOrEqual(plan.sensitivityGrid);
    // The √d term is needed: just below ties, a tiny addition moves every coordinate by one step.
    expect(worst).toBeGreaterThan(c / g);
    const s = Float64Array.from({ length: d }, (_, j) => (j + 0.5) * g - g * 1e-9);
    let sq = 0; // the added vector is 2e−9·γ per coordinate: norm 5e−8·γ ≪ C
    for (let j = 0; j < d; j++) sq += (Math.round((s[j]! + 2e-9 * g) / g) - Math.round(s[j]! / g)) ** 2;
    expect(Math.sqrt(sq)).toBeCloseTo(Math.sqrt(d), 9);
  });
});

describe('noisyLatticeSum', () => {
  it('releases lie on γZ^d whatever the low-order bits of the sum, with noise of the planned std', () => {
    const d = 50_000;
    const plan = latticeNoisePlan(1.1, 1, d);
    const g = plan.grid;
    const base = Float64Array.from({ length: d }, (_, j) => Math.sin(j) * 3);
    const shifted = base.map((v, j) => v + (j % 7) * 1e-13); // differs only in low-order bits
    for (const sum of [base, shifted]) {
      const out = noisyLatticeSum(sum, plan, latticeSampler(plan, seededRng(17)));
      expect(out.every((v) => Number.isInteger(v / g))).toBe(true);
      const noise = out.map((v, j) => v - Math.round(sum[j]! / g) * g);
      const { mean, variance } = meanVariance(noise);
      // Standard errors σ/√d for the mean and σ²·√(2/d) (0.63 %) for the variance: 5 SE.
      expect(Math.abs(mean)).toBeLessThan((5 * plan.noiseStd) / Math.sqrt(d));
      expect(Math.abs(variance / plan.noiseStd ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / d));
    }
  });

  it('clamps huge coordinates (a 1-Lipschitz map) and keeps non-finite ones non-finite', () => {
    const plan = latticeNoisePlan(1, 1, 3);
    const out = noisyLatticeSum([1e300, -1e300, NaN], plan, latticeSampler(plan, seededRng(2)));
    const steps = (v: number) => v / plan.grid;
    expect(Math.abs(steps(out[0]!) - MAX_GRID_VALUE)).toBeLessThan(100 * (plan.sigma.num / plan.sigma.den));
    expect(Math.abs(steps(out[1]!) + MAX_GRID_VALUE)).toBeLessThan(100 * (plan.sigma.num / plan.sigma.den));
    expect(Number.isNaN(out[2])).toBe(true);
    expect(errorOf(() => noisyLatticeSum([1, 2], plan, latticeSampler(plan, seededRng(2)))).parameter).toBe('sum');
  });
});
