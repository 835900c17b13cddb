import { describe, it, expect } from 'vitest';
import { seededRng, uniform01 } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { sumContributions } from '../aggregate/sum.ts';
import { exactAuc, exactKs } from './exact.ts';
import {
  aucKsFromHistogram,
  binOf,
  evaluationContribution,
  evaluationShape,
  metricsFromEvaluation,
  scoreHistogram,
} from './histogram.ts';

const SCORES = [0.1, 0.4, 0.35, 0.8];
const LABELS = [0, 0, 1, 1];

/** Random scores with labels that depend on the score, so AUC is well away from 0.5. */
function randomSet(seed: number, n: number): { scores: Float64Array; labels: Uint8Array } {
  const rng = seededRng(seed);
  const scores = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = uniform01(rng);
    scores[i] = s;
    labels[i] = uniform01(rng) < 0.15 + 0.6 * s ? 1 : 0;
  }
  return { scores, labels };
}

function expectCoreError(fn: () => unknown, parameter: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CoreInputError);
    expect((e as CoreInputError).parameter).toBe(parameter);
    return;
  }
  throw new Error('expected a CoreInputError');
}

describe('scoreHistogram', () => {
  it('counts negatives in the first half and positives in the second', () => {
    const h = scoreHistogram([0.05, 0.95, 0.5, 0.55, 0.96], [0, 1, 1, 0, 1], 10);
    expect(h.length).toBe(20);
    expect(Array.from(h.subarray(0, 10))).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(h.subarray(10))).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
  });

  it('clamps out-of-range scores and puts 1 in the last bin', () => {
    expect(binOf(1, 10)).toBe(9);
    expect(binOf(-0.5, 10)).toBe(0);
    expect(binOf(1.7, 10)).toBe(9);
    expect(binOf(0.35, 10)).toBe(3);
    const h = scoreHistogram([-3, 4], [1, 0], 4);
    expect(Array.from(h)).toEqual([0, 0, 0, 1, 1, 0, 0, 0]);
  });

  it('rejects NaN scores, non-binary labels, length mismatch and bad bins', () => {
    expectCoreError(() => scoreHistogram([0.1, NaN], [0, 1], 10), 'scores');
    expectCoreError(() => scoreHistogram([0.1, 0.2], [0, 2], 10), 'labels');
    expectCoreError(() => scoreHistogram([0.1, 0.2], [0.5, 1], 10), 'labels');
    expectCoreError(() => scoreHistogram([0.1, 0.2], [0], 10), 'labels');
    expectCoreError(() => scoreHistogram([0.1], [0], 0), 'bins');
    expectCoreError(() => scoreHistogram([0.1], [0], 2.5), 'bins');
  });
});

describe('evaluationContribution', () => {
  it('has the shape of evaluationShape and the hand-computed loss sums', () => {
    const c = evaluationContribution(SCORES, LABELS, 10);
    expect(evaluationShape(10)).toEqual({ hist: 20, loss: 4 });
    expect(c.hist!.length).toBe(20);
    const [logLossSum, brierSum, n, positives] = c.loss!;
    expect(logLossSum! / 4).toBeCloseTo(0.47228795380917615, 12);
    expect(brierSum! / 4).toBeCloseTo(0.158125, 12);
    expect(n).toBe(4);
    expect(positives).toBe(2);
  });

  it('clips probabilities to [1e-7, 1-1e-7] in the log-loss', () => {
    const c = evaluationContribution([0, 1], [1, 0], 10);
    expect(c.loss![0]).toBeCloseTo(2 * 16.11809565095832, 6);
    expect(c.loss![1]).toBe(2);
  });

  it('accepts an empty hold-out and contributes zeros', () => {
    const c = evaluationContribution([], [], 5);
    expect(Array.from(c.loss!)).toEqual([0, 0, 0, 0]);
    expect(c.hist!.every((x) => x === 0)).toBe(true);
  });
});

