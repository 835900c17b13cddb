/**
 * Boosting in one place with the code path of a gbdt job: the same public sketch grids and
 * quantile edges, the same level-by-level growth from histograms on the secure sum's
 * fixed-point grid, the same feature subsampling seeds and the same packed float32 model. It
 * serves as the centralized reference (rows pooled) and the local-only model of a member, and it
 * can continue from a global model (a member's personal trees on top of it).
 */
import { preprocessingFromStats, statsContribution } from '../../core/data/preprocess.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { deriveSeed, seededRng, uniform01 } from '../../core/random.ts';
import { binColumns } from '../../core/trees/bins.ts';
import { drawTreeFeatures, logisticGradients } from '../../core/trees/boost.ts';
import { edgesFromSketch, sketchCounts, sketchGrids, treeColumns, treeEdges } from '../../core/trees/features.ts';
import { levelHistograms } from '../../core/trees/grow.ts';
import type { GbdtSpec } from '../../core/trees/job-stages.ts';
import { baseScoreOf, onSumGrid, treeLayout } from '../../core/trees/job-stages.ts';
import { LevelGrower } from '../../core/trees/level-grower.ts';
import { addTreeOutputs, appendTrees, boostedMargins, emptyPacked, unpackBoosted } from '../../core/trees/model-pack.ts';

/** Bin edges of the numeric features from `tables`' own rows (the job's sketch, over these rows only). */
export function localEdges(tables: readonly Table[], schema: DataSchema, spec: GbdtSpec): number[][] {
  const stats = tables.map((t) => statsContribution(t, schema));
  const total = { stats: new Float64Array(stats[0]!.stats!.length), label: new Float64Array(2) };
  for (const s of stats) {
    s.stats!.forEach((v, i) => (total.stats[i]! += v));
    s.label!.forEach((v, i) => (total.label[i]! += v));
  }
  // A numeric feature these rows never hold gets a unit grid around 0 (it has no edges then).
  for (let j = 0; j < schema.numeric.length; j++) if (total.stats[3 * j] === 0) total.stats.set([1, 0, 1], 3 * j);
  const prep = preprocessingFromStats(total, schema);
  const grids = sketchGrids(schema, prep, spec.sketchGrid);
  const counts = new Float64Array(grids.reduce((a, g) => a + g.length + 1, 0));
  for (const t of tables) sketchCounts(treeColumns(t, schema).slice(0, grids.length), grids).forEach((v, i) => (counts[i]! += v));
  return edgesFromSketch(grids, counts, spec.maxBins);
}

/** Options of {@link boostLocally}. */
export interface LocalBoostOptions {
  table: Table;
  schema: DataSchema;
  spec: GbdtSpec;
  /** Numeric features' bin edges (the job's, or {@link localEdges}). */
  edges: number[][];
  trees: number;
  /** Seed of the feature and row subsampling (the job's seed). */
  seed: number;
  /** Name the row subsampling is seeded with. */
  name: string;
  /** Continue from this packed model (its base score and trees); default: a fresh model. */
  start?: Float32Array;
  /** Called after each tree with the model so far; return false to stop. */
  onTree?: (packed: Float32Array, trees: number) => boolean;
}

/** Trains a boosted model on one table; returns the packed model. */
export function boostLocally(o: LocalBoostOptions): Float32Array {
  return boostColumns({ ...o, columns: treeColumns(o.table, o.schema), labels: o.table.labels });
}

/** {@link boostLocally} over tree feature columns and labels instead of a table. */
export function boostColumns(o: Omit<LocalBoostOptions, 'table'> & { columns: Float64Array[]; labels: Uint8Array }): Float32Array {
  const { schema, spec, columns, labels } = o;
  const n = labels.length;
  const edges = treeEdges(schema, o.edges);
  const binned = binColumns(columns, edges);
  const layout = treeLayout(schema, o.edges);
  let positives = 0;
  for (const y of labels) positives += y;
  let packed = o.start ?? emptyPacked(baseScoreOf(n, positives));
  const startTrees = unpackBoosted(packed).trees.length;
  const margin = boostedMargins(unpackBoosted(packed, columns.length), columns);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  for (let t = 1; t <= o.trees; t++) {
    const round = startTrees + t;
    logisticGradients(margin, labels, grad, hess);
    const rowRng = seededRng(deriveSeed(o.seed, `tree-rows:${o.name}:${round}`));
    const rows = spec.rowSubsample < 1 ? all.filter(() => uniform01(rowRng) < spec.rowSubsample) : all;
    const features = drawTreeFeatures(layout.bins.length, spec.featureSubsample, seededRng(deriveSeed(o.seed, `tree-features:${round}`)));
    const grower = new LevelGrower(layout, spec, features);
    for (let req = grower.next(); req; req = grower.next()) grower.receive(onSumGrid(levelHistograms(layout, binned, grad, hess, rows, req)));
    const next = appendTrees(packed, [grower.build()], edges);
    addTreeOutputs(unpackBoosted(next), columns, margin, round - 1);
    packed = next;
    if (o.onTree && !o.onTree(packed, round)) break;
  }
  return packed;
}
