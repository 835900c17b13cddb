import { describe, it, expect, vi, afterEach } from 'vitest';
import { errorOf } from '../../test/support/core.ts';
import { seededRng } from '../random.ts';
import type { Rng } from '../types.ts';
import { exactRandom } from './exact-random.ts';
import type { Rational } from './exact-random.ts';
import {
  bernoulliExp,
  discreteGaussianParams,
  discreteLaplace,
  isqrt,
  sampleDiscreteGaussian,
} from './discrete-gaussian.ts';

/**
 * Significance level of every goodness-of-fit test here. The seeds are fixed, so the tests are
 * deterministic; 1e−6 makes a false alarm after a harmless change (new seed, new consumption
 * pattern) very unlikely, while a wrong distribution (e.g. σ² off by 5 %) fails by orders of
 * magnitude at these sample sizes.
 */
const ALPHA = 1e-6;

/** Target pmf ∝ w(y) on the integers, as a function, computed in floating point over |y| ≤ M. */
function pmf(weight: (y: number) => number, M: number): (y: number) => number {
  let z = 0;
  for (let y = -M; y <= M; y++) z += weight(y);
  return (y) => (Math.abs(y) <= M ? weight(y) / z : 0);
}

const gaussianPmf = (sigma2: number): ((y: number) => number) =>
  pmf((y) => Math.exp(-(y * y) / (2 * sigma2)), Math.ceil(40 * Math.sqrt(sigma2)) + 10);

/**
 * Upper tail of the chi-square distribution with an EVEN number of degrees of freedom 2m:
 * P(χ² > x) = e^{−x/2} Σ_{i<m} (x/2)^i / i! (a Poisson CDF), summed in log space.
 */
