/**
 * The row plan every party of a vertical job follows: which of the aligned rows (the label
 * holder's row order) are held out for evaluation, and which rows form each training step. The
 * label holder draws a 32-bit seed and sends it to the feature parties; everything else is a pure
 * function of the seed, so all parties agree without exchanging row lists.
 */
import { deriveSeed, seededRng, shuffleInPlace } from '../random.ts';
import { CoreInputError } from '../types.ts';

/** The plan of a job. */
export interface Schedule {
  rows: number;
  test: Uint32Array;
  train: Uint32Array;
  batchSize: number;
  epochs: number;
  stepsPerEpoch: number;
  /** Total training steps (epochs × steps per epoch). */
  steps: number;
  seed: number;
}

/** Splits `rows` aligned rows into held-out and training rows and plans the steps. */
export function makeSchedule(seed: number, rows: number, holdout: number, batchSize: number, epochs: number): Schedule {
  if (!Number.isInteger(rows) || rows < 2) throw new CoreInputError(`a vertical job needs at least 2 aligned rows, got ${rows}`, 'rows');
  const order = shuffleInPlace(Uint32Array.from({ length: rows }, (_, i) => i), seededRng(deriveSeed(seed, 'holdout'))) as Uint32Array;
  const nTest = Math.max(1, Math.round(rows * holdout));
  const test = order.slice(0, nTest).sort();
  const train = order.slice(nTest).sort();
  const stepsPerEpoch = Math.floor(train.length / batchSize);
  if (stepsPerEpoch < 1) {
    throw new CoreInputError(`${train.length} training rows are fewer than one batch of ${batchSize}: lower train.batchSize or evaluation.holdout`, 'batchSize');
  }
  return { rows, test, train, batchSize, epochs, stepsPerEpoch, steps: stepsPerEpoch * epochs, seed };
}

const epochOrders = new WeakMap<Schedule, Map<number, Uint32Array>>();

/** The aligned rows of training step `step` (0-based, across epochs). */
export function stepRows(s: Schedule, step: number): Uint32Array {
  if (!Number.isInteger(step) || step < 0 || step >= s.steps) throw new CoreInputError(`step ${step} is outside 0..${s.steps - 1}`, 'step');
  const epoch = Math.floor(step / s.stepsPerEpoch);
  let cache = epochOrders.get(s);
  if (!cache) {
    cache = new Map();
    epochOrders.set(s, cache);
  }
  let order = cache.get(epoch);
  if (!order) {
    order = shuffleInPlace(Uint32Array.from(s.train), seededRng(deriveSeed(s.seed, `epoch-${epoch}`))) as Uint32Array;
    cache.clear();
    cache.set(epoch, order);
  }
  const at = (step % s.stepsPerEpoch) * s.batchSize;
  return order.subarray(at, at + s.batchSize);
}

/**
 * Column means and scales over `rows`, missing values (NaN) skipped. The scale is the standard
 * deviation, except for 0/1 columns, whose scale is 1 (centred only): a rare indicator divided by
 * its tiny deviation would become a huge input that destabilizes gradient steps.
 */
export function columnStats(columns: readonly Float64Array[], rows: ArrayLike<number>): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(columns.length);
  const std = new Float64Array(columns.length);
  columns.forEach((c, j) => {
    let n = 0;
    let s = 0;
    let ss = 0;
    let binary = true;
    for (let i = 0; i < rows.length; i++) {
      const x = c[rows[i]!]!;
      if (Number.isNaN(x)) continue;
      n++;
      s += x;
      ss += x * x;
      if (x !== 0 && x !== 1) binary = false;
    }
    const m = n > 0 ? s / n : 0;
    mean[j] = m;
    const sd = n > 1 ? Math.sqrt(Math.max(0, ss / n - m * m)) : 0;
    std[j] = binary && sd > 0 ? 1 : sd;
  });
  return { mean, std };
}

/**
 * Row-major standardized matrix (rows × columns): (x − mean) / std, with missing values and
 * constant columns at 0 (the mean), and values clipped to ±`clip` so fixed point cannot overflow.
 */
export function standardizedMatrix(columns: readonly Float64Array[], rows: number, mean: Float64Array, std: Float64Array, clip = 50): Float64Array {
  const k = columns.length;
  const out = new Float64Array(rows * k);
  columns.forEach((c, j) => {
    const m = mean[j]!;
    const s = std[j]!;
    for (let i = 0; i < rows; i++) {
      const x = c[i]!;
      const z = Number.isNaN(x) || !(s > 0) ? 0 : (x - m) / s;
      out[i * k + j] = Math.max(-clip, Math.min(clip, z));
    }
  });
  return out;
}
