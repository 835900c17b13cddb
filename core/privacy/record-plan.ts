/**
 * Every release of a job with record-level differential privacy, and its composition into what
 * the whole job costs one participant (the record-level part of ./job-cost.ts, which every caller
 * goes through).
 *
 * A participant's rows are split row by row into training rows and held-out rows
 * (core/data/split.ts `splitRecordwise`): one row's side depends on that row alone. Its releases:
 *
 * - training rows (each row in every one of them):
 *   - the preprocessing statistics, once: per numeric feature the count of values, Σu and Σu²
 *     of u = (x − centre)/half-width ∈ [−1, 1] (x clipped to the feature's schema range), and the
 *     row and positive counts — every coordinate moves by at most 1 per row, so the L2
 *     sensitivity is √(3·features + 2). Rounded to the grid 2^−8 and noised with the distributed
 *     discrete Gaussian inside the secure sum (Kairouz, Liu & Steinke 2021);
 *   - the node's row count, once, noised locally (discrete Gaussian, sensitivity 1): the noisy
 *     count is the FedAvg weight and fixes the DP-SGD sampling rate, so no exact count leaves;
 *   - DP-SGD every round (Abadi et al. 2016; Poisson rate q = batch/noisy count).
 * - held-out rows: every evaluation, a per-class histogram of scores plus the capped log-loss and
 *   Brier sums (each ∈ [0, 1] per row), L2 sensitivity √3, on the grid 2^−6, with the distributed
 *   discrete Gaussian.
 *
 * A row is in exactly one of the two parts and moves none of the others, so the job's Rényi DP is
 * the pointwise maximum of the two parts' compositions (parallel composition), and each part is
 * calibrated: the statistics get 40 % and the count 3 % of ε as targets of their own, the
 * evaluations together 90 % of ε, and DP-SGD is calibrated last so that the whole job — the
 * pointwise maximum of the training side (statistics, count, every round) and the held-out side
 * — is exactly within ε. A job given by a noise multiplier z uses σ = z·Δ for every release. Rounding to a grid
 * adds at most √d (L2) and d (L1) grid units to the sensitivity, which the accounting includes.
 *
 * Pure.
 */
import type { DataSchema } from '../data/schema.ts';
import type { JobSpec } from '../job.ts';
import { CoreInputError } from '../types.ts';
import { calibrateNoiseMultiplier } from './calibrate.ts';
import { epsilonFromRdp } from './conversion.ts';
import type { RdpCurve } from './curve.ts';
import { composeRdp, DEFAULT_RDP_ORDERS, parallelRdp, repeatRdp, sampledGaussianRdp } from './curve.ts';
import { calibrateDistributedSigma, distributedDGaussRdp, MIN_DGAUSS_SIGMA2 } from './distributed-dgauss.ts';
import type { DistributedDGaussParams } from './distributed-dgauss.ts';
import { MAX_SIGMA2 } from './discrete-gaussian.ts';

/** Statistics are rounded to multiples of 2^−STATS_GRID_BITS before noise. */
export const STATS_GRID_BITS = 8;
/** Evaluation vectors are rounded to multiples of 2^−EVAL_GRID_BITS before noise. */
export const EVAL_GRID_BITS = 6;
/** Per-row log-loss is capped at this value in a noised evaluation (p ≥ e^−4 ≈ 0.018). */
export const DP_LOG_LOSS_CAP = 4;
/** Shares of the job's ε targeted by the statistics, the count and the evaluations on their own. */
export const STATS_SHARE = 0.4;
export const COUNT_SHARE = 0.03;
/** Below 1, so that DP-SGD, calibrated last against both sides, still has room at every order. */
export const EVAL_SHARE = 0.9;

type RecordPrivacy = Extract<JobSpec['privacy'], { mode: 'record' }>;
type PlanJob = Pick<JobSpec, 'privacy' | 'rounds' | 'evaluation' | 'train'>;

/** The row-count release: one integer per participant, which one row changes by 1; no dropout credit. */
export const COUNT_RELEASE = { l2Sensitivity: 1, l1Sensitivity: 1, dimension: 1, survivors: 1 } as const;

/** One noised secure-sum release: per-client variance and sensitivities in grid units. */
export interface NoisedRelease extends DistributedDGaussParams {
  dimension: number;
  /** Values are multiples of 2^−gridBits. */
  gridBits: number;
}

