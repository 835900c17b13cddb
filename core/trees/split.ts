/**
 * Best split of a tree node from its gradient histogram (./histogram.ts), with the objective of
 * Chen & Guestrin 2016 (XGBoost), §2.2, eqs. 5–7:
 *
 *   leaf weight  w* = −G / (H + λ)
 *   split gain   ½ [ G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ) ] − γ
 *
 * where G, H are the node's sums of loss gradients and hessians and G_L, H_L / G_R, H_R those of
 * the rows sent left / right. A split sends the bins 0 … t of a feature left and the other value
 * bins right; the rows with a missing value go one way as a whole, and the direction is learned
 * by trying both (sparsity-aware split finding, Algorithm 3 of the paper). A split is accepted
 * only when both children have hessian sum ≥ `minChildWeight` (and above rounding residue, see
 * {@link bestSplit}) and the gain is > 0 (beyond rounding), so γ acts as the minimum loss reduction.
 *
 * Only histogram sums are read, so the same function serves a histogram summed over parties.
 * Pure module: no I/O, no randomness.
 */
import { CoreInputError } from '../types.ts';
import type { HistogramLayout } from './histogram.ts';

/** Regularization of the tree objective. */
export interface SplitParams {
  /** L2 penalty λ ≥ 0 on leaf weights. */
  lambda: number;
  /** Penalty γ ≥ 0 per leaf: the smallest gain worth a split. */
  gamma: number;
  /** Smallest hessian sum a child may have. */
  minChildWeight: number;
}

/** A chosen split of a node. */
export interface Split {
  feature: number;
  /** Threshold bin t: value bins 0 … t go left, value bins above t go right. */
  bin: number;
  /** Whether rows with a missing value go left (else right). */
  defaultLeft: boolean;
  /** Split gain (γ already subtracted), > 0. */
  gain: number;
  gradLeft: number;
  hessLeft: number;
  gradRight: number;
  hessRight: number;
}

/** Relative gain difference (to the node's score G²/(H + λ)) below which two splits are tied. */
export const TIE_TOLERANCE = 1e-10;

/**
 * Optimal leaf weight −G / (H + λ). A hessian sum below 0 (only DP noise makes one) counts as 0,
 * and a node with nothing to weigh (H + λ = 0) gets 0.
 */
export function leafWeight(g: number, h: number, lambda: number): number {
  const d = Math.max(h, 0) + lambda;
  return d > 0 ? -g / d : 0;
}

/** Split gain ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ, with G = G_L + G_R and H = H_L + H_R. */
export function splitGain(gl: number, hl: number, gr: number, hr: number, lambda: number, gamma: number): number {
  const score = (g: number, h: number): number => (g * g) / (h + lambda);
  return 0.5 * (score(gl, hl) + score(gr, hr) - score(gl + gr, hl + hr)) - gamma;
}

/** Throws unless the regularization parameters are finite and non-negative. */
export function checkSplitParams(p: SplitParams): void {
  for (const name of ['lambda', 'gamma', 'minChildWeight'] as const) {
    const v = p[name];
    if (!(Number.isFinite(v) && v >= 0)) throw new CoreInputError(`${name} must be finite and ≥ 0, got ${v}`, name);
  }
}

/**
 * The split of highest gain over the features in `features` (default: all), or undefined when no
 * split is allowed or none has positive gain. For each feature and threshold the two missing
 * directions are tried, missing-right first; a later candidate replaces the best only when its
 * gain is higher by more than rounding ({@link TIE_TOLERANCE} times the node's score
 * G²/(H + λ)), so ties go to the lower feature, the lower bin and missing-right; likewise a gain
 * must exceed that rounding level, and a child whose hessian sum is below TIE_TOLERANCE · H
 * counts as empty. The tolerance makes the choice independent of the order in which the
 * histogram was summed: a histogram obtained by subtraction, or summed over parties, holds
 * residues of order 1e−16 in bins that are empty, and without it those residues would break
 * exact ties, or admit a split with an empty child, at random.
 */
export function bestSplit(
  hist: Float64Array,
  layout: HistogramLayout,
  params: SplitParams,
  features?: readonly number[],
): Split | undefined {
  checkSplitParams(params);
  if (hist.length !== layout.length) throw new CoreInputError(`bestSplit: histogram length ${hist.length}, layout ${layout.length}`, 'hist');
  const { lambda, gamma, minChildWeight } = params;
  let best: Split | undefined;
  const consider = (feature: number, bin: number, defaultLeft: boolean, gl: number, hl: number, g: number, h: number): void => {
    const gr = g - gl;
    const hr = h - hl;
    // A child whose hessian sum is rounding residue (of a subtraction or of a sum over parties) is empty.
    const empty = TIE_TOLERANCE * h;
    if (!(hl >= minChildWeight && hr >= minChildWeight && hl > empty && hr > empty)) return;
    const gain = splitGain(gl, hl, gr, hr, lambda, gamma);
    const noise = TIE_TOLERANCE * ((g * g) / (h + lambda));
    if (gain > noise && (best === undefined || gain > best.gain + noise)) {
      best = { feature, bin, defaultLeft, gain, gradLeft: gl, hessLeft: hl, gradRight: gr, hessRight: hr };
    }
  };
  const list = features ?? layout.bins.map((_, f) => f);
  for (const f of list) {
    const bins = layout.bins[f];
    if (bins === undefined) throw new CoreInputError(`bestSplit: no feature ${f}`, 'features');
    const base = 2 * layout.offsets[f]!;
    const missing = bins - 1; // index of the missing bin
    const gMissing = hist[base + 2 * missing]!;
    const hMissing = hist[base + 2 * missing + 1]!;
    // Node totals from this feature's own slots, so they match its prefix sums exactly.
    let g = gMissing;
    let h = hMissing;
    for (let b = 0; b < missing; b++) {
      g += hist[base + 2 * b]!;
      h += hist[base + 2 * b + 1]!;
    }
    // Prefix sums over value bins 0 … t. The last threshold (every value bin left) only
    // separates the missing rows from the rest, so only missing-right is meaningful there.
    let gPrefix = 0;
    let hPrefix = 0;
    for (let t = 0; t < missing; t++) {
      gPrefix += hist[base + 2 * t]!;
      hPrefix += hist[base + 2 * t + 1]!;
      consider(f, t, false, gPrefix, hPrefix, g, h);
      if (t < missing - 1) consider(f, t, true, gPrefix + gMissing, hPrefix + hMissing, g, h);
    }
  }
  return best;
}

/**
 * The node's (G, H) as the mean over every feature of the sums of its slots. Exact histograms give
 * every feature the same sums; noised ones (record-level DP) give independent noisy estimates, and
 * their mean over F features has 1/F of one feature's noise variance — post-processing, free of
 * privacy cost.
 */
export function pooledTotals(hist: Float64Array, layout: HistogramLayout): { g: number; h: number } {
  let g = 0;
  let h = 0;
  for (let i = 0; i < layout.length; i += 2) {
    g += hist[i]!;
    h += hist[i + 1]!;
  }
  const features = layout.bins.length;
  return { g: g / features, h: h / features };
}
