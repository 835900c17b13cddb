/**
 * Record-level differential privacy for gradient-boosted trees (a gbdt job): the releases that
 * replace DP-SGD on the training rows, and what they cost. Pure.
 *
 * Besides the preprocessing statistics of every record-level job (./record-plan.ts) — but no
 * noisy row count: nothing in boosting is weighted or sampled by it — a member releases from its
 * training rows:
 *
 * - the sketch, once: its counts of every numeric feature's values over the public grids. One
 *   row adds 1 to one bucket of each numeric feature: L2 sensitivity √F_num, L1 F_num. Counts
 *   are integers, so nothing is rounded.
 * - one histogram vector per tree level (trees × maxDepth of them): for each requested node, per
 *   tree feature and bin, the sums of the logistic loss's gradient g = p − y ∈ [−1, 1] and hessian
 *   h = p(1 − p) ∈ [0, ¼] over its rows; at level 0 also [Σ min(log-loss, cap)/cap, rows]. A row
 *   reaches exactly one node of the tree so far, and the member builds one histogram per
 *   requested node id (a repeated id gets one), so a row moves one (G, H) slot per tree feature
 *   and the loss pair: L2 ≤ √(F·(1 + 1/16) + 2), L1 ≤ 1.25·F + 2, wherever the coordinator
 *   places its splits. Values are rounded to the grid 2^−{@link TREE_GRID_BITS}; only the
 *   2F + 2 coordinates one row touches can round differently, which the sensitivity includes.
 *
 * Both go through the secure sum with distributed discrete Gaussian noise (Kairouz, Liu &
 * Steinke 2021), as the statistics do. Everything the coordinator derives from the noised sums —
 * bin edges, splits, leaf values — is post-processing. The sketch targets
 * {@link SKETCH_SHARE} of ε on its own; the tree levels' noise is calibrated last, so that the
 * training side (statistics, sketch, every tree level) composed in parallel with the
 * held-out side (evaluations) is exactly within the job's ε. Row subsampling is drawn from the
 * job's public seed, so no amplification by sampling is claimed.
 */
import type { DataSchema } from '../data/schema.ts';
import type { GbdtSpec } from '../trees/job-stages.ts';
import { encodedLevels } from '../data/schema.ts';
import { CoreInputError } from '../types.ts';
import { epsilonFromRdp } from './conversion.ts';
import type { RdpCurve } from './curve.ts';
import { composeRdp, DEFAULT_RDP_ORDERS, parallelRdp, repeatRdp } from './curve.ts';
import { calibrateDistributedSigma, distributedDGaussRdp, MIN_DGAUSS_SIGMA2 } from './distributed-dgauss.ts';
import { MAX_SIGMA2 } from './discrete-gaussian.ts';
import type { JobCost, NoisedRelease, RecordReleasePlan } from './record-plan.ts';
import { holdoutSide, onGridSensitivity, recordPrivacy } from './record-plan.ts';
import type { JobSpec } from '../job.ts';

/** Tree-level histograms are rounded to multiples of 2^−TREE_GRID_BITS before noise. */
export const TREE_GRID_BITS = 6;
/** Share of the job's ε the sketch targets on its own. */
export const SKETCH_SHARE = 0.1;
/** Per-row log-loss is capped at this value in a noised tree level (p ≥ e^−4 ≈ 0.018). */
export const TREE_LOSS_CAP = 4;

/** The gbdt releases of a record-level job. */
export interface BoostingReleasePlan {
  sketch: NoisedRelease;
  /** One release per tree level; `dimension` bounds every level's vector. */
  tree: NoisedRelease & { releases: number };
}

type BoostingJob = Pick<JobSpec, 'privacy' | 'rounds' | 'evaluation'> & { model: GbdtSpec };

/** Number of tree features: numeric features and one per categorical level. */
function treeFeatureCount(schema: Pick<DataSchema, 'numeric' | 'categorical'>): number {
  return schema.numeric.length + schema.categorical.reduce((a, f) => a + encodedLevels(f).length, 0);
}

/** Length bound and per-row sensitivities of the sketch (before any grid: counts are integers). */
export function sketchSensitivity(schema: Pick<DataSchema, 'numeric'>, spec: Pick<GbdtSpec, 'sketchGrid'>): { dimension: number; l2: number; l1: number } {
  const f = schema.numeric.length;
  return { dimension: Math.max(1, f * (spec.sketchGrid + 1)), l2: Math.sqrt(f), l1: f };
}

/**
 * Length bound and per-row sensitivities of one tree level's vector. The length bound: at most
 * 2^(maxDepth − 2) requested nodes (one child of every split node; the root alone at level 0),
 * each with a (G, H) pair per bin — a numeric feature has at most maxBins value bins and a
 * missing bin, a categorical level two value bins and a missing bin — plus the loss pair.
 */