/** The job's record-level releases as every participant computes them (the same for all). */
export interface RecordReleasePlan {
  delta: number;
  /** The job's ε target, when it gives one. */
  epsilon?: number;
  stats: NoisedRelease;
  /** The local noisy row count: variance in rows. */
  countSigma2: number;
  evaluation: NoisedRelease & { rounds: number[] };
}

/** The job's record-level settings, or undefined without record-level DP. */
export function recordPrivacy(job: Pick<JobSpec, 'privacy'>): RecordPrivacy | undefined {
  return job.privacy.mode === 'record' ? job.privacy : undefined;
}

/**
 * Why a job cannot run with record-level DP over `schema`, or undefined: every numeric feature
 * needs a `range` (its statistics are released with noise scaled to it).
 */
export function recordPrivacyProblem(job: Pick<JobSpec, 'privacy'>, schema: Pick<DataSchema, 'numeric'>): string | undefined {
  if (!recordPrivacy(job)) return undefined;
  const unbounded = schema.numeric.filter((f) => !f.range).map((f) => `"${f.name}"`);
  if (!unbounded.length) return undefined;
  return (
    `record-level differential privacy needs a range [low, high] for every numeric feature of the schema (its statistics are released with noise ` +
    `scaled to the range; values outside are clipped); ${unbounded.length === 1 ? 'feature' : 'features'} ${unbounded.join(', ')} ${unbounded.length === 1 ? 'has' : 'have'} none`
  );
}

/** Rounds evaluated: every `every`-th and the last; round 0 too unless the job has record-level DP. */
export function evaluationRounds(job: Pick<JobSpec, 'privacy' | 'rounds' | 'evaluation'> & { model?: JobSpec['model'] }): number[] {
  const out: number[] = [];
  // A gbdt model starts as a constant (its base score), whose evaluation would only release the
  // held-out class counts, identically in every job: it is not evaluated.
  const first = recordPrivacy(job) || job.model?.type === 'gbdt' ? 1 : 0;
  for (let r = first; r <= job.rounds; r++) if (r % job.evaluation.every === 0 || r === job.rounds) out.push(r);
  return out;
}

/** Length of the statistics vector and its per-row sensitivities (before the grid). */
export function statsSensitivity(schema: Pick<DataSchema, 'numeric'>): { dimension: number; l2: number; l1: number } {
  const dimension = 3 * schema.numeric.length + 2;
  return { dimension, l2: Math.sqrt(dimension), l1: dimension };
}

/** Length of the evaluation vector and its per-row sensitivities (before the grid). */
export function evaluationSensitivity(bins: number): { dimension: number; l2: number; l1: number } {
  return { dimension: 2 * bins + 4, l2: Math.sqrt(3), l1: 3 };
}

/**
 * Sensitivities in grid units, rounding included: Δ·2^bits + √d (L2), Δ₁·2^bits + d (L1), d the
 * coordinates whose rounding one row can change (`rounded`, default all).
 */
export function onGridSensitivity(s: { dimension: number; l2: number; l1: number }, bits: number, rounded = s.dimension) {
  return { l2Sensitivity: s.l2 * 2 ** bits + Math.sqrt(rounded), l1Sensitivity: s.l1 * 2 ** bits + rounded, dimension: s.dimension };
}

function release(p: RecordPrivacy, base: Omit<DistributedDGaussParams, 'sigma2PerClient'> & { dimension: number }, epsilon: number | undefined, releases: number, orders: readonly number[]): number {
  if (p.noiseMultiplier !== undefined) {
    const s2 = (p.noiseMultiplier * base.l2Sensitivity) ** 2 / base.survivors;
    return Math.min(MAX_SIGMA2, Math.max(MIN_DGAUSS_SIGMA2, s2));
  }
  return calibrateDistributedSigma({ ...base, epsilon: epsilon!, delta: p.delta, rounds: releases, orders }).sigma2PerClient;
}

/**
 * The plan for a job over secure sums with threshold `survivors` (t: each sum holds the noise of
 * at least t participants). Throws {@link CoreInputError} when the job has no record-level DP or
 * the schema gives a numeric feature no range.
 */