describe('metricsFromEvaluation', () => {
  it('matches the hand-computed tiny example (AUC 0.75, KS 0.5)', () => {
    const m = metricsFromEvaluation(evaluationContribution(SCORES, LABELS, 10), 10);
    expect(m.auc).toBeCloseTo(0.75, 12);
    expect(m.ks).toBeCloseTo(0.5, 12);
    expect(m.gini).toBeCloseTo(0.5, 12);
    expect(m.logLoss).toBeCloseTo(0.47228795380917615, 12);
    expect(m.brier).toBeCloseTo(0.158125, 12);
    expect(m.n).toBe(4);
    expect(m.positives).toBe(2);
  });

  it('gives AUC 1 and KS 1 under perfect separation', () => {
    const m = metricsFromEvaluation(evaluationContribution([0.1, 0.2, 0.3, 0.7, 0.9], [0, 0, 0, 1, 1], 100), 100);
    expect(m.auc).toBe(1);
    expect(m.ks).toBe(1);
    expect(m.gini).toBe(1);
  });

  it('gives AUC 0 when the ranking is reversed', () => {
    const { auc, ks } = aucKsFromHistogram(scoreHistogram([0.9, 0.8, 0.1], [0, 0, 1], 10), 10);
    expect(auc).toBe(0);
    expect(ks).toBe(1);
  });

  it('gives AUC 0.5 and KS 0 when all scores tie', () => {
    const m = metricsFromEvaluation(evaluationContribution([0.3, 0.3, 0.3, 0.3, 0.3], [0, 1, 0, 0, 1], 50), 50);
    expect(m.auc).toBe(0.5);
    expect(m.ks).toBe(0);
  });

  it('returns NaN for AUC, KS and Gini when a class is empty, with n and positives filled', () => {
    const m = metricsFromEvaluation(evaluationContribution([0.2, 0.6], [0, 0], 10), 10);
    expect(m.auc).toBeNaN();
    expect(m.ks).toBeNaN();
    expect(m.gini).toBeNaN();
    expect(m.n).toBe(2);
    expect(m.positives).toBe(0);
    expect(m.logLoss).toBeGreaterThan(0);
  });

  it('returns NaN log-loss and Brier for n = 0', () => {
    const m = metricsFromEvaluation(evaluationContribution([], [], 10), 10);
    expect(m.logLoss).toBeNaN();
    expect(m.brier).toBeNaN();
    expect(m.n).toBe(0);
  });

  it('rejects malformed sums', () => {
    const c = evaluationContribution(SCORES, LABELS, 10);
    expectCoreError(() => metricsFromEvaluation(c, 20), 'hist');
    expectCoreError(() => metricsFromEvaluation({ hist: c.hist! }, 10), 'sum.loss');
    expectCoreError(() => metricsFromEvaluation({ loss: c.loss! }, 10), 'sum.hist');
    const negative = { hist: Float64Array.from(c.hist!), loss: c.loss! };
    negative.hist[3] = -1;
    expectCoreError(() => metricsFromEvaluation(negative, 10), 'hist');
  });

  it('agrees with exact AUC/KS within the bin error on random score sets (bins = 1000)', () => {
    const bins = 1000;
    for (let seed = 1; seed <= 40; seed++) {
      const { scores, labels } = randomSet(seed, 50 + 97 * seed);
      const hist = scoreHistogram(scores, labels, bins);
      const { auc, ks } = aucKsFromHistogram(hist, bins);
      const refAuc = exactAuc(scores, labels);
      const refKs = exactKs(scores, labels);
      // Binning only changes the order of pairs that share a bin, each worth 1/(P·N), and
      // they get half credit: |Δauc| ≤ ½ Σ_b pos_b·neg_b / (P·N).
      let P = 0;
      let N = 0;
      let sameBin = 0;
      for (let b = 0; b < bins; b++) {
        N += hist[b]!;
        P += hist[bins + b]!;
        sameBin += hist[b]! * hist[bins + b]!;
      }
      expect(Math.abs(auc - refAuc)).toBeLessThanOrEqual((0.5 * sameBin) / (P * N) + 1e-12);
      expect(Math.abs(auc - refAuc)).toBeLessThanOrEqual(0.002);
      // KS is evaluated at bin edges only, a subset of the exact thresholds: never larger, and
      // smaller by at most the mass of one bin of one class.
      expect(ks).toBeLessThanOrEqual(refKs + 1e-12);
      expect(refKs - ks).toBeLessThanOrEqual(0.01);
      expect(refAuc).toBeGreaterThan(0.6);
    }
  });

  it('equals exact AUC/KS when scores already sit on bin centres', () => {
    const bins = 20;
    const rng = seededRng(7);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 500; i++) {
      const k = Math.floor(uniform01(rng) * bins);
      scores.push((k + 0.5) / bins);
      labels.push(uniform01(rng) < k / bins ? 1 : 0);
    }
    const { auc, ks } = aucKsFromHistogram(scoreHistogram(scores, labels, bins), bins);
    expect(auc).toBeCloseTo(exactAuc(scores, labels), 12);
    expect(ks).toBeCloseTo(exactKs(scores, labels), 12);
  });

  it('is additive: metrics of the summed halves equal metrics of the whole', () => {
    const bins = 1000;
    const { scores, labels } = randomSet(99, 2001);
    const cut = 777;
    const a = evaluationContribution(scores.subarray(0, cut), labels.subarray(0, cut), bins);
    const b = evaluationContribution(scores.subarray(cut), labels.subarray(cut), bins);
    const whole = metricsFromEvaluation(evaluationContribution(scores, labels, bins), bins);
    const summed = metricsFromEvaluation(sumContributions([a, b], evaluationShape(bins)), bins);
    expect(summed.auc).toBeCloseTo(whole.auc, 12);
    expect(summed.ks).toBeCloseTo(whole.ks, 12);
    expect(summed.logLoss).toBeCloseTo(whole.logLoss, 10);
    expect(summed.brier).toBeCloseTo(whole.brier, 10);
    expect(summed.n).toBe(2001);
    expect(summed.positives).toBe(whole.positives);
    // Each half alone differs from the whole, so the check above is not vacuous.
    expect(metricsFromEvaluation(a, bins).n).toBe(cut);
  });
});