export function treeLevelSensitivity(schema: Pick<DataSchema, 'numeric' | 'categorical'>, spec: Pick<GbdtSpec, 'maxDepth' | 'maxBins'>): { dimension: number; l2: number; l1: number } {
  const features = treeFeatureCount(schema);
  const levels = features - schema.numeric.length;
  const slots = schema.numeric.length * (spec.maxBins + 1) + levels * 3;
  const nodes = 2 ** Math.max(0, spec.maxDepth - 2);
  return { dimension: 2 * slots * nodes + 2, l2: Math.sqrt(features * (1 + 1 / 16) + 2), l1: 1.25 * features + 2 };
}

/** The touched coordinates of one row in a tree level: a (G, H) pair per tree feature and the loss pair. */
function treeTouched(schema: Pick<DataSchema, 'numeric' | 'categorical'>): number {
  return 2 * treeFeatureCount(schema) + 2;
}

/** RDP of everything the training rows release in a gbdt job (statistics, sketch, tree levels) with these noise settings. */
export function boostingTrainSide(base: RecordReleasePlan, boosting: BoostingReleasePlan, orders: readonly number[] = DEFAULT_RDP_ORDERS): RdpCurve {
  return composeRdp([distributedDGaussRdp(base.stats, orders), distributedDGaussRdp(boosting.sketch, orders), repeatRdp(distributedDGaussRdp(boosting.tree, orders), boosting.tree.releases)], orders);
}

/**
 * The sketch and tree-level releases of a gbdt job with record-level DP, over secure sums with
 * threshold `survivors`, after the job's common releases `base` (./record-plan.ts). Throws
 * {@link CoreInputError} `epsilon` when the statistics and the sketch leave no room for the tree
 * levels within the job's ε (they would need more noise than can be drawn).
 */
export function boostingReleasePlan(job: BoostingJob, schema: Pick<DataSchema, 'numeric' | 'categorical'>, survivors: number, base: RecordReleasePlan, orders: readonly number[] = DEFAULT_RDP_ORDERS): BoostingReleasePlan {
  const p = recordPrivacy(job);
  if (!p) throw new CoreInputError('the job has no record-level differential privacy', 'job.privacy');
  const spec = job.model;
  const sketchBase = { ...onGridSensitivity(sketchSensitivity(schema, spec), 0, 0), survivors };
  const treeBase = { ...onGridSensitivity(treeLevelSensitivity(schema, spec), TREE_GRID_BITS, treeTouched(schema)), survivors };
  const releases = job.rounds * spec.maxDepth;
  const clamp = (s2: number) => Math.min(MAX_SIGMA2, Math.max(MIN_DGAUSS_SIGMA2, s2));
  if (p.noiseMultiplier !== undefined) {
    const z = p.noiseMultiplier;
    return {
      sketch: { ...sketchBase, gridBits: 0, sigma2PerClient: clamp((z * sketchBase.l2Sensitivity) ** 2 / survivors) },
      tree: { ...treeBase, gridBits: TREE_GRID_BITS, releases, sigma2PerClient: clamp((z * treeBase.l2Sensitivity) ** 2 / survivors) },
    };
  }
  const epsilon = p.epsilon!;
  const sketch: NoisedRelease = { ...sketchBase, gridBits: 0, sigma2PerClient: calibrateDistributedSigma({ ...sketchBase, epsilon: epsilon * SKETCH_SHARE, delta: p.delta, rounds: 1, orders }).sigma2PerClient };
  const tree = calibrateDistributedSigma({
    ...treeBase, epsilon, delta: p.delta, rounds: releases, orders,
    alongside: composeRdp([distributedDGaussRdp(base.stats, orders), distributedDGaussRdp(sketch, orders)], orders),
    parallel: holdoutSide(base, orders),
  });
  return { sketch, tree: { ...treeBase, gridBits: TREE_GRID_BITS, releases, sigma2PerClient: tree.sigma2PerClient } };
}

/** What a gbdt job with record-level DP costs a participant. */
export function boostingJobCost(job: Pick<JobSpec, 'privacy'>, base: RecordReleasePlan, boosting: BoostingReleasePlan, orders: readonly number[] = DEFAULT_RDP_ORDERS): JobCost {
  const train = boostingTrainSide(base, boosting, orders);
  const holdout = holdoutSide(base, orders);
  return { train, holdout, epsilon: epsilonFromRdp(parallelRdp(train, holdout), recordPrivacy(job)!.delta).epsilon };
}
