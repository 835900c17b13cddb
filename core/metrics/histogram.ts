/**
 * Federated evaluation from per-class score histograms. Each participant scores its held-out rows and contributes only bin counts and
 * loss sums; the coordinator derives AUC, KS, Gini, log-loss and Brier score from the summed
 * contribution and never sees a raw score.
 *
 * AUC is the Mann–Whitney U statistic (Mann & Whitney 1947; Hanley & McNeil 1982, Radiology 143)
 * with scores in the same bin treated as ties (half credit). KS is the two-sample
 * Kolmogorov–Smirnov distance between the class score distributions, evaluated at bin edges.
 * Positive class = default ("bad") = label 1.
 */
import type { Contribution, ContributionShape } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Probabilities are clipped to [LOG_LOSS_EPSILON, 1 − LOG_LOSS_EPSILON] before taking logs. */
export const LOG_LOSS_EPSILON = 1e-7;

/** Metrics the industry reads off a credit model's evaluation. */
export interface EvalMetrics {
  /** Area under the ROC curve; NaN when one class is empty. */
  auc: number;
  /** Kolmogorov–Smirnov statistic max |TPR − FPR|; NaN when one class is empty. */
  ks: number;
  /** Gini coefficient 2·AUC − 1; NaN when one class is empty. */
  gini: number;
  /** Mean binary cross-entropy; NaN when n = 0. */
  logLoss: number;
  /** Mean squared error of the probability (Brier score); NaN when n = 0. */
  brier: number;
  /** Number of scored rows. */
  n: number;
  /** Number of scored positive (default) rows. */
  positives: number;
}

/**
 * A summed per-class score histogram in a form that stores as JSON: `negatives[b]` and
 * `positives[b]` count the rows of each class whose score fell in bin b of `bins` equal-width bins
 * over [0, 1]. `noised`: the counts carry differential-privacy noise (record-level DP), so they
 * may be fractional or negative.
 */
export interface ScoreHistogram {
  bins: number;
  negatives: number[];
  positives: number[];
  noised: boolean;
}

/** The {@link ScoreHistogram} of a `hist` vector in the layout of {@link scoreHistogram} (length 2·bins). */
export function splitScoreHistogram(hist: ArrayLike<number>, bins: number, noised: boolean): ScoreHistogram {
  checkBins(bins);
  if (hist.length !== 2 * bins) {
    throw new CoreInputError(`hist must have length 2·bins = ${2 * bins}, got ${hist.length}`, 'hist');
  }
  return { bins, negatives: Array.from({ length: bins }, (_, b) => hist[b]!), positives: Array.from({ length: bins }, (_, b) => hist[bins + b]!), noised };
}

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new CoreInputError(`bins must be a positive integer, got ${bins}`, 'bins');
  }
}

function checkLengths(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) {
    throw new CoreInputError(
      `scores and labels differ in length (${scores.length} vs ${labels.length})`,
      'labels',
    );
  }
}

/** The score of row `i`, clamped to [0, 1]; throws on a non-finite score. */
function clampedScore(scores: ArrayLike<number>, i: number): number {
  const s = scores[i]!; // i < scores.length; an absent entry would fail isFinite too
  if (!Number.isFinite(s)) throw new CoreInputError(`scores[${i}] is not finite (${s})`, 'scores');
  return s < 0 ? 0 : s > 1 ? 1 : s;
}

/** The label of row `i`; throws unless it is exactly 0 or 1. */
function binaryLabel(labels: ArrayLike<number>, i: number): 0 | 1 {
  const y = labels[i];
  if (y !== 0 && y !== 1) throw new CoreInputError(`labels[${i}] must be 0 or 1, got ${y}`, 'labels');
  return y;
}

/** Bin of a probability among `bins` equal-width bins over [0, 1] (score clamped, 1 → last bin). */
export function binOf(score: number, bins: number): number {
  const s = score < 0 ? 0 : score > 1 ? 1 : score;
  return Math.min(bins - 1, Math.floor(s * bins));
}

/**
 * Per-class score histogram of length `2·bins`: entries [0, bins) count negatives (label 0),
 * entries [bins, 2·bins) count positives (label 1). Scores are clamped to [0, 1]; non-finite
 * scores, labels other than 0/1 and a length mismatch throw {@link CoreInputError}.
 */
export function scoreHistogram(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins: number,
): Float64Array {
  checkBins(bins);
  checkLengths(scores, labels);
  const hist = new Float64Array(2 * bins);
  for (let i = 0; i < scores.length; i++) {
    const s = clampedScore(scores, i);
    hist[binaryLabel(labels, i) * bins + binOf(s, bins)]! += 1;
  }
  return hist;
}

/** Shape of an evaluation contribution: `hist` (2·bins) and `loss` (logLossSum, brierSum, n, positives). */
export function evaluationShape(bins: number): ContributionShape {
  checkBins(bins);
  return { hist: 2 * bins, loss: 4 };
}

