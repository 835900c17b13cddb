import { describe, expect, it } from 'vitest';
import type { ScoreHistogram } from '../../core/metrics/histogram.ts';
import { areaUnder, calibration, classShares, ksCurve, mergeBins, rocCurve } from './curves.ts';

// Three bins; non-defaults 2, 1, 0 and defaults 0, 1, 2. By hand: of the 9 (default, non-default)
// pairs the default scores higher in 8 and ties in 1, so AUC = 8.5 / 9 = 17/18; the class CDFs at
// the bin edges are (2/3, 0), (1, 1/3), (1, 1), so KS = 2/3, first reached at score 1/3.
const h: ScoreHistogram = { bins: 3, negatives: [2, 1, 0], positives: [0, 1, 2], noised: false };

describe('report curves from a score histogram', () => {
  it('ROC curve: thresholds from the top bin down, its area the Mann–Whitney AUC', () => {
    expect(rocCurve(h)).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 2 / 3 },
      { fpr: 1 / 3, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(areaUnder(rocCurve(h))).toBeCloseTo(17 / 18, 12);
    expect(rocCurve({ ...h, positives: [0, 0, 0] })).toEqual([]);
  });

  it('KS curve: the class CDFs at the bin edges and their largest gap', () => {
    const k = ksCurve(h);
    expect(k.edges).toEqual([1 / 3, 2 / 3, 1]);
    expect(k.negativeCdf).toEqual([2 / 3, 1, 1]);
    expect(k.positiveCdf).toEqual([0, 1 / 3, 1]);
    expect(k.ks).toBeCloseTo(2 / 3, 12);
    expect(k.ksAt).toBeCloseTo(1 / 3, 12);
  });

  it('merges bins into score groups and gives each class its shares', () => {
    const six: ScoreHistogram = { bins: 6, negatives: [1, 1, 1, 0, 0, 0], positives: [0, 0, 1, 1, 1, 1], noised: false };
    const g = mergeBins(six, 3);
    expect(g.map((x) => [x.from, x.to, x.negatives, x.positives])).toEqual([[0, 1 / 3, 2, 0], [1 / 3, 2 / 3, 1, 2], [2 / 3, 1, 0, 2]]);
    expect(classShares(g)).toEqual({ negatives: [2 / 3, 1 / 3, 0], positives: [0, 0.5, 0.5] });
  });

  it('calibration: groups of about equal row counts, count-weighted bin midpoints against observed default rates', () => {
    expect(calibration(h, 3)).toEqual([
      { from: 0, to: 1 / 3, negatives: 2, positives: 0, predicted: 1 / 6, observed: 0 },
      { from: 1 / 3, to: 2 / 3, negatives: 1, positives: 1, predicted: 0.5, observed: 0.5 },
      { from: 2 / 3, to: 1, negatives: 0, positives: 2, predicted: 5 / 6, observed: 1 },
    ]);
    // Rows only in bins 2 and 3 of ten: two groups there, not ten mostly empty ones; the empty bins after are no group.
    const narrow: ScoreHistogram = { bins: 10, negatives: [0, 0, 3, 1, 0, 0, 0, 0, 0, 0], positives: [0, 0, 1, 3, 0, 0, 0, 0, 0, 0], noised: false };
    expect(calibration(narrow, 2)).toEqual([
      { from: 0, to: 0.3, negatives: 3, positives: 1, predicted: 0.25, observed: 0.25 },
      { from: 0.3, to: 0.4, negatives: 1, positives: 3, predicted: 0.35, observed: 0.75 },
    ]);
    // Noise: a negative count counts as zero rows; the group's raw sums are kept for the record.
    const noisy: ScoreHistogram = { bins: 2, negatives: [-0.5, 3], positives: [0, 1], noised: true };
    expect(calibration(noisy, 2)).toEqual([{ from: 0, to: 1, negatives: 2.5, positives: 1, predicted: 0.75, observed: 0.25 }]);
  });
});
