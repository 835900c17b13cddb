/**
 * Tests of the exact discrete Gaussian sampler (Karney 2016, Algorithm D) and its word source:
 * chi-square fits to the discrete Gaussian pmf for small σ (integer, dyadic and non-dyadic
 * rational), power against a 3 % error in σ, mean and variance at the σ ≈ 2^20 grid scale used by
 * DP-SGD, integer outputs, exact parameter arithmetic, and randomness only from the Rng.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorOf } from '../../test/support/core.ts';
import { seededRng } from '../random.ts';
import type { Rng } from '../types.ts';
import { ceilDiv, FAST_SIGMA_NUM, karneyDiscreteGaussian, sigmaAtLeast } from './karney-dgauss.ts';
import type { SigmaFraction } from './karney-dgauss.ts';
import { wordSource } from './word-source.ts';
import { chiSquareSurvivalEven, chiSquareSymmetric, discreteGaussianPmf, meanVariance } from '../../test/support/fit.ts';

/**
 * Significance level of every goodness-of-fit test. Seeds are fixed, so the tests are
 * deterministic; 1e−6 makes a false alarm after a harmless change (new seed, another consumption
 * pattern) very unlikely, while the power test below shows a 3 % error in σ fails by far.
 */
const ALPHA = 1e-6;

