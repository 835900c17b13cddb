/**
 * Federated preprocessing: standardization statistics computed through the one aggregation path.
 * Each participant contributes per-feature [count, Σx, Σx²] over its non-missing values plus
 * [rows, positives]; the element-wise sum over participants gives the pooled mean and population
 * standard deviation without any participant revealing its own statistics beyond the sum.
 *
 * Numerical trade-off. Σx and Σx² are additive, so they fit the secure-sum primitive and need a
 * single round; the price is the textbook formula var = Σx²/n − mean², which cancels digits when
 * |mean| ≫ std (it loses about log10(mean²/var) of float64's ~16 digits — at most ~6 for credit
 * data, where |mean|/std < 1e3). Welford/Chan merging of (n, mean, M2) is stabler but is not a
 * plain sum, and a second "centred" round (Σ(x − mean)²) would double the traffic and latency.
 * Cheap mitigations used here: Neumaier-compensated summation of the local sums, and a relative
 * guard that treats a variance indistinguishable from rounding noise as zero (std = 1).
 *
 * Pure module: no I/O.
 */
import type { Contribution, ContributionShape } from '../types.ts';
import { CoreInputError } from '../types.ts';
import type { DataSchema } from './schema.ts';
import { encodedLevels, inputDim, transformValue } from './schema.ts';
import type { Table } from './table.ts';
import { subsetTable as subsetRows } from './table.ts';

/**
 * Pooled standardization statistics and class counts, shared by all participants. Means and stds
 * are of the transformed values (a feature's `transform`, e.g. "log", is applied first).
 */
export interface Preprocessing {
  /** Mean of each numeric feature over non-missing values, in schema order. */
  mean: number[];
  /** Population standard deviation of each numeric feature (1 when the feature is constant). */
  std: number[];
  /** Total number of rows. */
  n: number;
  /** Total number of positive rows. */
  positives: number;
}

/** Below this standard deviation a feature is treated as constant and not scaled (std := 1). */
export const MIN_STD = 1e-12;
/** A variance below this fraction of E[x²] is within float64 rounding of zero. */
const RELATIVE_VARIANCE_FLOOR = 1e-13;

/** Lengths of the vectors of a {@link statsContribution}: `stats` = 3 per numeric feature, `label` = 2. */
export function statsShape(schema: DataSchema): ContributionShape {
  return { stats: 3 * schema.numeric.length, label: 2 };
}

/**
 * A participant's preprocessing contribution: `stats` laid out as [count_j, Σx_j, Σx²_j] per
 * numeric feature j over its non-missing values after the feature's transform (none/log), and
 * `label` = [rows, positives].
 */
export function statsContribution(table: Table, schema: DataSchema): Contribution {
  checkTableShape(table, schema);
  const stats = new Float64Array(3 * schema.numeric.length);
  schema.numeric.forEach((f, j) => {
    let count = 0;
    const sum = new CompensatedSum();
    const sumsq = new CompensatedSum();
    const col = table.numeric[j]!; // checkTableShape: one column per numeric feature, each of n rows
    for (let i = 0; i < table.n; i++) {
      const v = col[i]!;
      if (Number.isNaN(v)) continue;
      const x = transformValue(f, v);
      count++;
      sum.add(x);
      sumsq.add(x * x);
    }
    stats[3 * j] = count;
    stats[3 * j + 1] = sum.value();
    stats[3 * j + 2] = sumsq.value();
  });
  let positives = 0;
  for (let i = 0; i < table.n; i++) positives += table.labels[i]!;
  return { stats, label: Float64Array.from([table.n, positives]) };
}

/**
 * Turns the federation-wide sum of {@link statsContribution}s into means and standard deviations.
 * Throws CoreInputError when the shape is wrong, when there are no rows, or when a numeric feature
 * has no value at any participant (its mean would be undefined).
 */
export function preprocessingFromStats(sum: Contribution, schema: DataSchema): Preprocessing {
  const checked = (key: string, len: number): Float64Array => {
    const v = sum[key];
    if (!v || v.length !== len) {
      throw new CoreInputError(`preprocessing statistics: "${key}" must have length ${len}, got ${v ? v.length : 'nothing'}`, 'sum');
    }
    if (v.some((x) => !Number.isFinite(x))) {
      throw new CoreInputError(`preprocessing statistics: "${key}" contains a non-finite value`, 'sum');
    }
    return v;
  };
  // Same keys, lengths and order as statsShape(schema).
  const stats = checked('stats', 3 * schema.numeric.length);
  const label = checked('label', 2);
  const n = label[0]!; // length 2, checked above
  const positives = label[1]!;
  if (n <= 0) throw new CoreInputError('preprocessing statistics: the participants have no rows in total', 'sum.label');
  if (positives < 0 || positives > n) {
    throw new CoreInputError(`preprocessing statistics: ${positives} positives is impossible with ${n} rows`, 'sum.label');
  }
  const mean: number[] = [];
  const std: number[] = [];
  schema.numeric.forEach((f, j) => {
    // stats has length 3 · numeric.length (checked above).
    const count = stats[3 * j]!;
    const s = stats[3 * j + 1]!;
    const ss = stats[3 * j + 2]!;
    if (count <= 0) {
      throw new CoreInputError(
        `no participant has any value for numeric feature "${f.name}" (every cell is missing); ` +
          'remove it from the schema or check the data',
        'sum.stats',
      );
    }
    const m = s / count;
    const meanSq = ss / count;
    let variance = meanSq - m * m;
    if (variance <= RELATIVE_VARIANCE_FLOOR * meanSq) variance = 0;
    const sd = Math.sqrt(variance);
    mean.push(m);
    std.push(sd < MIN_STD ? 1 : sd);
  });
  return { mean, std, n, positives };
}

