/**
 * DeLong's test for two correlated AUCs (pure): the difference of two models' AUCs on the same
 * rows and its standard error (DeLong, DeLong & Clarke-Pearson 1988, "Comparing the areas under
 * two or more correlated receiver operating characteristic curves: a nonparametric approach",
 * Biometrics 44(3)). The AUC is the mean over (positive, negative) pairs of
 * ψ = 1 if the positive scores higher, ½ on a tie, 0 otherwise. Its structural components are
 * each positive's mean ψ against all negatives (V10) and each negative's mean ψ against all
 * positives (V01); for two models scored on the same rows,
 *
 *   Var(AUC_a − AUC_b) ≈ s²(V10_a − V10_b)/m + s²(V01_a − V01_b)/n,
 *
 * m positives, n negatives, s² the sample variance. The components are computed from midranks
 * in O(N log N) (Sun & Xu 2014, "Fast implementation of DeLong's algorithm for comparing the
 * areas under correlated receiver operating characteristic curves", IEEE Signal Processing
 * Letters 21(11)): V10_i = (rank of positive i among all rows − its rank among positives)/n.
 *
 * Pairing is what makes the test useful for choosing between models of one member: the two
 * models' errors on the same rows are strongly correlated, so their difference is measured far
 * more precisely than either AUC alone.
 */
import { CoreInputError } from '../types.ts';

/** 1-based ranks of `values`, ties sharing the mean of their ranks. */
export function midranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = rank;
    i = j + 1;
  }
  return out;
}

/** A model's AUC and its structural components over the positives (v10) and the negatives (v01). */
interface Components {
  auc: number;
  v10: Float64Array;
  v01: Float64Array;
}

function components(scores: ArrayLike<number>, labels: ArrayLike<number>): Components {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) throw new CoreInputError(`score ${i} is ${s}; every score must be finite`, 'scores');
    (labels[i] === 1 ? pos : neg).push(s);
  }
  const m = pos.length;
  const n = neg.length;
  const all = midranks([...pos, ...neg]);
  const withinPos = midranks(pos);
  const withinNeg = midranks(neg);
  const v10 = Float64Array.from(pos, (_, i) => (all[i]! - withinPos[i]!) / n);
  const v01 = Float64Array.from(neg, (_, j) => 1 - (all[m + j]! - withinNeg[j]!) / m);
  let sum = 0;
  for (const v of v10) sum += v;
  return { auc: sum / m, v10, v01 };
}

function sampleVariance(a: Float64Array, b: Float64Array): number {
  const k = a.length;
  if (k < 2) return 0;
  let mean = 0;
  for (let i = 0; i < k; i++) mean += a[i]! - b[i]!;
  mean /= k;
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (a[i]! - b[i]! - mean) ** 2;
  return ss / (k - 1);
}

/** AUC_a − AUC_b on the same rows, and DeLong's standard error of it. */
export interface AucDifference {
  aucA: number;
  aucB: number;
  difference: number;
  standardError: number;
}

/**
 * Compares two models scored on the same rows (`labels` 0/1). Throws {@link CoreInputError}
 * when the arrays differ in length, a label is not 0 or 1, a score is not finite, or a class is
 * missing (no AUC exists then).
 */
export function pairedAucDifference(a: ArrayLike<number>, b: ArrayLike<number>, labels: ArrayLike<number>): AucDifference {
  if (a.length !== labels.length || b.length !== labels.length) {
    throw new CoreInputError(`scores (${a.length}, ${b.length}) and labels (${labels.length}) differ in length`, 'labels');
  }
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new CoreInputError(`labels[${i}] must be 0 or 1, got ${y}`, 'labels');
    positives += y;
  }
  if (positives === 0 || positives === labels.length) throw new CoreInputError('the rows hold one class only: no AUC to compare', 'labels');
  const ca = components(a, labels);
  const cb = components(b, labels);
  const variance = sampleVariance(ca.v10, cb.v10) / ca.v10.length + sampleVariance(ca.v01, cb.v01) / ca.v01.length;
  return { aucA: ca.auc, aucB: cb.auc, difference: ca.auc - cb.auc, standardError: Math.sqrt(Math.max(0, variance)) };
}
