/**
 * One regression tree over binned features, stored as flat arrays, and its depth-wise growth.
 *
 * Representation. Node 0 is the root; node i is a leaf when feature[i] = −1, and then value[i]
 * is its output (already scaled by the learning rate). Otherwise it sends a row right or left by
 * the row's bin b of feature[i]: the missing bin goes left iff defaultLeft[i] = 1, any other bin
 * goes left iff b ≤ bin[i]; left[i] and right[i] are the children's node indices.
 *
 * Growth. Depth-wise (level by level) to `maxDepth`: for each node of a level the grower needs
 * only its gradient histogram; from it ./split.ts picks the split (or makes a leaf of weight
 * −G/(H+λ), times the learning rate), then the node's rows are partitioned. Of the two children,
 * the histogram of the one with fewer rows is built and the other's is the parent's minus it
 * (histograms are additive in rows). The histogram → split → partition steps are the seams of
 * the federated version: a party builds histograms of its own rows, the coordinator splits on
 * the summed histogram, and each party partitions its own rows by the published split.
 *
 * Pure module: no I/O, no randomness (row and feature sampling are decided by the caller).
 */
import { CoreInputError } from '../types.ts';
import type { BinnedData } from './bins.ts';
import { buildHistogram, histogramLayout, nodeTotals, subtractHistogram } from './histogram.ts';
import type { HistogramLayout } from './histogram.ts';
import type { Split, SplitParams } from './split.ts';
import { bestSplit, leafWeight } from './split.ts';

/** A tree as flat arrays indexed by node (see the module comment). */
export interface Tree {
  /** Feature tested at each node; −1 at a leaf. */
  feature: Int32Array;
  /** Threshold bin: value bins ≤ bin go left. Unused (0) at a leaf. */
  bin: Int32Array;
  /** 1 when rows with a missing value go left. */
  defaultLeft: Uint8Array;
  /** Left child's node index; −1 at a leaf. */
  left: Int32Array;
  /** Right child's node index; −1 at a leaf. */
  right: Int32Array;
  /** Output of a leaf (learning rate applied); 0 at an inner node. */
  value: Float64Array;
}

/** Parameters of one tree's growth. */
export interface TreeParams extends SplitParams {
  /** Largest depth (a tree of depth 0 is a single leaf). */
  maxDepth: number;
  /** Shrinkage η applied to every leaf value. */
  learningRate: number;
}

/** Whether a row with bin `b` of the split feature goes left; `missingBin` is that feature's last bin. */
export function goesLeft(b: number, threshold: number, defaultLeft: boolean, missingBin: number): boolean {
  return b === missingBin ? defaultLeft : b <= threshold;
}

/** Splits `rows` of `data` into those `split` sends left and right, keeping their order. */
export function partitionRows(data: BinnedData, rows: Uint32Array, split: Split): { left: Uint32Array; right: Uint32Array } {
  const column = data.columns[split.feature];
  if (column === undefined) throw new CoreInputError(`partitionRows: no feature ${split.feature}`, 'split');
  const missingBin = data.bins[split.feature]! - 1;
  const left: number[] = [];
  const right: number[] = [];
  for (const r of rows) {
    if (goesLeft(column[r]!, split.bin, split.defaultLeft, missingBin)) left.push(r);
    else right.push(r);
  }
  return { left: Uint32Array.from(left), right: Uint32Array.from(right) };
}

/** A tree under construction: nodes are appended, then made leaves or split (see {@link growTree}). */
export interface TreeBuilder {
  /** Appends a node (a leaf of value 0 until set) and returns its index. */
  addNode(): number;
  /** Makes `node` a leaf of value η·(−G/(H+λ)) from its histogram's totals (G, H). */
  setLeaf(node: number, hist: Float64Array): void;
  /** Makes `node` an inner node testing `split`, appends its two children and returns their indices. */
  setSplit(node: number, split: Split): { left: number; right: number };
  /** The finished tree. */
  build(): Tree;
}

