/**
 * The inputs of gradient-boosted trees, from a validated table and the shared schema.
 *
 * Tree features, in order: every numeric feature as its transformed value (the feature's
 * `transform` and `range` clipping applied, ./data/schema.ts `transformValue`), missing kept as
 * missing (NaN: each split learns where missing values go, so no imputation); then every
 * categorical level as a 0/1 column, in the order of the dense models' one-hot inputs. Trees do
 * not need standardization, so a split reads in the feature's own units ("income ≤ 52,000").
 *
 * Bin edges. A categorical level's column has the single edge 0 (value bins "0" and "1"). A
 * numeric feature's edges come from a mergeable sketch: every member counts its values over a
 * public grid (./bins.ts `gridCounts`), the counts are summed through the secure sum, and the
 * edges are the quantiles of the summed counts (`edgesFromCounts`). The grid spans the feature's
 * declared `range` when it has one, else the federated mean ± {@link GRID_SPAN_STDS} standard
 * deviations (values beyond fall in the end cells). Grid points are rounded to float32, so every
 * edge — hence every split threshold of a saved model — is exact in a float32 model vector.
 *
 * Pure module: no I/O, no randomness.
 */
import type { Preprocessing } from '../data/preprocess.ts';
import type { DataSchema } from '../data/schema.ts';
import { encodedLevels, transformValue } from '../data/schema.ts';
import type { Table } from '../data/table.ts';
import { CoreInputError } from '../types.ts';
import { edgesFromCounts, gridCounts, linearGrid } from './bins.ts';

/** Half-width of a sketch grid without a declared range, in standard deviations of the feature. */
export const GRID_SPAN_STDS = 6;

/** Names of the tree features, in order: numeric feature names, then `name=level` per categorical level. */
export function treeFeatureNames(schema: DataSchema): string[] {
  return [...schema.numeric.map((f) => f.name), ...schema.categorical.flatMap((f) => encodedLevels(f).map((l) => `${f.name}=${l}`))];
}

/** The tree feature columns of `table` (see the module comment); throws on a missing value under `missing: "error"`. */
export function treeColumns(table: Table, schema: DataSchema): Float64Array[] {
  if (table.numeric.length !== schema.numeric.length || table.categorical.length !== schema.categorical.length) {
    throw new CoreInputError(`table has ${table.numeric.length} numeric and ${table.categorical.length} categorical columns, the schema ${schema.numeric.length} and ${schema.categorical.length}`, 'table');
  }
  const out: Float64Array[] = [];
  schema.numeric.forEach((f, j) => {
    const col = table.numeric[j]!;
    const values = new Float64Array(table.n);
    for (let i = 0; i < table.n; i++) {
      const x = col[i]!;
      if (Number.isNaN(x) && f.missing === 'error') throw new CoreInputError(`row ${i} of "${f.name}" is missing but its policy is "error"`, 'table');
      values[i] = Number.isNaN(x) ? Number.NaN : transformValue(f, x);
    }
    out.push(values);
  });
  schema.categorical.forEach((f, j) => {
    const col = table.categorical[j]!;
    const levels = encodedLevels(f);
    const columns = levels.map(() => new Float64Array(table.n));
    for (let i = 0; i < table.n; i++) {
      const k = col[i]!;
      if (!(k >= 0 && k < levels.length)) throw new CoreInputError(`row ${i} of "${f.name}" has level index ${k}, outside [0, ${levels.length})`, 'table');
      columns[k]![i] = 1;
    }
    out.push(...columns);
  });
  return out;
}

/** The public sketch grid of every numeric feature (float32-exact, strictly ascending). */
export function sketchGrids(schema: DataSchema, prep: Pick<Preprocessing, 'mean' | 'std'>, size: number): Float64Array[] {
  if (prep.mean.length !== schema.numeric.length || prep.std.length !== schema.numeric.length) {
    throw new CoreInputError(`preprocessing has ${prep.mean.length} means for ${schema.numeric.length} numeric features`, 'prep');
  }
  return schema.numeric.map((f, j) => {
    const [lo, hi] = f.range ?? [prep.mean[j]! - GRID_SPAN_STDS * prep.std[j]!, prep.mean[j]! + GRID_SPAN_STDS * prep.std[j]!];
    const points: number[] = [];
    for (const v of linearGrid(lo, hi, size)) {
      const p = Math.fround(v);
      if (Number.isFinite(p) && (points.length === 0 || points[points.length - 1]! < p)) points.push(p);
    }
    return Float64Array.from(points);
  });
}

/** Length of a member's sketch vector: Σ over numeric features of (grid points + 1). */
export function sketchLength(grids: readonly Float64Array[]): number {
  return grids.reduce((a, g) => a + g.length + 1, 0);
}

/** A member's sketch: its counts over every numeric feature's grid, concatenated (the tree columns' numeric part). */
export function sketchCounts(columns: readonly Float64Array[], grids: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(sketchLength(grids));
  let off = 0;
  grids.forEach((g, j) => {
    const col = columns[j];
    if (col === undefined) throw new CoreInputError(`sketchCounts: no column for numeric feature ${j}`, 'columns');
    out.set(gridCounts(col, g), off);
    off += g.length + 1;
  });
  return out;
}

/** The numeric features' edges from the summed sketch counts. */
export function edgesFromSketch(grids: readonly Float64Array[], counts: Float64Array, maxBins: number): number[][] {
  if (counts.length !== sketchLength(grids)) throw new CoreInputError(`sketch sum has ${counts.length} counts, expected ${sketchLength(grids)}`, 'counts');
  let off = 0;
  return grids.map((g) => {
    const edges = edgesFromCounts(g, counts.subarray(off, off + g.length + 1), maxBins);
    off += g.length + 1;
    return Array.from(edges);
  });
}

/** Edges of every tree feature: the numeric features' `numericEdges`, then [0] for each categorical level. */
export function treeEdges(schema: DataSchema, numericEdges: readonly (readonly number[])[]): Float64Array[] {
  if (numericEdges.length !== schema.numeric.length) {
    throw new CoreInputError(`${numericEdges.length} edge lists for ${schema.numeric.length} numeric features`, 'edges');
  }
  const levels = schema.categorical.reduce((a, f) => a + encodedLevels(f).length, 0);
  return [...numericEdges.map((e) => Float64Array.from(e)), ...Array.from({ length: levels }, () => Float64Array.of(0))];
}
