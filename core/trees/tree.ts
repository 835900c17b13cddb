/**
 * One regression tree over binned features, stored as flat arrays, and its depth-wise growth.
 *
 * Representation. Node 0 is the root; node i is a leaf when feature[i] = −1, and then value[i]
 * is its output (already scaled by the learning rate). Otherwise it sends a row right or left by
 * the row's bin b of feature[i]: the missing bin goes left iff defaultLeft[i] = 1, any other bin
 * goes left iff b ≤ bin[i]; left[i] and right[i] are the children's node indices.
 *
 * Growth is depth-wise and driven by histograms only: ./level-grower.ts decides each level from
 * the nodes' gradient histograms, and ./grow.ts builds those histograms from rows (in one place,
 * or per member in the federated version).
 *
 * Pure module: no I/O, no randomness.
 */
import { CoreInputError } from '../types.ts';
import type { BinnedData } from './bins.ts';
import type { SplitParams } from './split.ts';

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

/** Throws unless `params` describe a valid tree growth. */
export function checkTreeParams(params: TreeParams): void {
  if (!(Number.isInteger(params.maxDepth) && params.maxDepth >= 0)) {
    throw new CoreInputError(`maxDepth must be an integer ≥ 0, got ${params.maxDepth}`, 'maxDepth');
  }
  if (!(Number.isFinite(params.learningRate) && params.learningRate > 0)) {
    throw new CoreInputError(`learningRate must be > 0, got ${params.learningRate}`, 'learningRate');
  }
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
