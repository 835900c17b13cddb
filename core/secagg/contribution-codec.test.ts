import { describe, expect, it } from 'vitest';
import { seededRng, standardNormal } from '../random.ts';
import type { Contribution } from '../types.ts';
import { decodeSum, encodeContribution, fixedLimit } from './contribution-codec.ts';
import type { EncodingPlan } from './contribution-codec.ts';
import { addMod } from './quantize.ts';

const plan: EncodingPlan = {
  shape: { update: 50, hist: 20, stats: 6 },
  encodings: { update: { kind: 'quantized', clip: 1 }, hist: { kind: 'fixed', fracBits: 0, limbs: 2 }, stats: { kind: 'fixed', fracBits: 8, limbs: 5 } },
  maxSummands: 30,
};

function randomContribution(rng: ReturnType<typeof seededRng>): Contribution {
  const update = Float64Array.from({ length: 50 }, () => 0.3 * standardNormal(rng));
  const hist = Float64Array.from({ length: 20 }, (_, i) => (i * 37) % 11);
  // Statistics of the size seen in credit data: sums of squares of incomes reach 1e12 and more.
  const stats = Float64Array.from([4454, 1.3e8 + 0.25, 4.1e12, -1234.5, 0, 7]);
  return { update, hist, stats };
}

describe('secure-sum encoding of contributions', () => {
  it('sums exactly for fixed-point vectors and within quantization error for updates', () => {
    const rng = seededRng(3);
    const n = 12;
    const cs = Array.from({ length: n }, () => randomContribution(rng));
    let acc: Uint32Array | undefined;
    for (const c of cs) {
      const { words } = encodeContribution(c, plan, rng);
      if (!acc) acc = words.slice();
      else addMod(acc, words, 32);
    }
    const sum = decodeSum(acc!, plan, n);
    for (let i = 0; i < 20; i++) expect(sum.hist![i]).toBe(cs.reduce((a, c) => a + c.hist![i]!, 0));
    const wantStats = [4454 * n, (1.3e8 + 0.25) * n, 4.1e12 * n, -1234.5 * n, 0, 7 * n];
    wantStats.forEach((w, i) => expect(sum.stats![i]).toBeCloseTo(w, 2));
    const step = 2 / Math.floor((2 ** 32 - 1) / 30);
    for (let i = 0; i < 50; i++) {
      const want = cs.reduce((a, c) => a + Math.max(-1, Math.min(1, c.update![i]!)), 0);
      expect(Math.abs(sum.update![i]! - want)).toBeLessThanOrEqual(n * step);
    }
  });

  it('counts clipped update coordinates and refuses fixed-point values that could overflow', () => {
    const rng = seededRng(4);
    const c = randomContribution(rng);
    c.update![0] = 5;
    c.update![1] = -7;
    expect(encodeContribution(c, plan, rng).clipped).toBeGreaterThanOrEqual(2);
    const limit = fixedLimit({ fracBits: 0, limbs: 2 }, 30);
    c.hist![3] = limit * 1.01;
    expect(() => encodeContribution(c, plan, rng)).toThrow(/vector "hist"\[3\].*outside the fixed-point range/);
  });

  it('rejects a wrong vector length and a wrong summand count', () => {
    const rng = seededRng(5);
    const c = randomContribution(rng);
    expect(() => encodeContribution({ ...c, hist: new Float64Array(3) }, plan, rng)).toThrow(/"hist" must have 20 elements/);
    const { words } = encodeContribution(c, plan, rng);
    expect(() => decodeSum(words, plan, 31)).toThrow(/summands must be an integer in \[1, 30\]/);
  });

  it('sums integer vectors (client-level DP updates) exactly, negatives included, and refuses values beyond the bound', () => {
    const ints: EncodingPlan = { shape: { update: 4 }, encodings: { update: { kind: 'integer', sumBound: 1000 } }, maxSummands: 3 };
    const rng = seededRng(8);
    const inputs = [[-1000, 5, 0, 17], [999, -7, 3, -20], [-1, 1, -3, 500]];
    const total = new Uint32Array(4);
    for (const v of inputs) addMod(total, encodeContribution({ update: Float64Array.from(v) }, ints, rng).words, 32);
    expect(Array.from(decodeSum(total, ints, 3).update!)).toEqual([-2, -1, 0, 497]);
    expect(() => encodeContribution({ update: Float64Array.of(1001, 0, 0, 0) }, ints, rng)).toThrow(/"update"\[0\] = 1001 is not an integer within ±1000/);
    expect(() => encodeContribution({ update: Float64Array.of(0.5, 0, 0, 0) }, ints, rng)).toThrow(/not an integer/);
  });
});