export function recordReleasePlan(job: PlanJob, schema: Pick<DataSchema, 'numeric'>, survivors: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): RecordReleasePlan {
  const p = recordPrivacy(job);
  if (!p) throw new CoreInputError('the job has no record-level differential privacy', 'job.privacy');
  const unbounded = recordPrivacyProblem(job, schema);
  if (unbounded) throw new CoreInputError(unbounded, 'schema.numeric.range');
  const stats = { ...onGridSensitivity(statsSensitivity(schema), STATS_GRID_BITS), survivors };
  // The histogram counts are integers already (on the grid); only the two loss sums are rounded.
  const evalBase = { ...onGridSensitivity(evaluationSensitivity(job.evaluation.bins), EVAL_GRID_BITS, 2), survivors };
  const rounds = evaluationRounds(job);
  const eps = p.epsilon;
  return {
    delta: p.delta,
    ...(eps !== undefined ? { epsilon: eps } : {}),
    stats: { ...stats, gridBits: STATS_GRID_BITS, sigma2PerClient: release(p, stats, eps && eps * STATS_SHARE, 1, orders) },
    countSigma2: release(p, COUNT_RELEASE, eps && eps * COUNT_SHARE, 1, orders),
    evaluation: { ...evalBase, gridBits: EVAL_GRID_BITS, rounds, sigma2PerClient: release(p, evalBase, eps && eps * EVAL_SHARE, Math.max(1, rounds.length), orders) },
  };
}

/** RDP of the job's evaluations (the held-out rows' side). */
export function holdoutSide(plan: RecordReleasePlan, orders: readonly number[] = DEFAULT_RDP_ORDERS): RdpCurve {
  return repeatRdp(distributedDGaussRdp(plan.evaluation, orders), plan.evaluation.rounds.length);
}

/** DP-SGD of one participant: sampling rate from its noisy row count, noise multiplier, steps per round. */
export interface DpSgdPlan {
  sampleRate: number;
  noiseMultiplier: number;
  stepsPerRound: number;
}

/** Steps of DP-SGD in one round at rate q: local epochs × round(1/q) (at least one per epoch). */
export function stepsPerRound(job: Pick<JobSpec, 'train'>, q: number): number {
  return job.train.localEpochs * Math.max(1, Math.round(1 / q));
}

/** RDP of the statistics and count releases (training rows' side, before DP-SGD). */
export function trainSideBase(plan: RecordReleasePlan, orders: readonly number[] = DEFAULT_RDP_ORDERS): RdpCurve {
  return composeRdp([distributedDGaussRdp(plan.stats, orders), distributedDGaussRdp({ ...COUNT_RELEASE, sigma2PerClient: plan.countSigma2 }, orders)], orders);
}

/**
 * DP-SGD for a participant whose noisy training-row count is `noisyRows`: q = min(1, batch/rows),
 * and z — the job's, or the smallest that keeps the training side (statistics, count and every
 * round of DP-SGD) within the job's ε.
 */
export function dpSgdPlan(job: PlanJob, plan: RecordReleasePlan, noisyRows: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): DpSgdPlan {
  const p = recordPrivacy(job)!;
  const sampleRate = Math.min(1, job.train.batchSize / Math.max(1, noisyRows));
  const steps = stepsPerRound(job, sampleRate);
  if (p.noiseMultiplier !== undefined) return { sampleRate, noiseMultiplier: p.noiseMultiplier, stepsPerRound: steps };
  const z = calibrateNoiseMultiplier({
    epsilon: p.epsilon!, delta: p.delta, q: sampleRate, steps: job.rounds * steps, orders, alongside: trainSideBase(plan, orders), parallel: holdoutSide(plan, orders),
  });
  return { sampleRate, noiseMultiplier: z.noiseMultiplier, stepsPerRound: steps };
}

/** The whole job's RDP per side and its ε (parallel composition of the two sides). */
export interface JobCost {
  train: RdpCurve;
  holdout: RdpCurve;
  epsilon: number;
}

/** What the whole job costs a participant with this DP-SGD plan. */
export function recordJobCost(job: PlanJob, plan: RecordReleasePlan, sgd: DpSgdPlan, orders: readonly number[] = DEFAULT_RDP_ORDERS): JobCost {
  const train = composeRdp([trainSideBase(plan, orders), sampledGaussianRdp({ q: sgd.sampleRate, noiseMultiplier: sgd.noiseMultiplier, steps: job.rounds * sgd.stepsPerRound }, orders)], orders);
  const holdout = holdoutSide(plan, orders);
  return { train, holdout, epsilon: epsilonFromRdp(parallelRdp(train, holdout), recordPrivacy(job)!.delta).epsilon };
}
