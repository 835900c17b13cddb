/**
 * What the coordinator and every member of a gbdt job compute alike: the shapes of the job's
 * stages, the histogram layout of its tree features, where each tree level sits in the job's
 * sequence of secure sums, and the fixed-point grid contributions are put on.
 *
 * Stages of a gbdt job, after the federated preprocessing statistics:
 *   - `sketch` (once): each member's counts of its numeric values over the public grids
 *     (./features.ts), summed, give the bin edges;
 *   - `tree` (per tree, per level): each member's gradient histograms of the requested nodes,
 *     concatenated, and at level 0 its [Σ log-loss, rows] at the start of the tree;
 *   - `evaluate`: score histograms of held-out rows under the model so far, as for dense models.
 *
 * Fixed point. A member puts every value it contributes to a tree level on the grid of
 * multiples of 2^−{@link SUM_FRACTION_BITS} ({@link onSumGrid}); the secure sum encodes values on
 * exactly that grid, and float64 adds such values exactly while |sum| < 2^(53 − 24). So the secure
 * sum and a plain sum of the same contributions return the same totals, bit for bit, and grow the
 * same trees. Per row |g| ≤ 1 and h ≤ 1/4 (logistic loss), so a histogram bin is bounded by the
 * member's row count and the sum by the consortium's.
 *
 * Pure module: no I/O, no randomness.
 */
import type { ModelSpec } from '../job.ts';
import type { DataSchema } from '../data/schema.ts';
import type { ContributionShape } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { histogramLayout } from './histogram.ts';
import type { HistogramLayout } from './histogram.ts';
import { numBins } from './bins.ts';
import { sketchGrids, sketchLength, treeEdges } from './features.ts';

/** The gbdt model settings of a job. */
export type GbdtSpec = Extract<ModelSpec, { type: 'gbdt' }>;

/** Fraction bits of the fixed-point grid of tree-level contributions (the secure sum's REAL encoding). */
export const SUM_FRACTION_BITS = 24;
const SCALE = 2 ** SUM_FRACTION_BITS;

/** `v` rounded in place to the nearest multiple of 2^−24 (ties away from zero, as the secure sum's encoder). */
export function onSumGrid(v: Float64Array): Float64Array {
  for (let i = 0; i < v.length; i++) {
    const x = v[i]! * SCALE;
    v[i] = (x < 0 ? -Math.round(-x) : Math.round(x)) / SCALE;
  }
  return v;
}

/** Histogram layout over the job's tree features, from its numeric features' edges. */
export function treeLayout(schema: DataSchema, numericEdges: readonly (readonly number[])[]): HistogramLayout {
  return histogramLayout(treeEdges(schema, numericEdges).map((e) => numBins(e)));
}

/** Shape of a `tree` stage asking for `nodes` histograms (level 0 also carries the loss pair). */
export function treeStepShape(layout: HistogramLayout, nodes: number, level: number): ContributionShape {
  return level === 0 ? { hist: nodes * layout.length, loss: 2 } : { hist: nodes * layout.length };
}

/**
 * The number of the secure sum of `tree`'s `level` in the job's sequence of tree sums: every
 * level of every tree gets its own (the release log keys each input by it), 1, 2, … in order.
 */
export function treeStepRound(tree: number, level: number, maxDepth: number): number {
  if (!(Number.isInteger(tree) && tree >= 1 && Number.isInteger(level) && level >= 0 && level < maxDepth)) {
    throw new CoreInputError(`no tree sum for tree ${tree}, level ${level} with maxDepth ${maxDepth}`, 'level');
  }
  return (tree - 1) * maxDepth + level + 1;
}

/** The margin before any tree: the log-odds of the consortium's positive rate. */
export function baseScoreOf(rows: number, positives: number): number {
  if (!(positives > 0 && positives < rows)) {
    throw new CoreInputError(`boosting needs both classes, but the participants hold ${positives} positive(s) among ${rows} training rows`, 'labels');
  }
  return Math.log(positives / (rows - positives));
}

/** The parts of a task's configuration the boosting stages read. */
export interface BoostingStageConfig {
  job: { model: ModelSpec };
  schema: DataSchema;
  preprocessing?: { mean: number[]; std: number[]; edges?: number[][] | undefined };
  tree?: { tree: number; level: number; nodes: number[] } | undefined;
}

/**
 * The shape of a gbdt job's `sketch` or `tree` stage from its task, as both sides compute it;
 * for a tree level, `round` must be that level's number in the job's sequence of tree sums
 * ({@link treeStepRound}). Throws {@link CoreInputError} saying what the task lacks.
 */
export function boostingStageShape(kind: 'sketch' | 'tree', round: number, config: BoostingStageConfig): ContributionShape {
  const spec = config.job.model;
  if (spec.type !== 'gbdt') throw new CoreInputError(`a ${kind} task belongs to a gbdt job, but this job's model is "${spec.type}"`, 'kind');
  const prep = config.preprocessing;
  if (!prep) throw new CoreInputError(`a ${kind} task needs the preprocessing statistics`, 'preprocessing');
  if (kind === 'sketch') return { counts: sketchLength(sketchGrids(config.schema, prep, spec.sketchGrid)) };
  const step = config.tree;
  if (!prep.edges || !step) throw new CoreInputError('a tree task needs the bin edges and the tree level', 'tree');
  const expected = treeStepRound(step.tree, step.level, spec.maxDepth);
  if (round !== expected) throw new CoreInputError(`tree ${step.tree}, level ${step.level} is sum ${expected} of the job, but the task says ${round}`, 'round');
  return treeStepShape(treeLayout(config.schema, prep.edges), step.nodes.length, step.level);
}
