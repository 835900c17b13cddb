/**
 * The curves a job report draws from one summed per-class score histogram (the coordinator's
 * view of the final evaluation): the ROC curve, the two class CDFs whose largest gap is KS, the
 * score distribution of each class and a calibration table. Counts may be noised (record-level
 * DP): the ROC and CDF curves use the counts as they are, so the area under the ROC curve is the
 * AUC the coordinator reported; shares and default rates, which must lie in [0, 1], use the
 * counts floored at zero.
 */
import type { ScoreHistogram } from '../../core/metrics/histogram.ts';

/** A point of the ROC curve: false- and true-positive rates at one score threshold. */
export interface RocPoint {
  fpr: number;
  tpr: number;
}

/** The class CDFs at each bin's upper edge; KS is the largest gap, reached at `ksAt`. */
export interface KsCurve {
  edges: number[];
  negativeCdf: number[];
  positiveCdf: number[];
  ks: number;
  ksAt: number;
}

/** One group of merged bins: its score range and what it holds. */
export interface ScoreGroup {
  from: number;
  to: number;
  negatives: number;
  positives: number;
}

/** A calibration row: mean predicted default probability vs the observed default rate of a score group. */
export interface CalibrationRow extends ScoreGroup {
  predicted: number;
  observed: number;
}

const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
const floor0 = (x: number) => (x > 0 ? x : 0);

/**
 * The ROC curve, thresholds from above the top bin down to 0: (0, 0) first, (1, 1) last. NaN
 * rates (an empty class) give an empty curve.
 */
export function rocCurve(h: ScoreHistogram): RocPoint[] {
  const n = sum(h.negatives);
  const p = sum(h.positives);
  if (!(n > 0) || !(p > 0)) return [];
  const out: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let negAbove = 0;
  let posAbove = 0;
  for (let b = h.bins - 1; b >= 0; b--) {
    negAbove += h.negatives[b]!;
    posAbove += h.positives[b]!;
    if (h.negatives[b] === 0 && h.positives[b] === 0 && b > 0) continue;
    out.push({ fpr: negAbove / n, tpr: posAbove / p });
  }
  return out;
}

/** Area under a ROC curve by the trapezoid rule (equals the Mann–Whitney AUC with ties at half credit). */
export function areaUnder(curve: RocPoint[]): number {
  let a = 0;
  for (let i = 1; i < curve.length; i++) a += ((curve[i]!.fpr - curve[i - 1]!.fpr) * (curve[i]!.tpr + curve[i - 1]!.tpr)) / 2;
  return a;
}

/** The class CDFs over the bins' upper edges, and where they are furthest apart. */
export function ksCurve(h: ScoreHistogram): KsCurve {
  const n = sum(h.negatives);
  const p = sum(h.positives);
  const out: KsCurve = { edges: [], negativeCdf: [], positiveCdf: [], ks: NaN, ksAt: NaN };
  if (!(n > 0) || !(p > 0)) return out;
  let neg = 0;
  let pos = 0;
  out.ks = 0;
  for (let b = 0; b < h.bins; b++) {
    neg += h.negatives[b]!;
    pos += h.positives[b]!;
    const edge = (b + 1) / h.bins;
    out.edges.push(edge);
    out.negativeCdf.push(neg / n);
    out.positiveCdf.push(pos / p);
    const gap = Math.abs(neg / n - pos / p);
    // The first edge where the gap is largest (ties within rounding keep the earlier edge).
    if (gap > out.ks + 1e-12) {
      out.ks = gap;
      out.ksAt = edge;
    }
  }
  return out;
}

/** The histogram's bins merged into `groups` equal score ranges (fewer when there are fewer bins). */
export function mergeBins(h: ScoreHistogram, groups: number): ScoreGroup[] {
  const g = Math.max(1, Math.min(groups, h.bins));
  const out: ScoreGroup[] = Array.from({ length: g }, (_, i) => ({ from: i / g, to: (i + 1) / g, negatives: 0, positives: 0 }));
  for (let b = 0; b < h.bins; b++) {
    const group = out[Math.min(g - 1, Math.floor((b * g) / h.bins))]!;
    group.negatives += h.negatives[b]!;
    group.positives += h.positives[b]!;
  }
  return out;
}

/** Share of each class's rows per score group (counts floored at zero), for the distribution chart. */
export function classShares(groups: ScoreGroup[]): { negatives: number[]; positives: number[] } {
  const n = sum(groups.map((g) => floor0(g.negatives)));
  const p = sum(groups.map((g) => floor0(g.positives)));
  return {
    negatives: groups.map((g) => (n > 0 ? floor0(g.negatives) / n : 0)),
    positives: groups.map((g) => (p > 0 ? floor0(g.positives) / p : 0)),
  };
}

/**
 * Calibration over up to `groups` score groups of about equal row counts (bins are merged in
 * score order until a group holds its share of the rows, so the groups follow where the scores
 * lie rather than splitting [0, 1] evenly). The predicted default probability of a group is the
 * count-weighted mean of its bins' midpoints (the histogram keeps no exact scores), the observed
 * one its default rate; both use counts floored at zero (noise). Empty groups are left out.
 */
export function calibration(h: ScoreHistogram, groups = 10): CalibrationRow[] {
  const rowsOf = (b: number) => floor0(h.negatives[b]!) + floor0(h.positives[b]!);
  let total = 0;
  for (let b = 0; b < h.bins; b++) total += rowsOf(b);
  if (!(total > 0)) return [];
  const g = Math.max(1, Math.min(groups, h.bins));
  const rows: CalibrationRow[] = [];
  let open = { first: 0, negatives: 0, positives: 0, rows: 0, pos: 0, weighted: 0 };
  let seen = 0;
  for (let b = 0; b < h.bins; b++) {
    const n = rowsOf(b);
    open.negatives += h.negatives[b]!;
    open.positives += h.positives[b]!;
    open.rows += n;
    open.pos += floor0(h.positives[b]!);
    open.weighted += ((b + 0.5) / h.bins) * n;
    seen += n;
    // Close the group once it reaches its share of all rows (the last bin closes the last one).
    if (seen >= ((rows.length + 1) * total) / g - 1e-9 || b === h.bins - 1) {
      if (open.rows > 0) {
        rows.push({ from: open.first / h.bins, to: (b + 1) / h.bins, negatives: open.negatives, positives: open.positives, predicted: open.weighted / open.rows, observed: open.pos / open.rows });
      }
      open = { first: b + 1, negatives: 0, positives: 0, rows: 0, pos: 0, weighted: 0 };
    }
  }
  return rows;
}