/**
 * One participant's evaluation contribution over its held-out rows:
 * `hist` = {@link scoreHistogram}, `loss` = [Σ log-loss, Σ Brier, n, positives].
 * Log-loss uses probabilities clipped to [1e-7, 1 − 1e-7]; Brier uses the score clamped to [0, 1].
 * An empty set of rows is valid and contributes zeros.
 */
export function evaluationContribution(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins: number,
): Contribution {
  checkBins(bins);
  checkLengths(scores, labels);
  const hist = new Float64Array(2 * bins);
  let logLossSum = 0;
  let brierSum = 0;
  let positives = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = clampedScore(scores, i);
    const y = binaryLabel(labels, i);
    hist[y * bins + binOf(s, bins)]! += 1;
    const p = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, s));
    logLossSum -= y === 1 ? Math.log(p) : Math.log(1 - p);
    brierSum += (s - y) * (s - y);
    positives += y;
  }
  return { hist, loss: Float64Array.of(logLossSum, brierSum, scores.length, positives) };
}

/**
 * AUC and KS from a per-class histogram (layout of {@link scoreHistogram}). Scores in one bin
 * count as ties: a positive and a negative in the same bin earn half credit. KS is
 * max over bin edges of |TPR − FPR|. Both are NaN when either class has zero total count.
 */
export function aucKsFromHistogram(hist: ArrayLike<number>, bins: number): { auc: number; ks: number } {
  checkBins(bins);
  if (hist.length !== 2 * bins) {
    throw new CoreInputError(`hist must have length 2·bins = ${2 * bins}, got ${hist.length}`, 'hist');
  }
  for (let b = 0; b < bins; b++) {
    const neg = hist[b]!;
    const pos = hist[bins + b]!;
    if (!(neg >= 0) || !(pos >= 0) || !Number.isFinite(neg) || !Number.isFinite(pos)) {
      throw new CoreInputError(`hist bin ${b} has an invalid count (neg ${neg}, pos ${pos})`, 'hist');
    }
  }
  return rankStatistics(hist, bins);
}

/**
 * The Mann–Whitney AUC (ties half credit) and the KS distance of a per-class histogram, as
 * {@link aucKsFromHistogram} but without checking the counts, which may be negative or
 * fractional (a noised histogram); NaN when either class total is not positive.
 */
export function rankStatistics(hist: ArrayLike<number>, bins: number): { auc: number; ks: number } {
  let negTotal = 0;
  let posTotal = 0;
  for (let b = 0; b < bins; b++) {
    negTotal += hist[b]!;
    posTotal += hist[bins + b]!;
  }
  if (!(negTotal > 0) || !(posTotal > 0)) return { auc: NaN, ks: NaN };
  let u = 0;
  let negBelow = 0;
  let posBelow = 0;
  let ks = 0;
  for (let b = 0; b < bins; b++) {
    const neg = hist[b]!;
    const pos = hist[bins + b]!;
    u += pos * (negBelow + 0.5 * neg);
    negBelow += neg;
    posBelow += pos;
    // Threshold "score bin > b": FPR = 1 − negBelow/N, TPR = 1 − posBelow/P.
    ks = Math.max(ks, Math.abs(negBelow / negTotal - posBelow / posTotal));
  }
  return { auc: u / (negTotal * posTotal), ks };
}

/**
 * Metrics from a summed evaluation contribution (shape {@link evaluationShape}). AUC, KS and Gini
 * are NaN — not an error — when one class is empty (e.g. a hold-out with no defaults); log-loss
 * and Brier are NaN when n = 0. Throws {@link CoreInputError} on a malformed contribution or a
 * negative / non-finite bin count.
 */
export function metricsFromEvaluation(sum: Contribution, bins: number): EvalMetrics {
  checkBins(bins);
  const hist = sum.hist;
  const loss = sum.loss;
  if (!(hist instanceof Float64Array)) throw new CoreInputError('evaluation sum lacks a "hist" vector', 'sum.hist');
  if (!(loss instanceof Float64Array) || loss.length !== 4) {
    throw new CoreInputError('evaluation sum needs a "loss" vector of length 4', 'sum.loss');
  }
  for (let i = 0; i < 4; i++) {
    if (!Number.isFinite(loss[i])) throw new CoreInputError(`sum.loss[${i}] is not finite`, 'sum.loss');
  }
  const { auc, ks } = aucKsFromHistogram(hist, bins);
  // loss.length === 4 is checked above.
  const logLossSum = loss[0]!;
  const brierSum = loss[1]!;
  const n = loss[2]!;
  const positives = loss[3]!;
  return {
    auc,
    ks,
    gini: 2 * auc - 1,
    logLoss: n > 0 ? logLossSum / n : NaN,
    brier: n > 0 ? brierSum / n : NaN,
    n,
    positives,
  };
}
