/**
 * The row side of tree growth: the histograms a {@link LevelGrower} asks for, built from rows —
 * a member's own rows in the federated version, all rows in one place — and {@link growTree},
 * which grows a whole tree over rows held in one place.
 *
 * A row reaches a node of the partial tree by its bins (./level-grower.ts `routeRow`); the
 * histogram of a requested node is then ./histogram.ts `buildHistogram` over the rows that
 * reached it. Histograms are additive in rows, so the sum over members of their level
 * histograms is the level histogram of the pooled rows.
 *
 * Pure module: no I/O, no randomness.
 */
import { CoreInputError } from '../types.ts';
import type { BinnedData } from './bins.ts';
import { buildHistogram, histogramLayout } from './histogram.ts';
import type { HistogramLayout } from './histogram.ts';
import type { LevelRequest, PartialTree } from './level-grower.ts';
import { LevelGrower, routeRow } from './level-grower.ts';
import type { Tree, TreeParams } from './tree.ts';

/** Node of `partial` that row `row` of `data` reaches. */
export function nodeOfRow(partial: PartialTree, data: BinnedData, row: number): number {
  return routeRow(partial, (f) => data.columns[f]![row]!, (f) => data.bins[f]! - 1);
}

/**
 * Throws {@link CoreInputError} unless `partial` is a tree over `data`'s features: arrays of one
 * length, every split testing an existing feature at a value bin, and children after their parent
 * (as a grower appends them), so routing a row always ends — a tree sent from elsewhere is checked
 * before any row is routed through it.
 */
export function checkPartialTree(partial: PartialTree, data: BinnedData): void {
  const n = partial.feature.length;
  if (n === 0 || [partial.bin, partial.defaultLeft, partial.left, partial.right].some((a) => a.length !== n)) {
    throw new CoreInputError('partial tree: its arrays must all have one entry per node, and at least one node', 'partial');
  }
  for (let i = 0; i < n; i++) {
    const f = partial.feature[i]!;
    if (f === -1) continue;
    if (!(Number.isInteger(f) && f >= 0 && f < data.bins.length)) throw new CoreInputError(`partial tree: node ${i} tests feature ${f}, which does not exist`, 'partial');
    const b = partial.bin[i]!;
    if (!(Number.isInteger(b) && b >= 0 && b < data.bins[f]! - 1)) throw new CoreInputError(`partial tree: node ${i} splits feature ${f} at bin ${b}, outside its value bins`, 'partial');
    const l = partial.left[i]!;
    const r = partial.right[i]!;
    if (!(Number.isInteger(l) && Number.isInteger(r) && l > i && r > i && l < n && r < n && l !== r)) {
      throw new CoreInputError(`partial tree: node ${i} has children ${l} and ${r}; children must come after their parent`, 'partial');
    }
  }
}

/**
 * The histograms of `request.nodes` (concatenated in that order, each `layout.length` long) over
 * the rows `rows` of `data` with gradients `grad` and hessians `hess`. A requested node no row
 * reaches has an all-zero histogram.
 */
export function levelHistograms(
  layout: HistogramLayout,
  data: BinnedData,
  grad: ArrayLike<number>,
  hess: ArrayLike<number>,
  rows: Uint32Array,
  request: Pick<LevelRequest, 'partial' | 'nodes'>,
): Float64Array {
  const { partial, nodes } = request;
  checkPartialTree(partial, data);
  const slot = new Map<number, number>();
  nodes.forEach((id, k) => {
    if (!(Number.isInteger(id) && id >= 0 && id < partial.feature.length)) throw new CoreInputError(`levelHistograms: node ${id} is not in the tree`, 'request');
    if (partial.feature[id] !== -1) throw new CoreInputError(`levelHistograms: node ${id} is split already`, 'request');
    slot.set(id, k);
  });
  const members: number[][] = nodes.map(() => []);
  for (const r of rows) {
    const k = slot.get(nodeOfRow(partial, data, r));
    if (k !== undefined) members[k]!.push(r);
  }
  const out = new Float64Array(nodes.length * layout.length);
  members.forEach((rowsOfNode, k) => out.set(buildHistogram(layout, data, grad, hess, rowsOfNode), k * layout.length));
  return out;
}

/**
 * Grows one tree on the rows `rows` of `data` with per-row gradients `grad` and hessians `hess`,
 * considering only the features in `features` for splits.
 */
export function growTree(
  data: BinnedData,
  grad: ArrayLike<number>,
  hess: ArrayLike<number>,
  rows: Uint32Array,
  params: TreeParams,
  features: readonly number[],
): Tree {
  if (data.columns.length === 0) throw new CoreInputError('growTree: data has no features', 'data');
  const layout = histogramLayout(data.bins);
  const grower = new LevelGrower(layout, params, features);
  for (let req = grower.next(); req; req = grower.next()) grower.receive(levelHistograms(layout, data, grad, hess, rows, req));
  return grower.build();
}
