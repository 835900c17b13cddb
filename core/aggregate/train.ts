/**
 * The train contribution of one participant in a FedAvg round (McMahan et al., AISTATS 2017,
 * "Communication-Efficient Learning of Deep Networks from Decentralized Data").
 *
 * FedAvg averages client models weighted by their example counts n_k:
 *   w' = w + Σ_k n_k (w_k − w) / Σ_k n_k.
 * Each participant therefore sends its update pre-multiplied by n_k together with n_k itself, so
 * the weighted mean is a ratio of two plain sums. That keeps the whole computation on the one
 * summation path; with secure aggregation (core/round/secure-sum.ts) both sums are masked.
 *
 * Vectors: `update` = n·(local − global), `weight` = [n], `loss` = [Σ training loss, n].
 */
import type { Contribution, ContributionShape } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Summed train contributions, read back for the strategy. */
export interface TrainSum {
  /** Σ_k n_k (w_k − w): the example-weighted sum of model deltas. */
  updateSum: Float64Array;
  /** Σ_k n_k: total number of training examples. */
  weightSum: number;
  /** Σ_k lossSum_k / Σ_k n_k: mean training loss per example over all participants. */
  meanLoss: number;
}

/** Shape of a train contribution for a model of `paramCount` parameters. */
export function trainShape(paramCount: number): ContributionShape {
  if (!Number.isInteger(paramCount) || paramCount < 1) {
    throw new CoreInputError(`paramCount must be a positive integer, got ${paramCount}`, 'paramCount');
  }
  return { update: paramCount, weight: 1, loss: 2 };
}

/**
 * A participant's train contribution: `update` = examples·(local − global) in float64,
 * `weight` = [examples], `loss` = [lossSum, examples]. `examples` must be finite and ≥ 0 (0 is a
 * participant that had nothing to train on and contributes zeros); `lossSum` is the sum (not the
 * mean) of the per-example training loss. Throws {@link CoreInputError} on a length mismatch or
 * non-finite weights.
 */
export function trainContribution(
  local: Float32Array,
  global: Float32Array,
  examples: number,
  lossSum: number,
): Contribution {
  if (local.length !== global.length) {
    throw new CoreInputError(
      `local has ${local.length} weights but global has ${global.length}`,
      'local',
    );
  }
  if (local.length === 0) throw new CoreInputError('the model has no weights', 'local');
  if (!Number.isFinite(examples) || examples < 0) {
    throw new CoreInputError(`examples must be finite and ≥ 0, got ${examples}`, 'examples');
  }
  if (!Number.isFinite(lossSum)) {
    throw new CoreInputError(`lossSum must be finite, got ${lossSum}`, 'lossSum');
  }
  const update = new Float64Array(local.length);
  for (let i = 0; i < local.length; i++) {
    const l = local[i]!;
    const g = global[i]!;
    if (!Number.isFinite(l)) throw new CoreInputError(`local[${i}] is not finite (${l})`, 'local');
    if (!Number.isFinite(g)) throw new CoreInputError(`global[${i}] is not finite (${g})`, 'global');
    update[i] = examples * (l - g);
  }
  return {
    update,
    weight: Float64Array.of(examples),
    loss: Float64Array.of(lossSum, examples),
  };
}

/**
 * Reads a summed train contribution (shape {@link trainShape}). Throws {@link CoreInputError}
 * when a vector is missing or mis-sized, or when the total weight is not positive (no examples
 * were trained on, so there is no average to take).
 */
export function readTrainSum(sum: Contribution): TrainSum {
  const { update, weight, loss } = sum;
  if (!(update instanceof Float64Array) || update.length === 0) {
    throw new CoreInputError('train sum needs a non-empty "update" vector', 'sum.update');
  }
  if (!(weight instanceof Float64Array) || weight.length !== 1) {
    throw new CoreInputError('train sum needs a "weight" vector of length 1', 'sum.weight');
  }
  if (!(loss instanceof Float64Array) || loss.length !== 2) {
    throw new CoreInputError('train sum needs a "loss" vector of length 2', 'sum.loss');
  }
  // The lengths are checked above.
  const weightSum = weight[0]!;
  if (!Number.isFinite(weightSum) || weightSum <= 0) {
    throw new CoreInputError(`total training weight must be positive, got ${weightSum}`, 'sum.weight');
  }
  const lossSum = loss[0]!;
  const lossCount = loss[1]!;
  return {
    updateSum: update,
    weightSum,
    meanLoss: lossCount > 0 ? lossSum / lossCount : NaN,
  };
}
