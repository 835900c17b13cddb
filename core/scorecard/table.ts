/**
 * The scorecard of a logistic regression: points per categorical level and per bin of each
 * numeric feature, on the log-odds scaling of points.ts. With the model's logit
 * z = b + Σⱼ wⱼ·xⱼ over its standardized inputs, an applicant's points are
 *
 *     offset − factor·z  =  (offset − factor·b)  +  Σⱼ (−factor·wⱼ·xⱼ)
 *                            base points            per-feature points
 *
 * Conventions (docs/exports.md#scorecard):
 *  - Base points, offset − factor·b, are a row of their own; they are not spread over features.
 *  - A categorical level's points are −factor·w of its one-hot input: exact.
 *  - A numeric feature's points are linear in its transformed value t (the schema's `log` applied
 *    and clipped to its range): −factor·w/std per unit of t ("points per unit"), zero at the mean.
 *    Bins have edges at mean + k·std (k = −2, −1, 0, 1, 2 by default) in t, shown in original
 *    units; a feature with a range keeps the edges inside it and is bounded by it. A bin's points
 *    are those of its midpoint in t; an open-ended bin's representative is half a std beyond its
 *    finite edge. The "missing" row holds the imputed value's points plus the missing indicator's.
 * The table's points add up to the model's score exactly for categorical features and up to the
 * binning of the numeric ones.
 */
import type { Preprocessing } from '../data/preprocess.ts';
import type { DataSchema, NumericFeature } from '../data/schema.ts';
import { encodedLevels, inputDim, transformValue } from '../data/schema.ts';
import { CoreInputError } from '../types.ts';
import type { PointsScaling } from './points.ts';
import { pointsFactors } from './points.ts';

/** Multiples of the standard deviation at which numeric bins are cut, by default. */
export const DEFAULT_BIN_EDGES_STD: readonly number[] = [-2, -1, 0, 1, 2];

/** One row of a scorecard. */
export interface ScorecardRow {
  /** The feature's name; "(base)" for the base points. */
  feature: string;
  kind: 'base' | 'level' | 'bin' | 'missing';
  /** The level, the bin as "[low, high)" in original units, "missing" or "base points". */
  label: string;
  /** A bin's bounds and representative value, in the feature's original units (±Infinity when open). */
  low?: number;
  high?: number;
  value?: number;
  points: number;
}

/** The linear part of a numeric feature. */
export interface NumericPoints {
  feature: string;
  transform: NumericFeature['transform'];
  mean: number;
  std: number;
  /** Points per unit of the transformed value (of the original value when the transform is "none"). */
  pointsPerUnit: number;
}

/** A logistic regression's scorecard. */
export interface Scorecard {
  scaling: PointsScaling;
  factor: number;
  offset: number;
  /** The model's intercept b. */
  intercept: number;
  /** offset − factor·b. */
  basePoints: number;
  rows: ScorecardRow[];
  numeric: NumericPoints[];
}

/** The linear model a scorecard is made of: one weight per `featureNames(schema)` input, and the intercept. */
export interface LinearModel {
  weights: ArrayLike<number>;
  intercept: number;
}

/** Options of {@link scorecardTable}. */
export interface ScorecardOptions {
  /** Multiples of std at which numeric bins are cut (increasing); default {@link DEFAULT_BIN_EDGES_STD}. */
  binEdgesStd?: readonly number[];
}

/** The original value whose transformed value is `t` (the inverse of the schema's transform). */
export function untransform(f: NumericFeature, t: number): number {
  return f.transform === 'log' ? Math.sign(t) * Math.expm1(Math.abs(t)) : t;
}

function numericBins(f: NumericFeature, mean: number, std: number, ks: readonly number[]): { low: number; high: number; rep: number }[] {
  const [lo, hi] = f.range ?? [-Infinity, Infinity];
  const cuts = ks.map((k) => mean + k * std).filter((e) => e > lo && e < hi);
  const edges = [lo, ...cuts, hi];
  const bins: { low: number; high: number; rep: number }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const low = edges[i]!;
    const high = edges[i + 1]!;
    const rep = Number.isFinite(low) && Number.isFinite(high) ? (low + high) / 2 : Number.isFinite(high) ? high - std / 2 : Number.isFinite(low) ? low + std / 2 : mean;
    bins.push({ low, high, rep });
  }
  return bins;
}

const fmtBound = (x: number) => (x === -Infinity ? '-inf' : x === Infinity ? 'inf' : String(Number(x.toPrecision(6))));

/** The scorecard of a logistic regression over `schema` with standardization `prep`. */
export function scorecardTable(schema: DataSchema, prep: Pick<Preprocessing, 'mean' | 'std'>, model: LinearModel, scaling: PointsScaling, o: ScorecardOptions = {}): Scorecard {
  const d = inputDim(schema);
  if (model.weights.length !== d) throw new CoreInputError(`a scorecard needs ${d} weights for the schema's inputs, got ${model.weights.length}`, 'weights');
  if (prep.mean.length !== schema.numeric.length || prep.std.length !== schema.numeric.length) {
    throw new CoreInputError(`preprocessing has ${prep.mean.length} means and ${prep.std.length} stds for ${schema.numeric.length} numeric features`, 'prep');
  }
  const ks = o.binEdgesStd ?? DEFAULT_BIN_EDGES_STD;
  if (ks.length === 0 || ks.some((k, i) => !Number.isFinite(k) || (i > 0 && k <= ks[i - 1]!))) {
    throw new CoreInputError(`bin edges must be increasing finite multiples of std, got [${ks.join(', ')}]`, 'binEdgesStd');
  }
  const { factor, offset } = pointsFactors(scaling);
  const basePoints = offset - factor * model.intercept;
  const rows: ScorecardRow[] = [{ feature: '(base)', kind: 'base', label: 'base points', points: basePoints }];
  const numeric: NumericPoints[] = [];
  let c = 0;
  schema.numeric.forEach((f, j) => {
    const mean = prep.mean[j]!;
    const std = prep.std[j]!;
    const w = model.weights[c]!;
    const wMissing = f.indicator ? model.weights[c + 1]! : 0;
    const pointsPerUnit = (-factor * w) / std;
    numeric.push({ feature: f.name, transform: f.transform, mean, std, pointsPerUnit });
    for (const b of numericBins(f, mean, std, ks)) {
      const low = untransform(f, b.low);
      const high = untransform(f, b.high);
      const closed = f.range && b.high === f.range[1] ? ']' : ')';
      rows.push({ feature: f.name, kind: 'bin', label: `[${fmtBound(low)}, ${fmtBound(high)}${closed}`, low, high, value: untransform(f, b.rep), points: pointsPerUnit * (b.rep - mean) });
    }
    if (f.missing !== 'error') {
      const x = f.missing === 'mean' ? 0 : (transformValue(f, 0) - mean) / std;
      rows.push({ feature: f.name, kind: 'missing', label: 'missing', points: -factor * (w * x + wMissing) });
    }
    c += f.indicator ? 2 : 1;
  });
  for (const f of schema.categorical) {
    for (const level of encodedLevels(f)) rows.push({ feature: f.name, kind: 'level', label: level, points: -factor * model.weights[c++]! });
  }
  return { scaling, factor, offset, intercept: model.intercept, basePoints, rows, numeric };
}
