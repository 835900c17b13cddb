import { describe, expect, it } from 'vitest';
import { exactAuc } from '../metrics/exact.ts';
import { seededRng, standardNormal, uniform01 } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { midranks, pairedAucDifference } from './delong.ts';

/** DeLong's variance from its definition: every (positive, negative) pair compared, O(m·n). */
function bruteForce(a: number[], b: number[], y: number[]): { difference: number; se: number } {
  const psi = (x: number, z: number) => (x > z ? 1 : x === z ? 0.5 : 0);
  const pos = y.flatMap((v, i) => (v === 1 ? [i] : []));
  const neg = y.flatMap((v, i) => (v === 0 ? [i] : []));
  const v10 = (s: number[]) => pos.map((i) => neg.reduce((t, j) => t + psi(s[i]!, s[j]!), 0) / neg.length);
  const v01 = (s: number[]) => neg.map((j) => pos.reduce((t, i) => t + psi(s[i]!, s[j]!), 0) / pos.length);
  const variance = (d: number[]) => {
    const m = d.reduce((t, x) => t + x, 0) / d.length;
    return d.reduce((t, x) => t + (x - m) ** 2, 0) / (d.length - 1);
  };
  const d10 = v10(a).map((x, i) => x - v10(b)[i]!);
  const d01 = v01(a).map((x, i) => x - v01(b)[i]!);
  const mean = (d: number[]) => d.reduce((t, x) => t + x, 0) / d.length;
  return { difference: mean(d10), se: Math.sqrt(variance(d10) / pos.length + variance(d01) / neg.length) };
}

describe('midranks', () => {
  it('ranks from 1 and gives tied values the mean of their ranks', () => {
    expect(Array.from(midranks([3, 1, 2]))).toEqual([3, 1, 2]);
    expect(Array.from(midranks([0.5, 0.2, 0.5, 0.2, 0.9]))).toEqual([3.5, 1.5, 3.5, 1.5, 5]);
  });
});

describe('pairedAucDifference', () => {
  it('matches an independent numpy implementation on a small example (with and without ties)', () => {
    const y = [1, 0, 1, 1, 0, 0, 1, 0];
    const b = [0.6, 0.5, 0.7, 0.2, 0.3, 0.4, 0.9, 0.1];
    const r = pairedAucDifference([0.9, 0.3, 0.8, 0.35, 0.4, 0.1, 0.7, 0.5], b, y);
    expect(r.aucA).toBe(0.875);
    expect(r.aucB).toBe(0.8125);
    expect(r.difference).toBeCloseTo(0.0625, 15);
    expect(r.standardError).toBeCloseTo(0.1350154312168304, 14);
    const tied = pairedAucDifference([0.9, 0.3, 0.8, 0.3, 0.3, 0.1, 0.7, 0.5], b, y);
    expect(tied.aucA).toBe(0.875);
    expect(tied.standardError).toBeCloseTo(0.125, 14);
  });

  it('agrees with the pairwise definition and with exactAuc on random correlated scores with ties', () => {
    const rng = seededRng(7);
    for (let trial = 0; trial < 5; trial++) {
      const n = 60 + trial * 17;
      const y: number[] = [];
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < n; i++) {
        const label = uniform01(rng) < 0.3 ? 1 : 0;
        const signal = label + standardNormal(rng);
        y.push(label);
        a.push(Math.round((signal + 0.5 * standardNormal(rng)) * 4) / 4); // coarse: many ties
        b.push(signal + standardNormal(rng));
      }
      if (!y.includes(1) || !y.includes(0)) continue;
      const r = pairedAucDifference(a, b, y);
      const brute = bruteForce(a, b, y);
      expect(r.aucA).toBeCloseTo(exactAuc(a, y), 12);
      expect(r.aucB).toBeCloseTo(exactAuc(b, y), 12);
      expect(r.difference).toBeCloseTo(brute.difference, 12);
      expect(r.standardError).toBeCloseTo(brute.se, 12);
      expect(r.standardError).toBeGreaterThan(0);
    }
  });

  it('gives zero difference and zero error for the same ranking', () => {
    const y = [1, 0, 1, 0, 0, 1];
    const s = [0.9, 0.2, 0.4, 0.5, 0.1, 0.8];
    const r = pairedAucDifference(s, s.map((v) => 3 * v + 1), y);
    expect(r.difference).toBe(0);
    expect(r.standardError).toBe(0);
  });

  it('names what is wrong with its input', () => {
    expect(() => pairedAucDifference([0.1, 0.2], [0.1, 0.2], [1, 1])).toThrow(/one class/);
    expect(() => pairedAucDifference([0.1], [0.1, 0.2], [1, 0])).toThrow(CoreInputError);
    expect(() => pairedAucDifference([0.1, 0.2], [0.1, 0.2], [1, 2])).toThrow(/labels\[1\]/);
    expect(() => pairedAucDifference([0.1, Number.NaN], [0.1, 0.2], [1, 0])).toThrow(/score 1/);
  });
});