const draw = (sigma: SigmaFraction, n: number, seed: number): Float64Array => karneyDiscreteGaussian(sigma, seededRng(seed)).fill(new Float64Array(n));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('karneyDiscreteGaussian: distribution', () => {
  const cases: [string, SigmaFraction][] = [
    ['σ = 1', { num: 1, den: 1 }],
    ['σ = 1/2 (most mass on 0 and ±1)', { num: 1, den: 2 }],
    ['σ = 3', { num: 3, den: 1 }],
    ['σ = 10/3 (a non-dyadic rational)', { num: 10, den: 3 }],
    ['σ = 5.5 via sigmaAtLeast (numerator near 2^24)', sigmaAtLeast(5.5)],
  ];
  for (const [label, sigma] of cases) {
    it(`chi-square goodness of fit, ${label}`, () => {
      const samples = draw(sigma, 100_000, 11);
      const { pValue, df } = chiSquareSymmetric(samples, discreteGaussianPmf(sigma.num / sigma.den));
      expect(df).toBeGreaterThanOrEqual(4);
      expect(pValue).toBeGreaterThan(ALPHA);
    });
  }

  it('the test has power: samples for σ = 3 are rejected as σ = 3.09', () => {
    const samples = draw({ num: 3, den: 1 }, 100_000, 11);
    expect(chiSquareSymmetric(samples, discreteGaussianPmf(3.09)).pValue).toBeLessThan(ALPHA);
  });

  it('is symmetric bin by bin: the sign given |Y| = k is a fair coin (σ = 3, k = 1..8)', () => {
    const samples = draw({ num: 3, den: 1 }, 100_000, 12);
    let stat = 0;
    for (let k = 1; k <= 8; k++) {
      let pos = 0;
      let neg = 0;
      for (const y of samples) if (y === k) pos++;
      else if (y === -k) neg++;
      stat += (pos - neg) ** 2 / (pos + neg);
    }
    expect(chiSquareSurvivalEven(stat, 8)).toBeGreaterThan(ALPHA);
  });

  // The regime of DP-SGD lattice noise: σ between 2^10 and 2^23 grid steps.
  for (const [label, sigma] of [['σ ≈ 2^20 + 0.37', sigmaAtLeast(2 ** 20 + 0.37)], ['σ = 1234.5', sigmaAtLeast(1234.5)], ['σ = 2^31 (numerator beyond 2^24)', sigmaAtLeast(2 ** 31)]] as const) {
    it(`${label}: integer draws with mean ≈ 0 and variance ≈ σ²`, () => {
      const n = 200_000;
      const samples = draw(sigma, n, 13);
      const s = sigma.num / sigma.den;
      expect(samples.every((y) => Number.isInteger(y))).toBe(true);
      const { mean, variance } = meanVariance(samples);
      // For σ ≥ 2^10 the discrete variance equals σ² to within e^{−2π²σ²}, and the fourth moment is
      // 3σ⁴, so the standard errors are σ/√n (mean) and σ²·√(2/n) (variance, 0.32 % here): 5 SE.
      expect(Math.abs(mean)).toBeLessThan((5 * s) / Math.sqrt(n));
      expect(Math.abs(variance / (s * s) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    });
  }
});

describe('exact parameter arithmetic', () => {
  it('sigmaAtLeast returns the smallest dyadic fraction ≥ x with a numerator ≤ 2^24 when possible', () => {
    for (const x of [2 ** -32, 0.1, 1, 3, 5.5, 1234.5, 2 ** 20 + 0.37, 2 ** 24, 2 ** 24 + 0.5, 2 ** 31, 2 ** 32]) {
      const s = sigmaAtLeast(x);
      expect(Number.isInteger(s.num) && Number.isInteger(s.den)).toBe(true);
      expect(s.num / s.den).toBeGreaterThanOrEqual(x);
      expect(s.den & (s.den - 1)).toBe(0); // a power of two
      if (x <= FAST_SIGMA_NUM / 2) expect(s.num).toBeLessThanOrEqual(FAST_SIGMA_NUM);
      if (x >= 2 ** -8) expect(s.num / s.den / x - 1).toBeLessThanOrEqual(2 ** -23);
      expect((s.num - 1) / s.den).toBeLessThan(x); // smallest with this denominator
    }
    for (const bad of [0, -1, 2 ** 32 + 1, NaN, Infinity]) expect(errorOf(() => sigmaAtLeast(bad)).parameter).toBe('sigma');
  });

  it('ceilDiv is exact where the float quotient rounds (checked against bigint)', () => {
    const rng = seededRng(3);
    const cases: [number, number][] = [[0, 7], [14, 7], [15, 7], [2 ** 53 - 1, 3], [2 ** 53 - 2, 3], [2 ** 52 + 1, 2 ** 32], [2 ** 53 - 1, 2 ** 32 - 1]];
    for (let i = 0; i < 2000; i++) {
      const b = rng(8);
      const a = ((b[0]! | (b[1]! << 8) | (b[2]! << 16)) % 2 ** 21) * 2 ** 32 + ((b[3]! | (b[4]! << 8) | (b[5]! << 16) | (b[6]! << 24)) >>> 0);
      cases.push([a, 1 + (((b[7]! << 24) | (b[2]! << 8) | b[5]!) >>> 0)]);
    }
    for (const [a, d] of cases) {
      const want = (BigInt(a) + BigInt(d) - 1n) / BigInt(d);
      expect(BigInt(ceilDiv(a, d)), `${a}/${d}`).toBe(want);
    }
  });

  it('rejects σ outside num, den ∈ [1, 2^32]', () => {
    for (const bad of [{ num: 0, den: 1 }, { num: 1, den: 0 }, { num: 1.5, den: 1 }, { num: 2 ** 32 + 1, den: 1 }, { num: 1, den: 2 ** 33 }]) {
      expect(errorOf(() => karneyDiscreteGaussian(bad, seededRng(1))).parameter).toBe('sigma');
    }
  });
});

describe('word source and randomness', () => {
  it('uniform integers below m are uniform: small (digit) and large (word) moduli', () => {
    const src = wordSource(seededRng(23));
    for (const m of [7, 65535, 2 ** 31 + 1]) {
      const bins = m < 9 ? m : 9; // df = bins − 1: 6 or 8 (even, for the exact tail)
      const counts = new Array(bins).fill(0);
      const n = 40_000;
      let outOfRange = 0;
      for (let i = 0; i < n; i++) {
        const v = src.below(m);
        if (!(v >= 0 && v < m && Number.isInteger(v))) outOfRange++;
        counts[Math.floor((v * bins) / m)]++;
      }
      expect(outOfRange).toBe(0);
      const expected = Array.from({ length: bins }, (_, b) => (n * (Math.ceil(((b + 1) * m) / bins) - Math.ceil((b * m) / bins))) / m);
      const stat = counts.reduce((s, c, b) => s + (c - expected[b]!) ** 2 / expected[b]!, 0);
      expect(chiSquareSurvivalEven(stat, bins - 1)).toBeGreaterThan(ALPHA);
    }
    expect(src.below(1)).toBe(0);
    expect(src.below(2 ** 32)).toBeLessThan(2 ** 32);
  });

  it('draws only from the injected Rng: reproducible per seed, never Math.random', () => {
    const spy = vi.spyOn(Math, 'random');
    const sigma = sigmaAtLeast(1000);
    expect(draw(sigma, 2000, 31)).toEqual(draw(sigma, 2000, 31));
    expect(draw(sigma, 2000, 31)).not.toEqual(draw(sigma, 2000, 32));
    let calls = 0;
    const counting: Rng = (n) => {
      calls++;
      return seededRng(5)(n);
    };
    const s = karneyDiscreteGaussian(sigma, counting);
    s.fill(new Float64Array(1000));
    expect(calls).toBe(s.bytesDrawn / 4096);
    expect(calls).toBeGreaterThan(0);
    expect(spy).not.toHaveBeenCalled();
  });

  it('rejects a short Rng and a bad chunk size', () => {
    const short: Rng = (n) => new Uint8Array(Math.max(0, n - 1));
    expect(errorOf(() => karneyDiscreteGaussian({ num: 3, den: 1 }, short).next()).parameter).toBe('rng');
    for (const bad of [0, 6, 1.5]) expect(errorOf(() => wordSource(seededRng(1), bad)).parameter).toBe('chunk');
  });
});
