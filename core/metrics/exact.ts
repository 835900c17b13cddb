/**
 * Exact AUC and KS from raw scores, for local use only: the reference the histogram metrics are
 * tested against, and what the simulation harness computes when it scores a model in one place.
 * Raw scores never leave a participant; federated evaluation uses ./histogram instead.
 *
 * AUC is the Mann–Whitney U statistic via mid-ranks (ties get half credit; Hanley & McNeil 1982),
 * O(n log n). KS is the two-sample Kolmogorov–Smirnov distance sup_t |F_pos(t) − F_neg(t)|,
 * evaluated between groups of tied scores so ties are never split.
 * Positive class = default ("bad") = label 1.
 */
import { CoreInputError } from '../types.ts';
import { LOG_LOSS_EPSILON } from './histogram.ts';

/** Scores sorted ascending with their labels, plus class totals. */
interface Sorted {
  scores: Float64Array;
  labels: Uint8Array;
  positives: number;
  negatives: number;
}

/** Validates the inputs and returns them sorted by score (ascending). */
function sortByScore(scores: ArrayLike<number>, labels: ArrayLike<number>): Sorted {
  if (scores.length !== labels.length) {
    throw new CoreInputError(
      `scores and labels differ in length (${scores.length} vs ${labels.length})`,
      'labels',
    );
  }
  const n = scores.length;
  const order = new Uint32Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    const y = labels[i];
    if (!Number.isFinite(s)) throw new CoreInputError(`scores[${i}] is not finite (${s})`, 'scores');
    if (y !== 0 && y !== 1) throw new CoreInputError(`labels[${i}] must be 0 or 1, got ${y}`, 'labels');
    positives += y;
    order[i] = i;
  }
  // order holds indices below n = scores.length = labels.length.
  order.sort((a, b) => scores[a]! - scores[b]!);
  const sortedScores = new Float64Array(n);
  const sortedLabels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    sortedScores[k] = scores[i]!;
    sortedLabels[k] = labels[i]!;
  }
  return { scores: sortedScores, labels: sortedLabels, positives, negatives: n - positives };
}

/** Index one past the end of the run of scores equal to `s.scores[start]`. */
function tieEnd(s: Sorted, start: number): number {
  let end = start + 1;
  while (end < s.scores.length && s.scores[end] === s.scores[start]) end++;
  return end;
}

/**
 * Exact ROC AUC of `scores` for binary `labels` (1 = default): the probability that a random
 * positive outscores a random negative, ties counting one half. NaN when one class is empty.
 */
export function exactAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const s = sortByScore(scores, labels);
  if (s.positives === 0 || s.negatives === 0) return NaN;
  let rankSumPos = 0;
  for (let start = 0; start < s.scores.length; ) {
    const end = tieEnd(s, start);
    const midRank = (start + 1 + end) / 2; // mean of 1-based ranks start+1 … end
    let posInGroup = 0;
    for (let k = start; k < end; k++) posInGroup += s.labels[k]!;
    rankSumPos += midRank * posInGroup;
    start = end;
  }
  const u = rankSumPos - (s.positives * (s.positives + 1)) / 2;
  return u / (s.positives * s.negatives);
}

/**
 * Exact KS statistic: max over score thresholds of |TPR − FPR|, i.e. the largest gap between
 * the empirical score CDFs of positives and negatives. NaN when one class is empty.
 */
export function exactKs(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const s = sortByScore(scores, labels);
  if (s.positives === 0 || s.negatives === 0) return NaN;
  let posBelow = 0;
  let negBelow = 0;
  let ks = 0;
  for (let start = 0; start < s.scores.length; ) {
    const end = tieEnd(s, start);
    for (let k = start; k < end; k++) {
      if (s.labels[k] === 1) posBelow++;
      else negBelow++;
    }
    ks = Math.max(ks, Math.abs(posBelow / s.positives - negBelow / s.negatives));
    start = end;
  }
  return ks;
}

/** Mean log loss of probabilities `p` for binary `labels`, each p clipped to [ε, 1 − ε] (ε = LOG_LOSS_EPSILON). */
export function meanLogLoss(p: ArrayLike<number>, labels: ArrayLike<number>): number {
  const eps = LOG_LOSS_EPSILON;
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i]!));
    s -= labels[i]! * Math.log(q) + (1 - labels[i]!) * Math.log(1 - q);
  }
  return s / p.length;
}
