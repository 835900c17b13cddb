/**
 * The coordinator's reading of a job's statistics and evaluation sums ({@link releaseReader}, the
 * one place on that path that looks at the job's privacy mode): exact for jobs without
 * record-level DP; for the noised releases of a record-level DP job (./record-releases.ts),
 * standardization parameters from the bounded statistics, and evaluation metrics from the noised
 * histograms. Post-processing only, so it costs no privacy; it must cope with what noise does to
 * sums — negative counts, variances below zero — without failing the job: counts are floored at
 * 1, a variance lost in the noise falls back to a small floor, and AUC is the Mann–Whitney
 * statistic of the noisy histogram without clamping the bins (clamping biases it), then limited
 * to [0, 1]; the reported row counts are the noisy ones, rounded.
 *
 * Pure.
 */
import type { DataSchema } from '../data/schema.ts';
import type { JobSpec } from '../job.ts';
import type { Preprocessing } from '../data/preprocess.ts';
import { preprocessingFromStats, statsShape } from '../data/preprocess.ts';
import type { EvalMetrics } from '../metrics/histogram.ts';
import { metricsFromEvaluation, rankStatistics } from '../metrics/histogram.ts';
import type { SumResult } from '../round/sum-protocol.ts';
import type { PreprocessingParams } from '../round/task-config.ts';
import type { Contribution } from '../types.ts';
import { validateContribution, vectorOf } from '../aggregate/sum.ts';
import { DP_LOG_LOSS_CAP, recordPrivacy, recordReleasePlan } from './record-plan.ts';
import { rangeScale } from './record-releases.ts';

/** Variance of u = (x − centre)/half-width for x uniform over the range: the fallback when noise hides the estimate. */
export const RANGE_VARIANCE = 1 / 3;

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/**
 * Means and standard deviations (in the features' own units) from the noised bounded statistics.
 * `noiseStd` is the standard deviation of the noise on each summed coordinate (in u units): a
 * variance estimate below two standard errors of the second moment (2·noiseStd/count) is taken
 * as lost in the noise, and the variance of a uniform value over the range is used instead —
 * a scale that cannot blow a feature up, which a near-zero noisy variance would.
 */
export function preprocessingFromBoundedStats(sum: Contribution, schema: DataSchema, noiseStd = 0): Preprocessing {
  const what = 'noised preprocessing statistics';
  validateContribution(sum, statsShape(schema), what);
  // Validated: stats has 3 entries per numeric feature, label has 2.
  const stats = vectorOf(sum, 'stats', what);
  const label = vectorOf(sum, 'label', what);
  const mean: number[] = [];
  const std: number[] = [];
  schema.numeric.forEach((f, j) => {
    const { centre, half } = rangeScale(f);
    const count = Math.max(1, stats[3 * j]!);
    const mu = clamp(stats[3 * j + 1]! / count, -1, 1);
    const second = clamp(stats[3 * j + 2]! / count, 0, 1);
    const variance = second - mu * mu;
    const sd = Math.sqrt(variance > (2 * noiseStd) / count ? variance : RANGE_VARIANCE);
    mean.push(centre + half * mu);
    std.push(half * sd);
  });
  const n = Math.max(1, Math.round(label[0]!));
  return { mean, std, n, positives: clamp(Math.round(label[1]!), 0, n) };
}

/** Metrics from a noised evaluation sum (hist of 2·bins, loss = [capped log-loss share, Brier, 0, 0]). */
export function metricsFromBoundedEvaluation(sum: Contribution, bins: number): EvalMetrics {
  const what = 'noised evaluation';
  validateContribution(sum, { hist: 2 * bins, loss: 4 }, what);
  // Validated: hist has 2·bins entries, loss has 4.
  const hist = vectorOf(sum, 'hist', what);
  const loss = vectorOf(sum, 'loss', what);
  let negTotal = 0;
  let posTotal = 0;
  for (let b = 0; b < bins; b++) {
    negTotal += hist[b]!;
    posTotal += hist[bins + b]!;
  }
  const n = Math.max(0, Math.round(negTotal + posTotal));
  const base = {
    logLoss: n > 0 ? clamp((DP_LOG_LOSS_CAP * loss[0]!) / n, 0, DP_LOG_LOSS_CAP) : NaN,
    brier: n > 0 ? clamp(loss[1]! / n, 0, 1) : NaN,
    n,
    positives: clamp(Math.round(posTotal), 0, n),
  };
  const r = rankStatistics(hist, bins);
  if (Number.isNaN(r.auc)) return { auc: NaN, ks: NaN, gini: NaN, ...base };
  const auc = clamp(r.auc, 0, 1);
  return { auc, ks: clamp(r.ks, 0, 1), gini: 2 * auc - 1, ...base };
}

/** The statistics stage's result with its sum. */
export type StatsSum = SumResult & { sum: Contribution };

/** The reading of a job's statistics and evaluation sums. */
export interface ReleaseReader {
  /** Standardization parameters from the summed statistics; throws when they are unusable. */
  preprocessing(stats: StatsSum): PreprocessingParams;
  /** Metrics from a summed evaluation; throws core's CoreInputError when it is unusable. */
  metrics(sum: Contribution): EvalMetrics;
}

/** The reader for `job` over `schema`. */
export function releaseReader(job: JobSpec, schema: DataSchema): ReleaseReader {
  const bins = job.evaluation.bins;
  if (!recordPrivacy(job)) {
    return { preprocessing: (stats) => preprocessingFromStats(stats.sum, schema), metrics: (sum) => metricsFromEvaluation(sum, bins) };
  }
  return {
    preprocessing: (stats) => preprocessingFromBoundedStats(stats.sum, schema, statsNoiseStd(job, schema, stats)),
    metrics: (sum) => metricsFromBoundedEvaluation(sum, bins),
  };
}

/** Standard deviation (in u units) of the noise the contributors put on each summed statistic. */
function statsNoiseStd(job: JobSpec, schema: DataSchema, stats: SumResult): number {
  const plan = recordReleasePlan(job, schema, stats.secure?.threshold ?? 1).stats;
  return Math.sqrt(stats.contributors.length * plan.sigma2PerClient) / 2 ** plan.gridBits;
}