function chiSquareSurvivalEven(x: number, df: number): number {
  expect(df % 2).toBe(0);
  const h = x / 2;
  let logTerm = -h; // log(e^{−h} h^0/0!)
  let sum = Math.exp(logTerm);
  for (let i = 1; i < df / 2; i++) {
    logTerm += Math.log(h) - Math.log(i);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/**
 * Pearson chi-square of integer samples against a SYMMETRIC pmf `p`, with bins y ≤ −R, each
 * −R < y < R, and y ≥ R (2R + 1 bins, 2R degrees of freedom: always even), R the largest value
 * that keeps every expected count ≥ 5. Returns the p-value and df.
 */
function chiSquareTest(samples: Int32Array | number[], p: (y: number) => number, maxR = 1000): { pValue: number; df: number } {
  const n = samples.length;
  const upperTail = (r: number): number => {
    let s = 0;
    for (let y = r; p(y) > 0 || y < r + 5; y++) s += p(y);
    return s;
  };
  let R = 1;
  while (R < maxR && upperTail(R + 1) * n >= 5 && p(R) * n >= 5) R++; // bin R becomes central
  expect(upperTail(R) * n).toBeGreaterThanOrEqual(5);
  const counts = new Map<number, number>();
  for (const y of samples) {
    const bin = Math.max(-R, Math.min(R, y));
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  let stat = 0;
  for (let b = -R; b <= R; b++) {
    const expected = n * (b === R ? upperTail(R) : b === -R ? upperTail(R) : p(b));
    const observed = counts.get(b) ?? 0;
    stat += (observed - expected) ** 2 / expected;
  }
  return { pValue: chiSquareSurvivalEven(stat, 2 * R), df: 2 * R };
}

/** Mean, variance and fourth central moment of a pmf over |y| ≤ M. */
function moments(p: (y: number) => number, M: number): { mean: number; variance: number; m4: number } {
  let variance = 0;
  let m4 = 0;
  for (let y = -M; y <= M; y++) {
    variance += y * y * p(y);
    m4 += y ** 4 * p(y);
  }
  return { mean: 0, variance, m4 };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sampleDiscreteGaussian: distribution', () => {
  const cases: [string, number | Rational, number, number][] = [
    // label, σ² as passed, σ² as a float for the reference pmf, sample count
    ['σ² = 2.5 (exactly 5/2)', 2.5, 2.5, 40000],
    ['σ² = 10/3 (a Rational)', { num: 10n, den: 3n }, 10 / 3, 40000],
    ['σ² = 0.1 (the double, 2^−55 denominator)', 0.1, 0.1, 20000],
    ['σ² = 1e4 (σ = 100)', 10000, 10000, 40000],
  ];
  for (const [label, sigma2, s2, n] of cases) {
    it(`chi-square goodness of fit, ${label}`, () => {
      const samples = sampleDiscreteGaussian(n, sigma2, seededRng(11));
      const { pValue, df } = chiSquareTest(samples, gaussianPmf(s2));
      expect(df).toBeGreaterThanOrEqual(2);
      expect(pValue).toBeGreaterThan(ALPHA);
    });
  }

  it('the test has power: samples for σ² = 2.5 are rejected as σ² = 2.75', () => {
    const samples = sampleDiscreteGaussian(40000, 2.5, seededRng(11));
    expect(chiSquareTest(samples, gaussianPmf(2.75)).pValue).toBeLessThan(ALPHA);
  });

  it('mean ≈ 0 and variance ≈ the exact discrete variance (below σ² for small σ²)', () => {
    for (const [s2, n] of [[0.25, 50000], [30, 50000]] as const) {
      const p = gaussianPmf(s2);
      const { variance, m4 } = moments(p, Math.ceil(40 * Math.sqrt(s2)) + 10);
      const samples = sampleDiscreteGaussian(n, s2, seededRng(12));
      let sum = 0;
      let sumSq = 0;
      for (const y of samples) {
        sum += y;
        sumSq += y * y;
      }
      const mean = sum / n;
      const sampleVar = sumSq / n - mean * mean;
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(variance / n));
      const sdVar = Math.sqrt((m4 - variance * variance) / n);
      expect(Math.abs(sampleVar - variance), `σ²=${s2}`).toBeLessThan(5 * sdVar);
      if (s2 === 0.25) {
        // Var = 2Σ_{y≥1} y²e^{−2y²} / (1 + 2Σ_{y≥1} e^{−2y²}) = 0.27336…/1.27135… = 0.21501…, well below σ² …
        expect(variance).toBeCloseTo(0.21501, 5);
        expect(0.25 - sampleVar).toBeGreaterThan(5 * sdVar); // … and the samples show it
      }
    }
  });

  it('is symmetric: as many positive as negative draws, bin by bin', () => {
    const n = 50000;
    const samples = sampleDiscreteGaussian(n, 30, seededRng(13));
    let pos = 0;
    let neg = 0;
    for (const y of samples) if (y > 0) pos++;
    else if (y < 0) neg++;
    expect(Math.abs(pos - neg)).toBeLessThan(5 * Math.sqrt(pos + neg));
    // |Y| ≥ 1 counts split by sign: chi-square of the sign given |Y| = k for k = 1..10 (df 10)
    let stat = 0;
    for (let k = 1; k <= 10; k++) {
      let a = 0;
      let b = 0;
      for (const y of samples) if (y === k) a++;
      else if (y === -k) b++;
      stat += (a - b) ** 2 / (a + b);
    }
    expect(chiSquareSurvivalEven(stat, 10)).toBeGreaterThan(ALPHA);
  });
});

describe('building blocks', () => {
  it('Bernoulli(exp(−γ)) hits e^{−γ} for several rational γ', () => {
    const src = exactRandom(seededRng(21));
    const n = 20000;
    const gammas: [bigint, bigint][] = [[0n, 1n], [1n, 3n], [1n, 1n], [5n, 2n], [3602879701896397n, 36028797018963968n], [7n, 1n]];
    for (const [num, den] of gammas) {
      let ones = 0;
      for (let i = 0; i < n; i++) if (bernoulliExp(num, den, src)) ones++;
      const p = Math.exp(-Number(num) / Number(den));
      if (num === 0n) expect(ones).toBe(n);
      else expect(Math.abs(ones / n - p), `γ=${num}/${den}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('discrete Laplace with scale t = 3 fits exp(−|y|/3)', () => {
    const src = exactRandom(seededRng(22));
    const samples = Array.from({ length: 30000 }, () => discreteLaplace(3, src));
    const { pValue } = chiSquareTest(samples, pmf((y) => Math.exp(-Math.abs(y) / 3), 200));
    expect(pValue).toBeGreaterThan(ALPHA);
  });

  it('uniform integers are uniform and in range (small and bigint moduli)', () => {
    const src = exactRandom(seededRng(23));
    const n = 35000;
    const counts = new Array(7).fill(0);
    for (let i = 0; i < n; i++) counts[src.belowSmall(7)]++;
    const stat = counts.reduce((s, c) => s + (c - n / 7) ** 2 / (n / 7), 0);
    expect(chiSquareSurvivalEven(stat, 6)).toBeGreaterThan(ALPHA);
    const big = (1n << 70n) + 3n;
    let top = 0;
    for (let i = 0; i < 4000; i++) {
      const v = src.below(big);
      expect(v >= 0n && v < big).toBe(true);
      if (v >= 1n << 69n) top++;
    }
    expect(Math.abs(top - 2000)).toBeLessThan(5 * Math.sqrt(1000));
    expect(src.belowSmall(1)).toBe(0);
    expect(src.belowSmall(2 ** 32)).toBeLessThan(2 ** 32);
    expect(src.bernoulli(0n, 5n)).toBe(false);
    expect(src.bernoulli(5n, 5n)).toBe(true);
  });
});

describe('randomness and input handling', () => {
  it('draws only from the injected Rng: reproducible per seed, never Math.random', () => {
    const spy = vi.spyOn(Math, 'random');
    let calls = 0;
    const counting: Rng = (n) => {
      calls++;
      return seededRng(5)(n);
    };
    const a = sampleDiscreteGaussian(1000, 7.5, seededRng(31));
    const b = sampleDiscreteGaussian(1000, 7.5, seededRng(31));
    const c = sampleDiscreteGaussian(1000, 7.5, seededRng(32));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    sampleDiscreteGaussian(10, 7.5, counting);
    expect(calls).toBeGreaterThan(0);
    expect(spy).not.toHaveBeenCalled();
    expect(sampleDiscreteGaussian(0, 1, seededRng(1))).toEqual(new Int32Array(0));
  });

  it('rejects a short Rng, bad counts and bad σ²', () => {
    const short: Rng = (n) => new Uint8Array(Math.max(0, n - 1));
    expect(errorOf(() => sampleDiscreteGaussian(5, 1, short)).parameter).toBe('rng');
    expect(errorOf(() => sampleDiscreteGaussian(-1, 1, seededRng(1))).parameter).toBe('count');
    expect(errorOf(() => sampleDiscreteGaussian(1.5, 1, seededRng(1))).parameter).toBe('count');
    for (const bad of [0, -1, NaN, Infinity, 2 ** 53, { num: 1n, den: 0n }, { num: -1n, den: 2n }]) {
      expect(errorOf(() => sampleDiscreteGaussian(1, bad as number | Rational, seededRng(1))).parameter).toBe('sigma2');
    }
    expect(errorOf(() => discreteLaplace(0, exactRandom(seededRng(1)))).parameter).toBe('t');
    expect(errorOf(() => bernoulliExp(-1n, 1n, exactRandom(seededRng(1)))).parameter).toBe('gamma');
  });

  it('takes σ² exactly and picks t = ⌊σ⌋ + 1', () => {
    expect(discreteGaussianParams(2.5).sigma2).toEqual({ num: 5n, den: 2n });
    expect(discreteGaussianParams(0.1).sigma2).toEqual({ num: 3602879701896397n, den: 36028797018963968n });
    expect(discreteGaussianParams({ num: 6n, den: 4n }).sigma2).toEqual({ num: 3n, den: 2n });
    expect(discreteGaussianParams(2.5).t).toBe(2);
    expect(discreteGaussianParams(4).t).toBe(3);
    expect(discreteGaussianParams(3.99).t).toBe(2);
    expect(discreteGaussianParams(0.1).t).toBe(1);
    expect(discreteGaussianParams(2 ** 52).t).toBe(2 ** 26 + 1);
  });

  it('isqrt is the exact integer square root', () => {
    for (const m of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 10n ** 30n, (10n ** 20n + 7n) ** 2n - 1n, (10n ** 20n + 7n) ** 2n]) {
      const r = isqrt(m);
      expect(r * r <= m && (r + 1n) * (r + 1n) > m).toBe(true);
    }
  });
});
