/**
 * Gradient boosting of trees for binary classification with the logistic loss, in one place:
 * the centralized reference the federated version must reproduce.
 *
 * Model. margin(x) = base + Σ_t f_t(x), p(x) = σ(margin(x)); base = log(ȳ / (1 − ȳ)) from the
 * label mean ȳ, and each tree's leaves already carry the learning rate η (shrinkage, Chen &
 * Guestrin 2016, §2.3). Round t fits tree f_t to the second-order expansion of the logistic loss
 * at the current margins (§2.2): per row, g = p − y and h = p(1 − p).
 *
 * Sampling. Before each tree, every row is kept independently with probability `rowSubsample`
 * (a rule each party can apply to its own rows), and ⌈featureSubsample · F⌉ features are drawn
 * without replacement for the tree's splits; both come from the `rng` argument, and nothing is
 * drawn when the fraction is 1, so training is deterministic given the rng.
 *
 * The trees are grown only through ./tree.ts's histogram → split → partition steps, so the
 * federated version can replace "build the histogram of my rows" by "sum the parties' histograms".
 * Pure module: no I/O, no clock; randomness only from `rng`.
 */
import { shuffleInPlace, uniform01 } from '../random.ts';
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import type { BinnedData } from './bins.ts';
import { checkSplitParams } from './split.ts';
import type { Tree } from './tree.ts';
import { growTree } from './grow.ts';
import { predictTree } from './tree.ts';

/** Options of {@link trainBoosted}; the regularization defaults follow XGBoost's. */
export interface BoostOptions {
  /** Number of trees (boosting rounds). */
  trees: number;
  /** Largest tree depth. Default 6. */
  maxDepth?: number;
  /** Shrinkage η in (0, 1]. Default 0.3. */
  learningRate?: number;
  /** L2 penalty λ on leaf weights. Default 1. */
  lambda?: number;
  /** Minimum split gain γ. Default 0. */
  gamma?: number;
  /** Minimum hessian sum of a child. Default 1. */
  minChildWeight?: number;
  /** Fraction of rows each tree sees, in (0, 1]. Default 1. */
  rowSubsample?: number;
  /** Fraction of features each tree may split on, in (0, 1]. Default 1. */
  featureSubsample?: number;
}

/** A trained boosted model over binned features. */
export interface BoostedModel {
  /** Margin before any tree: the log-odds of the training label mean. */
  baseScore: number;
  /** The trees, in training order; their leaf values include the learning rate. */
  trees: Tree[];
}

/** Logistic function σ(z) = 1 / (1 + e^−z). */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Hessians are kept at least this large, so a saturated row cannot make H + λ vanish when λ = 0. */
const MIN_HESSIAN = 1e-16;

/** Writes the logistic loss's g = p − y and h = p(1 − p) at `margin` into `grad` and `hess`. */
export function logisticGradients(margin: ArrayLike<number>, labels: ArrayLike<number>, grad: Float64Array, hess: Float64Array): void {
  for (let i = 0; i < margin.length; i++) {
    const p = sigmoid(margin[i]!);
    grad[i] = p - labels[i]!;
    hess[i] = Math.max(p * (1 - p), MIN_HESSIAN);
  }
}

/** Options with defaults filled in and checked. */
export function resolveBoostOptions(options: BoostOptions): Required<BoostOptions> {
  const o: Required<BoostOptions> = {
    trees: options.trees,
    maxDepth: options.maxDepth ?? 6,
    learningRate: options.learningRate ?? 0.3,
    lambda: options.lambda ?? 1,
    gamma: options.gamma ?? 0,
    minChildWeight: options.minChildWeight ?? 1,
    rowSubsample: options.rowSubsample ?? 1,
    featureSubsample: options.featureSubsample ?? 1,
  };
  if (!(Number.isInteger(o.trees) && o.trees >= 0)) throw new CoreInputError(`trees must be an integer ≥ 0, got ${o.trees}`, 'trees');
  if (!(Number.isInteger(o.maxDepth) && o.maxDepth >= 0)) throw new CoreInputError(`maxDepth must be an integer ≥ 0, got ${o.maxDepth}`, 'maxDepth');
  for (const name of ['learningRate', 'rowSubsample', 'featureSubsample'] as const) {
    const v = o[name];
    if (!(v > 0 && v <= 1)) throw new CoreInputError(`${name} must be in (0, 1], got ${v}`, name);
  }
  checkSplitParams(o);
  return o;
}

/**
 * The features one tree may split on: all of them when `fraction` is 1 (nothing drawn), else
 * ⌈fraction · featureCount⌉ (at least 1) drawn from `rng` without replacement, ascending.
 */
export function drawTreeFeatures(featureCount: number, fraction: number, rng: Rng): number[] {
  const perTree = Math.max(1, Math.ceil(fraction * featureCount));
  const features = Array.from({ length: featureCount }, (_, f) => f);
  if (perTree >= featureCount) return features;
  return (shuffleInPlace(features, rng) as number[]).slice(0, perTree).sort((a, b) => a - b);
}

/**
 * Trains a boosted model on binned `data` with binary `labels` (1 = positive); `rng` drives the
 * row and feature subsampling. Both classes must be present.
 */
export function trainBoosted(data: BinnedData, labels: ArrayLike<number>, options: BoostOptions, rng: Rng): BoostedModel {
  const o = resolveBoostOptions(options);
  const n = data.n;
  if (labels.length !== n) throw new CoreInputError(`trainBoosted: ${labels.length} labels for ${n} rows`, 'labels');
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y !== 0 && y !== 1) throw new CoreInputError(`trainBoosted: labels[${i}] must be 0 or 1, got ${y}`, 'labels');
    positives += y;
  }
  if (positives === 0 || positives === n) throw new CoreInputError('trainBoosted: the labels need both classes', 'labels');
  const mean = positives / n;
  const baseScore = Math.log(mean / (1 - mean));

  const featureCount = data.columns.length;
  const margin = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const trees: Tree[] = [];
  for (let t = 0; t < o.trees; t++) {
    logisticGradients(margin, labels, grad, hess);
    const rows = o.rowSubsample < 1 ? all.filter(() => uniform01(rng) < o.rowSubsample) : all;
    const features = drawTreeFeatures(featureCount, o.featureSubsample, rng);
    const tree = growTree(data, grad, hess, rows, o, features);
    trees.push(tree);
    for (let i = 0; i < n; i++) margin[i]! += predictTree(tree, data, i);
  }
  return { baseScore, trees };
}

/** Margins (log-odds) of `model` for every row of `data`, binned with the training edges. */
export function predictMargin(model: BoostedModel, data: BinnedData): Float64Array {
  const margin = new Float64Array(data.n).fill(model.baseScore);
  for (const tree of model.trees) {
    for (let i = 0; i < data.n; i++) margin[i]! += predictTree(tree, data, i);
  }
  return margin;
}
