/**
 * Quantile bin edges for gradient-boosted trees, and the binning of feature values.
 *
 * Bin convention. A feature's edges e_0 < e_1 < … < e_{m−1} define m + 1 value bins: bin b holds
 * the values v with e_{b−1} < v ≤ e_b (reading e_{−1} = −∞ and e_m = +∞). A missing value (NaN)
 * gets its own bin, the last one, m + 1; so a feature with m edges has m + 2 bins in all
 * ({@link numBins}). A tree split "bin ≤ t goes left" therefore means "v ≤ e_t goes left".
 *
 * Mergeable form. Edges are chosen from counts over a grid of candidate edges that every party
 * knows beforehand (e.g. {@link linearGrid} over the schema's declared range): each party counts
 * its (weighted) values per grid cell with {@link gridCounts}; those count vectors are summed —
 * through the secure sum, which reveals only the total — and {@link edgesFromCounts} picks the
 * edges from the summed counts. Counts are additive, so the edges do not depend on how the rows
 * are spread over parties. Grid cells follow the same convention as bins (cell k holds
 * c_{k−1} < v ≤ c_k), so a chosen edge is always a grid point and is exact up to the grid's
 * resolution. In one place, {@link quantileEdges} uses the distinct values as the grid, which
 * gives exact weighted quantiles (the weighted quantile sketch of Chen & Guestrin 2016, §3.3,
 * without the approximation).
 *
 * Pure module: no I/O, no randomness.
 */
import { CoreInputError } from '../types.ts';

/** Largest number of bins per feature (missing bin included): bin indices are stored as Uint16. */
export const MAX_BINS = 65536;

/** Binned feature columns of a data set: what the tree code reads instead of raw values. */
export interface BinnedData {
  /** Number of rows. */
  n: number;
  /** One column per feature: the bin index of each row's value ({@link binIndex}). */
  columns: Uint16Array[];
  /** Number of bins of each feature, missing bin included (its last bin is the missing bin). */
  bins: number[];
}

/** Number of bins of a feature with these edges: the value bins plus the missing bin. */
export function numBins(edges: ArrayLike<number>): number {
  return edges.length + 2;
}

/**
 * Bin of `value` under `edges` (ascending, finite): the number of edges strictly below the
 * value, i.e. the first b with v ≤ e_b, or edges.length when v is above every edge. NaN gets
 * edges.length + 1, the missing bin.
 */
export function binIndex(value: number, edges: ArrayLike<number>): number {
  if (Number.isNaN(value)) return edges.length + 1;
  let lo = 0;
  let hi = edges.length;
  // Invariant: every edge below lo is < value, every edge at or above hi is ≥ value.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `count` evenly spaced candidate edges from `lo` to `hi` inclusive: a public grid for {@link gridCounts}. */
export function linearGrid(lo: number, hi: number, count: number): Float64Array {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw new CoreInputError(`linearGrid: need finite lo < hi, got ${lo} and ${hi}`, 'lo');
  }
  if (!Number.isInteger(count) || count < 2) throw new CoreInputError(`linearGrid: count must be an integer ≥ 2, got ${count}`, 'count');
  const grid = new Float64Array(count);
  for (let k = 0; k < count; k++) grid[k] = lo + ((hi - lo) * k) / (count - 1);
  grid[count - 1] = hi;
  return grid;
}

/**
 * One party's summed weight of its values per cell of a candidate grid: a vector of
 * grid.length + 1 entries, entry k being the weight of the values v with c_{k−1} < v ≤ c_k (the
 * last entry: values above every candidate). Missing values are not counted. Weights default to 1.
 * Vectors from different parties over the same grid are added element-wise.
 */
export function gridCounts(values: ArrayLike<number>, grid: ArrayLike<number>, weights?: ArrayLike<number>): Float64Array {
  checkAscending(grid, 'grid');
  if (weights !== undefined && weights.length !== values.length) {
    throw new CoreInputError(`gridCounts: ${weights.length} weights for ${values.length} values`, 'weights');
  }
  const counts = new Float64Array(grid.length + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const w = weights === undefined ? 1 : weights[i]!;
    if (!(w >= 0 && Number.isFinite(w))) throw new CoreInputError(`gridCounts: weights[${i}] must be finite and ≥ 0, got ${w}`, 'weights');
    counts[binIndex(v, grid)]! += w;
  }
  return counts;
}

