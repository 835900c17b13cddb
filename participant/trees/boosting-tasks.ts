/**
 * A member's side of a gbdt job: its counts over the sketch grids, its gradient histograms of
 * one tree level, and the scores of its held-out rows under a boosted model.
 *
 * Per job the member keeps its training rows' tree features (binned once the job's edges are
 * known) and the margins of the model so far; a task carrying a model with more trees adds only
 * the new trees' outputs, and a model that is not an extension of the cached one (a coordinator
 * restart, another job) recomputes them from scratch. Row subsampling is drawn by the member
 * per tree, seeded by the job's seed, its own name and the tree, so every level of a tree (and
 * a rerun of it) uses the same rows.
 *
 * Every value contributed to a tree level is put on the secure sum's fixed-point grid
 * (core/trees/job-stages.ts `onSumGrid`), so plain and secure aggregation sum it identically.
 */
import type { Table } from '../../core/data/table.ts';
import type { Contribution } from '../../core/types.ts';
import { deriveSeed, seededRng, uniform01 } from '../../core/random.ts';
import { logisticGradients, sigmoid } from '../../core/trees/boost.ts';
import type { BinnedData } from '../../core/trees/bins.ts';
import { binColumns } from '../../core/trees/bins.ts';
import { sketchCounts, sketchGrids, treeColumns, treeEdges } from '../../core/trees/features.ts';
import { levelHistograms } from '../../core/trees/grow.ts';
import { onSumGrid, treeLayout } from '../../core/trees/job-stages.ts';
import type { GbdtSpec } from '../../core/trees/job-stages.ts';
import { addTreeOutputs, boostedMargins, unpackBoosted } from '../../core/trees/model-pack.ts';
import type { ParsedTask } from '../handler.ts';
import { TREE_LOSS_CAP } from '../../core/privacy/boosting-plan.ts';

/** A member's cached state of one gbdt job. */
interface BoostingCache {
  jobId: string;
  columns: Float64Array[];
  labels: Uint8Array;
  edgesKey?: string;
  binned?: BinnedData;
  /** The packed model the margins are of, the margins, and the loss's gradients and hessians at them. */
  model?: Float32Array;
  margin?: Float64Array;
  grad?: Float64Array;
  hess?: Float64Array;
}

function specOf(task: ParsedTask): GbdtSpec {
  const spec = task.config.job.model;
  if (spec.type !== 'gbdt') throw new Error(`a ${task.kind} task belongs to a gbdt job, but the job's model is "${spec.type}"`);
  return spec;
}

/** The tasks of gbdt jobs for member `name` over its training part `trainOf(task)`. */
export function boostingTasks(name: string, trainOf: (task: ParsedTask) => Table) {
  let cache: BoostingCache | undefined;
  const forJob = (task: ParsedTask): BoostingCache => {
    if (!cache || cache.jobId !== task.jobId) {
      const train = trainOf(task);
      cache = { jobId: task.jobId, columns: treeColumns(train, task.config.schema), labels: train.labels };
    }
    return cache;
  };
  const binnedOf = (c: BoostingCache, task: ParsedTask): BinnedData => {
    const edges = task.config.preprocessing?.edges;
    if (!edges) throw new Error('the task carries no bin edges');
    const key = JSON.stringify(edges);
    if (c.edgesKey !== key || !c.binned) {
      c.binned = binColumns(c.columns, treeEdges(task.config.schema, edges));
      c.edgesKey = key;
    }
    return c.binned;
  };
  /** Margins, gradients and hessians of the training rows under `packed`; the levels of one tree reuse them. */
  const stateOf = (c: BoostingCache, packed: Float32Array): { margin: Float64Array; grad: Float64Array; hess: Float64Array } => {
    const old = c.model;
    const same = old !== undefined && old.length === packed.length && packed.every((v, i) => Object.is(v, old[i]));
    if (!same || !c.margin || !c.grad || !c.hess) {
      const model = unpackBoosted(packed, c.columns.length);
      const extends_ = old !== undefined && c.margin !== undefined && old.length <= packed.length && old[1] === packed[1] && packed.subarray(3, old.length).every((v, i) => Object.is(v, old[3 + i]));
      if (extends_) addTreeOutputs(model, c.columns, c.margin!, unpackBoosted(old).trees.length);
      else c.margin = boostedMargins(model, c.columns);
      c.grad = new Float64Array(c.labels.length);
      c.hess = new Float64Array(c.labels.length);
      logisticGradients(c.margin!, c.labels, c.grad, c.hess);
      c.model = packed;
    }
    return { margin: c.margin!, grad: c.grad!, hess: c.hess! };
  };

  return {
    /** The member's counts of its numeric training values over the job's public sketch grids. */
    sketch(task: ParsedTask): Contribution {
      const spec = specOf(task);
      const prep = task.config.preprocessing;
      if (!prep) throw new Error('the task carries no preprocessing statistics');
      const c = forJob(task);
      const grids = sketchGrids(task.config.schema, prep, spec.sketchGrid);
      return { counts: sketchCounts(c.columns.slice(0, grids.length), grids) };
    },

    /**
     * The gradient histograms of the requested nodes of one tree level over the member's rows
     * and, at level 0, its loss: [Σ log-loss, rows] on the secure sum's exact grid; `bounded`
     * (record-level DP, noised and rounded by the caller): the histograms as computed and
     * [Σ min(log-loss, cap)/cap, rows], every coordinate moved by at most 1 per row.
     */
    tree(task: ParsedTask, { bounded = false }: { bounded?: boolean } = {}): Contribution {
      const spec = specOf(task);
      const step = task.config.tree;
      const edges = task.config.preprocessing?.edges;
      if (!step || !edges) throw new Error('the task carries no tree level or no bin edges');
      if (!task.weights) throw new Error('the task carries no model');
      const c = forJob(task);
      const binned = binnedOf(c, task);
      const { margin, grad, hess } = stateOf(c, task.weights);
      const n = c.labels.length;
      const all = Uint32Array.from({ length: n }, (_, i) => i);
      const rng = seededRng(deriveSeed(task.config.job.seed, `tree-rows:${name}:${step.tree}`));
      const rows = spec.rowSubsample < 1 ? all.filter(() => uniform01(rng) < spec.rowSubsample) : all;
      const layout = treeLayout(task.config.schema, edges);
      const raw = levelHistograms(layout, binned, grad, hess, rows, step);
      const hist = bounded ? raw : onSumGrid(raw);
      if (step.level > 0) return { hist };
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const p = sigmoid(margin[i]!);
        const l = c.labels[i] ? -Math.log(Math.max(p, 1e-15)) : -Math.log(Math.max(1 - p, 1e-15));
        loss += bounded ? Math.min(l, TREE_LOSS_CAP) / TREE_LOSS_CAP : l;
      }
      return { hist, loss: bounded ? Float64Array.of(loss, n) : onSumGrid(Float64Array.of(loss, n)) };
    },
  };
}

/** Scores (probabilities) of `table`'s rows under the packed boosted model `packed`. */
export function boostedScores(packed: Float32Array, table: Table, schema: ParsedTask['config']['schema']): Float64Array {
  const columns = treeColumns(table, schema);
  const margin = boostedMargins(unpackBoosted(packed, columns.length), columns);
  return margin.map(sigmoid);
}