/** Throws unless `params` describe a valid tree growth. */
export function checkTreeParams(params: TreeParams): void {
  if (!(Number.isInteger(params.maxDepth) && params.maxDepth >= 0)) {
    throw new CoreInputError(`maxDepth must be an integer ≥ 0, got ${params.maxDepth}`, 'maxDepth');
  }
  if (!(Number.isFinite(params.learningRate) && params.learningRate > 0)) {
    throw new CoreInputError(`learningRate must be > 0, got ${params.learningRate}`, 'learningRate');
  }
}

/**
 * A {@link TreeBuilder} for histograms of `layout` under `params`. Shared by {@link growTree} and
 * the federated grower (./federated.ts), which differ only in how a node's histogram is obtained.
 */
export function treeBuilder(layout: HistogramLayout, params: TreeParams): TreeBuilder {
  const nodes = { feature: [] as number[], bin: [] as number[], defaultLeft: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[] };
  const addNode = (): number => {
    nodes.feature.push(-1);
    nodes.bin.push(0);
    nodes.defaultLeft.push(0);
    nodes.left.push(-1);
    nodes.right.push(-1);
    nodes.value.push(0);
    return nodes.feature.length - 1;
  };
  return {
    addNode,
    setLeaf(node, hist) {
      const { g, h } = nodeTotals(hist, layout);
      nodes.value[node] = params.learningRate * leafWeight(g, h, params.lambda);
    },
    setSplit(node, split) {
      const left = addNode();
      const right = addNode();
      nodes.feature[node] = split.feature;
      nodes.bin[node] = split.bin;
      nodes.defaultLeft[node] = split.defaultLeft ? 1 : 0;
      nodes.left[node] = left;
      nodes.right[node] = right;
      return { left, right };
    },
    build: () => ({
      feature: Int32Array.from(nodes.feature),
      bin: Int32Array.from(nodes.bin),
      defaultLeft: Uint8Array.from(nodes.defaultLeft),
      left: Int32Array.from(nodes.left),
      right: Int32Array.from(nodes.right),
      value: Float64Array.from(nodes.value),
    }),
  };
}

/** A node waiting to be split or made a leaf. */
interface Pending {
  id: number;
  rows: Uint32Array;
  hist: Float64Array;
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
  checkTreeParams(params);
  if (data.columns.length === 0) throw new CoreInputError('growTree: data has no features', 'data');
  const layout: HistogramLayout = histogramLayout(data.bins);
  const tree = treeBuilder(layout, params);

  let level: Pending[] = [{ id: tree.addNode(), rows, hist: buildHistogram(layout, data, grad, hess, rows) }];
  for (let depth = 0; level.length > 0; depth++) {
    const next: Pending[] = [];
    for (const node of level) {
      const split = depth < params.maxDepth ? bestSplit(node.hist, layout, params, features) : undefined;
      if (split === undefined) {
        tree.setLeaf(node.id, node.hist);
        continue;
      }
      const parts = partitionRows(data, node.rows, split);
      const leftSmaller = parts.left.length <= parts.right.length;
      const smallHist = buildHistogram(layout, data, grad, hess, leftSmaller ? parts.left : parts.right);
      const largeHist = subtractHistogram(node.hist, smallHist);
      const { left, right } = tree.setSplit(node.id, split);
      next.push({ id: left, rows: parts.left, hist: leftSmaller ? smallHist : largeHist });
      next.push({ id: right, rows: parts.right, hist: leftSmaller ? largeHist : smallHist });
    }
    level = next;
  }
  return tree.build();
}

/** Index of the leaf that row `row` of `data` reaches in `tree`. */
export function leafOf(tree: Tree, data: BinnedData, row: number): number {
  let node = 0;
  for (let f = tree.feature[0]!; f >= 0; f = tree.feature[node]!) {
    const b = data.columns[f]![row]!;
    const left = goesLeft(b, tree.bin[node]!, tree.defaultLeft[node] === 1, data.bins[f]! - 1);
    node = left ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

/** Output of `tree` for row `row` of `data`: the value of the leaf it reaches. */
export function predictTree(tree: Tree, data: BinnedData, row: number): number {
  return tree.value[leafOf(tree, data, row)]!;
}