/**
 * Edges at the weighted (j / maxBins)-quantiles, j = 1 … maxBins − 1, of the values summarized
 * by `counts` (from {@link gridCounts}, possibly summed over parties) over `grid`. The
 * q-quantile is taken as the smallest candidate c_k whose cumulative weight (of v ≤ c_k) reaches
 * q·W, W being the total weight. Repeated edges are kept once, and an edge with the whole weight
 * at or below it is dropped (it would separate nothing); so at most maxBins − 1 edges result.
 */
export function edgesFromCounts(grid: ArrayLike<number>, counts: ArrayLike<number>, maxBins: number): Float64Array {
  checkAscending(grid, 'grid');
  if (counts.length !== grid.length + 1) {
    throw new CoreInputError(`edgesFromCounts: ${counts.length} counts for a grid of ${grid.length} (expected grid.length + 1)`, 'counts');
  }
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS - 1) {
    throw new CoreInputError(`edgesFromCounts: maxBins must be an integer in [2, ${MAX_BINS - 1}], got ${maxBins}`, 'maxBins');
  }
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k]!;
  const edges: number[] = [];
  if (!(total > 0)) return new Float64Array(0);
  let k = 0;
  let cumulative = counts[0]!;
  for (let j = 1; j < maxBins; j++) {
    const target = (j * total) / maxBins;
    // Cumulative weights only grow with k, and targets only grow with j: one forward pass.
    while (k < grid.length && cumulative < target) {
      k++;
      cumulative += counts[k]!;
    }
    if (k >= grid.length) break; // the quantile lies above every candidate
    if (cumulative >= total) break; // this and later edges would have everything below them
    const edge = grid[k]!;
    if (edges.length === 0 || edges[edges.length - 1]! < edge) edges.push(edge);
  }
  return Float64Array.from(edges);
}

/**
 * Exact weighted quantile edges of `values` in one place: {@link edgesFromCounts} over the grid of
 * the distinct non-missing values. The reference the grid-based, mergeable path approximates.
 */
export function quantileEdges(values: ArrayLike<number>, maxBins: number, weights?: ArrayLike<number>): Float64Array {
  const distinct = Float64Array.from(Array.from(values).filter((v) => !Number.isNaN(v)));
  distinct.sort();
  let m = 0;
  for (let i = 0; i < distinct.length; i++) {
    if (m === 0 || distinct[i]! !== distinct[m - 1]!) distinct[m++] = distinct[i]!;
  }
  const grid = distinct.subarray(0, m);
  return edgesFromCounts(grid, gridCounts(values, grid, weights), maxBins);
}

/** Bins every column of `columns` (one array of raw values per feature) with that feature's edges. */
export function binColumns(columns: readonly ArrayLike<number>[], edges: readonly ArrayLike<number>[]): BinnedData {
  if (columns.length !== edges.length) {
    throw new CoreInputError(`binColumns: ${columns.length} columns but ${edges.length} edge lists`, 'edges');
  }
  const n = columns[0]?.length ?? 0;
  const binned: Uint16Array[] = [];
  const bins: number[] = [];
  for (const [f, column] of columns.entries()) {
    const e = edges[f]!;
    checkAscending(e, `edges[${f}]`);
    if (numBins(e) > MAX_BINS) throw new CoreInputError(`binColumns: feature ${f} has ${e.length} edges, more than ${MAX_BINS - 2}`, 'edges');
    if (column.length !== n) throw new CoreInputError(`binColumns: column ${f} has ${column.length} rows, column 0 has ${n}`, 'columns');
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = binIndex(column[i]!, e);
    binned.push(out);
    bins.push(numBins(e));
  }
  return { n, columns: binned, bins };
}

/** Throws unless `xs` is finite and strictly ascending. */
function checkAscending(xs: ArrayLike<number>, name: string): void {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (!Number.isFinite(x)) throw new CoreInputError(`${name}[${i}] is not finite (${x})`, name);
    if (i > 0 && !(xs[i - 1]! < x)) throw new CoreInputError(`${name} must be strictly ascending (at index ${i})`, name);
  }
}
