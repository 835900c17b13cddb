/**
 * A participant's noised releases under record-level DP (the plan and its accounting are in
 * ./record-plan.ts): the bounded statistics and evaluation vectors, their rounding to the grid,
 * and the distributed discrete Gaussian noise each participant adds before its vector enters the
 * secure sum. The noised values are exact multiples of 2^−gridBits, which the fixed-point
 * encodings of the secure sum carry without loss (contribution-codec.ts), so the coordinator's
 * decoded sum is Σ(rounded value + noise) exactly.
 *
 * Pure: randomness is an injected Rng.
 */
import type { DataSchema } from '../data/schema.ts';
import { vectorOf } from '../aggregate/sum.ts';
import { transformValue } from '../data/schema.ts';
import type { Table } from '../data/table.ts';
import type { Contribution, Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { sampleDiscreteGaussian } from './discrete-gaussian.ts';
import { DP_LOG_LOSS_CAP } from './record-plan.ts';
import type { NoisedRelease } from './record-plan.ts';

/** Centre and half-width of a numeric feature's range (u = (x − centre)/half-width ∈ [−1, 1]). */
export function rangeScale(f: DataSchema['numeric'][number]): { centre: number; half: number } {
  if (!f.range) throw new CoreInputError(`numeric feature "${f.name}" has no range`, 'schema.numeric.range');
  return { centre: (f.range[0] + f.range[1]) / 2, half: (f.range[1] - f.range[0]) / 2 };
}

/**
 * The bounded preprocessing statistics of `table`: `stats` = [count_j, Σu_j, Σu_j²] per numeric
 * feature over its non-missing values, u the value (transformed, clipped to the range) scaled to
 * [−1, 1]; `label` = [rows, positives]. One row moves each coordinate by at most 1.
 */
export function boundedStats(table: Table, schema: DataSchema): Contribution {
  const stats = new Float64Array(3 * schema.numeric.length);
  schema.numeric.forEach((f, j) => {
    const { centre, half } = rangeScale(f);
    const col = table.numeric[j];
    if (col === undefined) throw new CoreInputError(`the table has no column for numeric feature "${f.name}"`, 'table');
    let count = 0;
    let sum = 0;
    let sumsq = 0;
    for (let i = 0; i < table.n; i++) {
      const x = col[i]!;
      if (Number.isNaN(x)) continue;
      const u = (transformValue(f, x) - centre) / half;
      count++;
      sum += u;
      sumsq += u * u;
    }
    stats.set([count, sum, sumsq], 3 * j);
  });
  let positives = 0;
  for (let i = 0; i < table.n; i++) positives += table.labels[i]!;
  return { stats, label: Float64Array.of(table.n, positives) };
}

/** Log-odds range of the noised evaluation's bins: probabilities from about 0.0009 to 0.95. */
export const LOGIT_BINS_RANGE: readonly [number, number] = [-7, 3];

/**
 * The bin of a probability among `bins` bins equally spaced in log-odds over
 * {@link LOGIT_BINS_RANGE} (scores beyond go to the first or last bin). Credit scores crowd at
 * small probabilities, where equal-width bins over [0, 1] would put most rows into one or two of
 * the few bins a noised histogram can afford; AUC and KS depend only on the bins' order.
 */
export function logitBin(score: number, bins: number): number {
  const s = Math.min(1 - 1e-12, Math.max(1e-12, score));
  const [lo, hi] = LOGIT_BINS_RANGE;
  const b = Math.floor((bins * (Math.log(s / (1 - s)) - lo)) / (hi - lo));
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

/**
 * A bounded evaluation of held-out rows: `hist` = per-class counts over {@link logitBin} bins
 * (negatives first, then positives, as core/metrics/histogram.ts) and
 * `loss` = [Σ min(log-loss, cap)/cap, Σ Brier, 0, 0] — row and positive counts are not sent (the
 * histogram holds them), so one row moves the vector by at most √3 in L2.
 */
export function boundedEvaluation(scores: ArrayLike<number>, labels: ArrayLike<number>, bins: number): Contribution {
  if (scores.length !== labels.length) throw new CoreInputError(`scores and labels differ in length (${scores.length} vs ${labels.length})`, 'labels');
  const hist = new Float64Array(2 * bins);
  let ll = 0;
  let brier = 0;
  for (let i = 0; i < scores.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new CoreInputError(`labels[${i}] must be 0 or 1, got ${y}`, 'labels');
    const raw = scores[i]!; // i < scores.length; an absent entry would fail isFinite too
    if (!Number.isFinite(raw)) throw new CoreInputError(`scores[${i}] is not finite (${raw})`, 'scores');
    const s = Math.min(1, Math.max(0, raw));
    hist[y * bins + logitBin(s, bins)]! += 1;
    const p = y === 1 ? s : 1 - s;
    ll += Math.min(DP_LOG_LOSS_CAP, p > 0 ? -Math.log(p) : DP_LOG_LOSS_CAP) / DP_LOG_LOSS_CAP;
    brier += (s - y) * (s - y);
  }
  return { hist, loss: Float64Array.of(ll, brier, 0, 0) };
}

/**
 * `c` rounded to multiples of 2^−release.gridBits, plus discrete Gaussian noise of variance
 * release.sigma2PerClient (in grid units) on every coordinate; vector names in sorted order draw
 * their noise in turn. The result's values are exact multiples of the grid.
 */
export function noisedRelease(c: Contribution, release: NoisedRelease, rng: Rng): Contribution {
  const unit = 2 ** release.gridBits;
  const out: Contribution = {};
  let total = 0;
  for (const name of Object.keys(c).sort()) total += vectorOf(c, name).length;
  if (total !== release.dimension) throw new CoreInputError(`the release has ${total} coordinates, the plan ${release.dimension}`, 'contribution');
  for (const name of Object.keys(c).sort()) {
    const v = vectorOf(c, name);
    const noise = sampleDiscreteGaussian(v.length, release.sigma2PerClient, rng);
    out[name] = Float64Array.from(v, (x, i) => (Math.round(x * unit) + noise[i]!) / unit);
  }
  return out;
}
