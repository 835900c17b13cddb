/**
 * Gradient histograms of a tree node: for every feature and every bin, the sums G and H of the
 * loss's first and second derivatives (g_i, h_i) over the node's rows whose value falls in that
 * bin (Chen & Guestrin 2016, §3.3: split finding only needs these per-bin sums).
 *
 * Layout. One flat Float64Array, so that a histogram can go through the secure sum as a single
 * vector and the sum of the parties' histograms is the histogram of their pooled rows. Features
 * come in order, feature f taking `bins[f]` consecutive slots (its missing bin last), and each
 * slot is the pair (G, H):
 *
 *     hist[2·(offset_f + b)]     = G of feature f, bin b
 *     hist[2·(offset_f + b) + 1] = H of feature f, bin b
 *
 * with offset_f = bins[0] + … + bins[f − 1]; the length is 2·Σ bins[f]. Every feature's slots add
 * up to the node's totals (G, H), since each row falls in exactly one bin of each feature.
 *
 * Histograms are additive in rows: hist(parent) = hist(left child) + hist(right child), which is
 * what lets a tree grower compute one child and get the other by {@link subtractHistogram}.
 *
 * Pure module: no I/O, no randomness.
 */
import { CoreInputError } from '../types.ts';
import type { BinnedData } from './bins.ts';

/** Where each feature's slots sit in a flat histogram. */
export interface HistogramLayout {
  /** Number of bins of each feature, missing bin included. */
  bins: readonly number[];
  /** Slot index of each feature's bin 0 (multiply by 2 for the array index of its G). */
  offsets: Int32Array;
  /** Length of the Float64Array: 2 × the total number of slots. */
  length: number;
}

/** The layout of histograms over features with these bin counts. */
export function histogramLayout(bins: readonly number[]): HistogramLayout {
  const offsets = new Int32Array(bins.length);
  let slots = 0;
  for (const [f, b] of bins.entries()) {
    if (!Number.isInteger(b) || b < 2) throw new CoreInputError(`histogramLayout: feature ${f} has ${b} bins (need an integer ≥ 2)`, 'bins');
    offsets[f] = slots;
    slots += b;
  }
  return { bins: [...bins], offsets, length: 2 * slots };
}

/**
 * Histogram of the node made of `rows` (indices into `data`): per feature and bin, the sums of
 * `grad` and `hess` over those rows. This is what each party computes locally in the federated
 * version; in one place it is the whole computation.
 */
export function buildHistogram(
  layout: HistogramLayout,
  data: BinnedData,
  grad: ArrayLike<number>,
  hess: ArrayLike<number>,
  rows: ArrayLike<number>,
): Float64Array {
  if (data.columns.length !== layout.bins.length) {
    throw new CoreInputError(`buildHistogram: data has ${data.columns.length} features, the layout ${layout.bins.length}`, 'data');
  }
  if (grad.length !== data.n || hess.length !== data.n) {
    throw new CoreInputError(`buildHistogram: ${grad.length} gradients and ${hess.length} hessians for ${data.n} rows`, 'grad');
  }
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    if (!(Number.isInteger(r) && r >= 0 && r < data.n)) throw new CoreInputError(`buildHistogram: rows[${k}] = ${r} is out of range`, 'rows');
  }
  const hist = new Float64Array(layout.length);
  for (const [f, column] of data.columns.entries()) {
    const base = 2 * layout.offsets[f]!;
    const binsOfF = layout.bins[f]!;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const b = column[r]!;
      if (b >= binsOfF) throw new CoreInputError(`buildHistogram: row ${r} has bin ${b} for feature ${f}, which has ${binsOfF} bins`, 'data');
      hist[base + 2 * b]! += grad[r]!;
      hist[base + 2 * b + 1]! += hess[r]!;
    }
  }
  return hist;
}

/** `parent − child`, element-wise: the histogram of the parent's other child. */
export function subtractHistogram(parent: Float64Array, child: Float64Array): Float64Array {
  if (parent.length !== child.length) {
    throw new CoreInputError(`subtractHistogram: lengths differ (${parent.length} vs ${child.length})`, 'child');
  }
  const out = new Float64Array(parent.length);
  for (let i = 0; i < parent.length; i++) out[i] = parent[i]! - child[i]!;
  return out;
}

/** Element-wise sum of histograms over the same layout: the pooled histogram of the parties' rows. */
export function sumHistograms(histograms: readonly Float64Array[]): Float64Array {
  const first = histograms[0];
  if (first === undefined) throw new CoreInputError('sumHistograms: no histograms', 'histograms');
  const out = new Float64Array(first.length);
  for (const [j, h] of histograms.entries()) {
    if (h.length !== out.length) throw new CoreInputError(`sumHistograms: histogram ${j} has length ${h.length}, not ${out.length}`, 'histograms');
    for (let i = 0; i < out.length; i++) out[i]! += h[i]!;
  }
  return out;
}

/** The node's totals (G, H) read off feature `feature`'s slots (every feature gives the same totals up to rounding). */
export function nodeTotals(hist: Float64Array, layout: HistogramLayout, feature = 0): { g: number; h: number } {
  const bins = layout.bins[feature];
  if (bins === undefined) throw new CoreInputError(`nodeTotals: no feature ${feature}`, 'feature');
  const base = 2 * layout.offsets[feature]!;
  let g = 0;
  let h = 0;
  for (let b = 0; b < bins; b++) {
    g += hist[base + 2 * b]!;
    h += hist[base + 2 * b + 1]!;
  }
  return { g, h };
}
