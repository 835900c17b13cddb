/**
 * Per-feature contributions to an applicant's default log-odds, the basis of reason codes.
 *
 * The reference applicant: every numeric feature at the federated mean of its (transformed,
 * clipped) value and not missing — standardized input 0, missing indicator 0 — and every
 * categorical feature with none of its one-hot levels set. A feature's contribution is the change
 * of the model's logit when the applicant's own value of that feature (all of its inputs: a
 * numeric value with its missing indicator, or a categorical feature's one-hot group) is replaced
 * by the reference value, the other features kept:
 *
 *     c_j(x) = f(x) − f(x with feature j at the reference)
 *
 * For logistic regression f is linear, so c_j = Σ_{inputs k of j} w_k·x_k exactly and
 * f(x) = b + Σ_j c_j (b = the bias, the reference applicant's logit). For the MLP, custom models
 * and gbdt the same replacement is computed by scoring the modified rows; it is deterministic but
 * not additive (interactions are split arbitrarily, and the c_j need not sum to f(x) − f(reference)).
 *
 * Dense models' logits other than logistic regression's are recovered from their float32
 * probabilities, clamped to [1e-7, 1 − 1e-7]; gbdt margins are exact float64 sums of leaves.
 */
import type { DataSchema } from '../core/data/schema.ts';
import { encodedLevels } from '../core/data/schema.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { boostedMargins, unpackBoosted } from '../core/trees/model-pack.ts';
import { predictScores } from '../participant/trainer/predict.ts';
import type { PackagedModel } from './package-load.ts';

/** Contributions of every applicant: `contrib[i·F + j]` for applicant i and schema feature j. */
export interface Attributions {
  /** Number of schema features F (numeric, then categorical, in schema order). */
  features: number;
  contrib: Float64Array;
}

/** The input columns (and their reference values) of each schema feature in a model's input row. */
export interface FeatureColumns {
  columns: number[];
  reference: number[];
}

/** Clamp of probabilities before taking a logit (the evaluation's log-loss clamp). */
const LOGIT_CLAMP = 1e-7;

/** ln(p / (1 − p)) of a probability clamped to [1e-7, 1 − 1e-7]. */
export function logitOf(p: number): number {
  const q = Math.min(1 - LOGIT_CLAMP, Math.max(LOGIT_CLAMP, p));
  return Math.log(q / (1 - q));
}

/** Each schema feature's columns among the dense models' inputs (reference 0 everywhere). */
export function denseFeatureColumns(schema: DataSchema): FeatureColumns[] {
  const out: FeatureColumns[] = [];
  let c = 0;
  for (const f of schema.numeric) {
    const width = f.indicator ? 2 : 1;
    out.push({ columns: Array.from({ length: width }, (_, k) => c + k), reference: new Array<number>(width).fill(0) });
    c += width;
  }
  for (const f of schema.categorical) {
    const width = encodedLevels(f).length;
    out.push({ columns: Array.from({ length: width }, (_, k) => c + k), reference: new Array<number>(width).fill(0) });
    c += width;
  }
  return out;
}

/** Each schema feature's columns among the tree features (numeric reference: its federated mean). */
export function treeFeatureColumns(schema: DataSchema, prep: Pick<PreprocessingParams, 'mean'>): FeatureColumns[] {
  const out: FeatureColumns[] = schema.numeric.map((_, j) => ({ columns: [j], reference: [prep.mean[j]!] }));
  let c = schema.numeric.length;
  for (const f of schema.categorical) {
    const width = encodedLevels(f).length;
    out.push({ columns: Array.from({ length: width }, (_, k) => c + k), reference: new Array<number>(width).fill(0) });
    c += width;
  }
  return out;
}

/** Exact contributions w_k·x_k of a logistic regression (weights: kernel d × 1, then the bias). */
export function logisticAttributions(weights: Float32Array, x: Float32Array, inputDim: number, groups: FeatureColumns[]): Attributions {
  const n = x.length / inputDim;
  const F = groups.length;
  const contrib = new Float64Array(n * F);
  for (let i = 0; i < n; i++) {
    groups.forEach((g, j) => {
      let s = 0;
      for (const c of g.columns) s += weights[c]! * x[i * inputDim + c]!;
      contrib[i * F + j] = s;
    });
  }
  return { features: F, contrib };
}

/**
 * Contributions by replacement, for any scorer of row-major rows: `logits(rows)` is called once
 * on the applicants and once per feature on the applicants with that feature at its reference.
 */
export function replacementAttributions<A extends Float32Array | Float64Array>(x: A, inputDim: number, groups: FeatureColumns[], logits: (rows: A) => ArrayLike<number>): Attributions {
  const n = x.length / inputDim;
  const F = groups.length;
  const base = logits(x);
  const contrib = new Float64Array(n * F);
  groups.forEach((g, j) => {
    const moved = x.slice() as A;
    for (let i = 0; i < n; i++) g.columns.forEach((c, k) => (moved[i * inputDim + c] = g.reference[k]!));
    const out = logits(moved);
    for (let i = 0; i < n; i++) contrib[i * F + j] = base[i]! - out[i]!;
  });
  return { features: F, contrib };
}

/** Contributions of a dense model's applicants `x` (encoded rows). */
export function denseAttributions(model: Extract<PackagedModel, { kind: 'dense' }>, schema: DataSchema, x: Float32Array): Attributions {
  const groups = denseFeatureColumns(schema);
  if (model.spec.type === 'logistic') return logisticAttributions(model.weights, x, model.inputDim, groups);
  return replacementAttributions(x, model.inputDim, groups, (rows) => Array.from(predictScores(model.spec, model.inputDim, model.weights, rows), logitOf));
}

/** Contributions of a gbdt model's applicants, from their tree features (row-major, `features.length` wide). */
export function treeAttributions(model: Extract<PackagedModel, { kind: 'gbdt' }>, schema: DataSchema, prep: Pick<PreprocessingParams, 'mean'>, rows: Float64Array): Attributions {
  const d = model.features.length;
  const scoring = unpackBoosted(model.packed, d);
  const margins = (r: Float64Array) => {
    const n = r.length / d;
    const columns = Array.from({ length: d }, (_, f) => Float64Array.from({ length: n }, (_, i) => r[i * d + f]!));
    return boostedMargins(scoring, columns);
  };
  return replacementAttributions(rows, d, treeFeatureColumns(schema, prep), margins);
}
