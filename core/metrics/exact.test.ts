import { describe, it, expect } from 'vitest';
import { seededRng, uniform01 } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { exactAuc, exactKs } from './exact.ts';

/** O(n²) AUC by counting pairs, ties worth one half. */
function bruteAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i]! > scores[j]!) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

/** O(n²) KS: every distinct score as a threshold "score ≥ t", plus "nothing". */
function bruteKs(scores: number[], labels: number[]): number {
  const P = labels.filter((y) => y === 1).length;
  const N = labels.length - P;
  let best = 0;
  for (const t of new Set(scores)) {
    let tp = 0;
    let fp = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        if (labels[i] === 1) tp++;
        else fp++;
      }
    });
    best = Math.max(best, Math.abs(tp / P - fp / N));
  }
  return best;
}

describe('exactAuc / exactKs', () => {
  it('match the hand-computed tiny example', () => {
    expect(exactAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 15);
    expect(exactKs([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.5, 15);
  });

  it('give 1/1 under perfect separation and 0.5/0 when all scores tie', () => {
    expect(exactAuc([1, 2, 3, 10, 11], [0, 0, 0, 1, 1])).toBe(1);
    expect(exactKs([1, 2, 3, 10, 11], [0, 0, 0, 1, 1])).toBe(1);
    expect(exactAuc([4, 4, 4, 4], [1, 0, 1, 0])).toBe(0.5);
    expect(exactKs([4, 4, 4, 4], [1, 0, 1, 0])).toBe(0);
  });

  it('accept raw scores outside [0, 1] (logits)', () => {
    expect(exactAuc([-3, 2, -1, 5], [0, 1, 0, 1])).toBe(1);
  });

  it('agree with O(n²) pair counting on random data with many ties', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rng = seededRng(seed);
      const n = 20 + seed * 7;
      const scores: number[] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = Math.round(uniform01(rng) * 12) / 12; // coarse grid → many ties
        scores.push(s);
        labels.push(uniform01(rng) < 0.2 + 0.5 * s ? 1 : 0);
      }
      if (!labels.includes(0) || !labels.includes(1)) continue;
      expect(exactAuc(scores, labels)).toBeCloseTo(bruteAuc(scores, labels), 12);
      expect(exactKs(scores, labels)).toBeCloseTo(bruteKs(scores, labels), 12);
    }
  });

  it('do not depend on the input order', () => {
    const scores = [0.3, 0.9, 0.1, 0.3, 0.7, 0.5];
    const labels = [1, 1, 0, 0, 0, 1];
    const order = [5, 2, 0, 4, 1, 3];
    const s2 = order.map((i) => scores[i]!);
    const l2 = order.map((i) => labels[i]!);
    expect(exactAuc(s2, l2)).toBeCloseTo(exactAuc(scores, labels), 15);
    expect(exactKs(s2, l2)).toBeCloseTo(exactKs(scores, labels), 15);
    expect(exactAuc(scores, labels)).toBeCloseTo(bruteAuc(scores, labels), 15);
  });

  it('return NaN when a class is empty', () => {
    expect(exactAuc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(exactKs([0.1, 0.2], [0, 0])).toBeNaN();
  });

  it('throw CoreInputError on bad input', () => {
    expect(() => exactAuc([0.1, Infinity], [0, 1])).toThrow(CoreInputError);
    expect(() => exactKs([0.1, 0.2], [0, 3])).toThrow(CoreInputError);
    expect(() => exactAuc([0.1, 0.2], [0])).toThrow(/differ in length/);
  });
});
