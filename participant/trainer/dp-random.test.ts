/**
 * Tests of DP-SGD's randomness: Poisson batches have the right size distribution and are fair
 * to every row, an epoch is round(1/q) steps, and the Gaussian vector has the requested moments.
 * Tolerances are a few standard errors of the estimated statistic (stated next to each).
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../core/random.ts';
import { cryptoRng, dpStepsPerEpoch, gaussianVector, poissonBatches, poissonSample } from './dp-random.ts';

describe('poissonSample', () => {
  it('draws batches of mean q·N and variance q(1−q)·N, every row equally often', () => {
    const n = 1000;
    const q = 0.05;
    const draws = 2000;
    const rng = seededRng(11);
    const perRow = new Uint32Array(n);
    const sizes: number[] = [];
    let ascending = true; // hence no repeats
    for (let k = 0; k < draws; k++) {
      const s = poissonSample(rng, n, q);
      sizes.push(s.length);
      for (let j = 0; j < s.length; j++) {
        if (j > 0 && s[j]! <= s[j - 1]!) ascending = false;
        perRow[s[j]!]!++;
      }
    }
    expect(ascending).toBe(true);
    const mean = sizes.reduce((a, b) => a + b, 0) / draws;
    const variance = sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1);
    const binVar = n * q * (1 - q);
    // Mean: standard error √(binVar/draws) ≈ 0.15; allow 5 of them.
    expect(Math.abs(mean - q * n)).toBeLessThan(5 * Math.sqrt(binVar / draws));
    // Sample variance: relative standard error ≈ √(2/draws) ≈ 3.2%; allow 5 of them.
    expect(Math.abs(variance / binVar - 1)).toBeLessThan(5 * Math.sqrt(2 / draws));
    // Each row's count is Binomial(draws, q) (mean 100, sd ≈ 9.7); the max over 1000 rows stays < 5.5 sd.
    const sd = Math.sqrt(draws * q * (1 - q));
    expect(Math.max(...Array.from(perRow, (c) => Math.abs(c - draws * q)))).toBeLessThan(5.5 * sd);
  });

  it('takes every row at q = 1, may return an empty batch, and is reproducible', () => {
    expect(Array.from(poissonSample(seededRng(1), 50, 1))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(poissonSample(seededRng(1), 0, 0.5).length).toBe(0);
    const rng = seededRng(2);
    const sizes = Array.from({ length: 200 }, () => poissonSample(rng, 20, 0.01).length);
    expect(sizes.filter((s) => s === 0).length).toBeGreaterThan(100); // P(empty) = 0.99²⁰ ≈ 0.82
    expect(poissonSample(seededRng(5), 300, 0.2)).toEqual(poissonSample(seededRng(5), 300, 0.2));
    expect(poissonSample(cryptoRng, 300, 0.2)).not.toEqual(poissonSample(cryptoRng, 300, 0.2));
  });
});

describe('dpStepsPerEpoch', () => {
  it('is round(1/q), at least one', () => {
    expect([0.01, 0.03, 0.032, 0.4, 0.7, 1].map(dpStepsPerEpoch)).toEqual([100, 33, 31, 3, 1, 1]);
    expect(Array.from(poissonBatches(10, 0.25, seededRng(1))).length).toBe(4);
  });
});

describe('gaussianVector', () => {
  it('has mean 0, the requested standard deviation and a normal shape', () => {
    const n = 40001; // odd: the last pair's second output is dropped
    const std = 2.5;
    const v = gaussianVector(seededRng(7), n, std);
    expect(v.length).toBe(n);
    let s = 0;
    let s2 = 0;
    let within = 0;
    for (const x of v) {
      s += x;
      s2 += x * x;
      if (Math.abs(x) < std) within++;
    }
    const mean = s / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan((5 * std) / Math.sqrt(n));
    expect(Math.abs(sd / std - 1)).toBeLessThan(5 / Math.sqrt(2 * n)); // relative SE of sd ≈ 1/√(2n)
    const p = 0.682689; // P(|N(0,1)| < 1)
    expect(Math.abs(within / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    expect(gaussianVector(seededRng(7), 5, 1)).toEqual(gaussianVector(seededRng(7), 5, 1));
    expect(gaussianVector(seededRng(7), 0, 1).length).toBe(0);
  });
});