/**
 * Encodes a table as a row-major n × d Float32Array, d = inputDim(schema), columns in the order of
 * featureNames(schema): numeric features transformed then standardized ((t(x) − mean)/std), each followed by its
 * 0/1 missing indicator when the schema asks for one, then one-hot categorical levels.
 * A missing numeric value becomes the mean (0 after standardization) under "mean", and the raw
 * value 0 standardized ((0 − mean)/std) under "zero". `out`, when given, receives the encoding
 * (n × d elements; e.g. in shared memory, for a trainer that reads it from two threads).
 */
export function encodeTable(table: Table, schema: DataSchema, prep: Preprocessing, out?: Float32Array): Float32Array {
  checkTableShape(table, schema);
  if (prep.mean.length !== schema.numeric.length || prep.std.length !== schema.numeric.length) {
    throw new CoreInputError(
      `encodeTable: preprocessing has ${prep.mean.length} means and ${prep.std.length} stds for ${schema.numeric.length} numeric features`,
      'prep',
    );
  }
  const n = table.n;
  const d = inputDim(schema);
  if (out && out.length !== n * d) throw new CoreInputError(`encodeTable: out has ${out.length} elements, expected ${n} rows × ${d} = ${n * d}`, 'out');
  // Cells of indicators and one-hot levels that stay 0 are not written.
  out?.fill(0);
  const enc = out ?? new Float32Array(n * d);
  let c = 0;
  // checkTableShape and the check above: one column, mean and std per numeric feature.
  schema.numeric.forEach((f, j) => {
    const col = table.numeric[j]!;
    const m = prep.mean[j]!;
    const sd = prep.std[j]!;
    const fill = f.missing === 'zero' ? (transformValue(f, 0) - m) / sd : 0;
    for (let i = 0; i < n; i++) {
      const x = col[i]!;
      if (Number.isNaN(x)) {
        if (f.missing === 'error') {
          throw new CoreInputError(`encodeTable: row ${i} of "${f.name}" is missing but its policy is "error"`, 'table');
        }
        enc[i * d + c] = fill;
        if (f.indicator) enc[i * d + c + 1] = 1;
      } else {
        enc[i * d + c] = (transformValue(f, x) - m) / sd;
      }
    }
    c += f.indicator ? 2 : 1;
  });
  schema.categorical.forEach((f, j) => {
    const col = table.categorical[j]!;
    const width = encodedLevels(f).length;
    for (let i = 0; i < n; i++) {
      const k = col[i]!;
      if (k < 0 || k >= width) {
        throw new CoreInputError(`encodeTable: row ${i} of "${f.name}" has level index ${k}, outside [0, ${width})`, 'table');
      }
      enc[i * d + c + k] = 1;
    }
    c += width;
  });
  return enc;
}

/** Rows of `table` at `indices` (in that order), as a new table (e.g. the train or holdout part). */
export function subsetTable(table: Table, indices: Uint32Array): Table {
  return subsetRows(table, indices);
}

/** Checks that a table has one column per schema feature and consistent lengths. */
function checkTableShape(table: Table, schema: DataSchema): void {
  if (table.numeric.length !== schema.numeric.length || table.categorical.length !== schema.categorical.length) {
    throw new CoreInputError(
      `table has ${table.numeric.length} numeric and ${table.categorical.length} categorical columns, ` +
        `the schema ${schema.numeric.length} and ${schema.categorical.length}`,
      'table',
    );
  }
  const bad = [table.labels, ...table.numeric, ...table.categorical].some((col) => col.length !== table.n);
  if (bad) throw new CoreInputError(`table columns do not all have n = ${table.n} rows`, 'table');
}

/** Neumaier's compensated summation: error independent of the number of terms, to first order. */
class CompensatedSum {
  private sum = 0;
  private comp = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.comp += this.sum - t + x;
    else this.comp += x - t + this.sum;
    this.sum = t;
  }

  value(): number {
    return this.sum + this.comp;
  }
}
