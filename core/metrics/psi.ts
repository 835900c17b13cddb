/**
 * Population stability index (PSI) between two binned distributions, the
 * credit-industry monitor of score or feature drift:
 *   PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)
 * over the bin proportions e (expected / development sample) and a (actual / current sample);
 * it is the symmetrised Kullback–Leibler divergence KL(a‖e) + KL(e‖a) (Siddiqi 2006,
 * "Credit Risk Scorecards", ch. 8; Yurdakul 2018). Empty bins are handled by additive smoothing
 * of the proportions, e_i = (E_i/ΣE + ε) / (1 + kε), so PSI stays finite.
 *
 * Inputs are counts (for example the score distribution of a summed evaluation histogram), so
 * PSI is computed from aggregates only.
 */
import { CoreInputError } from '../types.ts';

/** Default additive smoothing applied to bin proportions. */
export const PSI_EPSILON = 1e-4;

/** Conventional reading of a PSI value: < 0.1 stable, 0.1–0.25 moderate shift, ≥ 0.25 significant shift. */
export type PsiBand = 'stable' | 'moderate' | 'significant';

function checkCounts(counts: ArrayLike<number>, parameter: string): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c === undefined || !Number.isFinite(c) || c < 0) {
      throw new CoreInputError(`${parameter}[${i}] must be a finite non-negative count, got ${c}`, parameter);
    }
    total += c;
  }
  if (total <= 0) throw new CoreInputError(`${parameter} has no mass (all counts are zero)`, parameter);
  return total;
}

/**
 * PSI between `expected` and `actual` bin counts (same binning, same length ≥ 1), with additive
 * smoothing `epsilon` ≥ 0 on the proportions. With `epsilon` = 0, a bin empty on exactly one
 * side makes PSI infinite.
 */
export function populationStability(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  epsilon: number = PSI_EPSILON,
): number {
  if (expected.length === 0) throw new CoreInputError('expected must have at least one bin', 'expected');
  if (actual.length !== expected.length) {
    throw new CoreInputError(
      `actual has ${actual.length} bins but expected has ${expected.length}`,
      'actual',
    );
  }
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw new CoreInputError(`epsilon must be finite and ≥ 0, got ${epsilon}`, 'epsilon');
  }
  const eTotal = checkCounts(expected, 'expected');
  const aTotal = checkCounts(actual, 'actual');
  const k = expected.length;
  const norm = 1 + k * epsilon;
  let psi = 0;
  for (let i = 0; i < k; i++) {
    const e = (expected[i]! / eTotal + epsilon) / norm;
    const a = (actual[i]! / aTotal + epsilon) / norm;
    if (a === e) continue; // also covers the 0·ln(0/0) case when epsilon = 0
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** The conventional {@link PsiBand} of a PSI value. */
export function psiBand(psi: number): PsiBand {
  if (Number.isNaN(psi)) throw new CoreInputError('psi is NaN', 'psi');
  return psi < 0.1 ? 'stable' : psi < 0.25 ? 'moderate' : 'significant';
}

/**
 * Score distribution (both classes together) of a per-class histogram laid out as by
 * `scoreHistogram` (negatives in [0, bins), positives in [bins, 2·bins)).
 */
export function scoreDistribution(hist: ArrayLike<number>, bins: number): Float64Array {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new CoreInputError(`bins must be a positive integer, got ${bins}`, 'bins');
  }
  if (hist.length !== 2 * bins) {
    throw new CoreInputError(`hist must have length 2·bins = ${2 * bins}, got ${hist.length}`, 'hist');
  }
  const out = new Float64Array(bins);
  for (let b = 0; b < bins; b++) out[b] = hist[b]! + hist[bins + b]!;
  return out;
}

/**
 * Merges adjacent bins of `counts` into `groups` equal groups (e.g. 1000 score bins into 10
 * bands, the usual granularity of a PSI report). `counts.length` must be a multiple of `groups`.
 */
export function coarsen(counts: ArrayLike<number>, groups: number): Float64Array {
  if (!Number.isInteger(groups) || groups < 1 || counts.length % groups !== 0) {
    throw new CoreInputError(
      `groups must be a positive integer dividing ${counts.length}, got ${groups}`,
      'groups',
    );
  }
  const width = counts.length / groups;
  const out = new Float64Array(groups);
  for (let i = 0; i < counts.length; i++) out[Math.floor(i / width)]! += counts[i]!;
  return out;
}
