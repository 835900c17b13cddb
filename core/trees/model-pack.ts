/**
 * A boosted model as one float32 vector — the form in which the round engine stores, resumes
 * and sends a model — and its scoring on raw tree features.
 *
 * Layout: [FORMAT, baseScore, treeCount], then per tree [nodeCount] followed by six numbers per
 * node: feature, threshold, defaultLeft, left, right, value. A node with feature −1 is a leaf
 * whose value is its output; any other node sends a row left when its value of the feature is
 * missing and defaultLeft is 1, or when the value is ≤ threshold; the threshold
 * {@link ALL_VALUES} (the largest float32) sends every present value left, so a stored model
 * holds only finite numbers. Thresholds are the job's bin edges, which are float32-exact (./features.ts), so
 * "bin ≤ t" during training and "value ≤ threshold" when scoring make the same decision. Node
 * indices and features are small integers, exact in float32; leaf values are rounded to float32
 * when packed, and every party — members training on the model, the coordinator, a scorer — reads
 * the same rounded values.
 *
 * Pure module: no I/O, no randomness.
 */
import { CoreInputError } from '../types.ts';
import type { BoostedModel } from './boost.ts';

/** Name of the packed format in model metadata. */
export const BOOSTED_FORMAT = 'fedcredit-boosted-trees/1';

/** Threshold of a split that sends every present value left (it separates missing values only). */
export const ALL_VALUES = 3.4028234663852886e38;

/** Version tag in the first slot of a packed model. */
export const PACKED_FORMAT = 1;
const HEADER = 3;
const NODE = 6;

/** One tree of a packed model, with thresholds in feature units. */
export interface ScoringTree {
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float32Array;
}

/** A boosted model ready to score raw tree features. */
export interface ScoringModel {
  baseScore: number;
  trees: ScoringTree[];
}

/** The empty model of a job (no tree yet) with its base score. */
export function emptyPacked(baseScore: number): Float32Array {
  return Float32Array.of(PACKED_FORMAT, baseScore, 0);
}

/**
 * `model` (trees with bin thresholds) packed with the edges of each feature: a split at bin t
 * of feature f gets the threshold edges[f][t] (+∞ past the last edge).
 */
export function packBoosted(model: BoostedModel, edges: readonly ArrayLike<number>[]): Float32Array {
  const size = HEADER + model.trees.reduce((a, t) => a + 1 + NODE * t.feature.length, 0);
  const out = new Float32Array(size);
  out.set([PACKED_FORMAT, model.baseScore, model.trees.length]);
  let o = HEADER;
  for (const t of model.trees) {
    out[o++] = t.feature.length;
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i]!;
      let threshold = 0;
      if (f >= 0) {
        const e = edges[f];
        if (e === undefined) throw new CoreInputError(`packBoosted: no edges for feature ${f}`, 'edges');
        threshold = t.bin[i]! < e.length ? e[t.bin[i]!]! : ALL_VALUES;
      }
      out.set([f, threshold, t.defaultLeft[i]!, t.left[i]!, t.right[i]!, t.value[i]!], o);
      o += NODE;
    }
  }
  return out;
}

/** `packed` with `more` trees appended (the vector of the model after another round). */
export function appendTrees(packed: Float32Array, more: BoostedModel['trees'], edges: readonly ArrayLike<number>[]): Float32Array {
  const head = unpackBoosted(packed);
  const tail = packBoosted({ baseScore: head.baseScore, trees: more }, edges);
  const out = new Float32Array(packed.length + tail.length - HEADER);
  out.set(packed);
  out[2] = head.trees.length + more.length;
  out.set(tail.subarray(HEADER), packed.length);
  return out;
}

/**
 * Reads a packed model, checking its structure (format, counts, node links, features below
 * `featureCount` when given); throws {@link CoreInputError} saying where it is malformed.
 */
export function unpackBoosted(packed: Float32Array, featureCount?: number): ScoringModel {
  const bad = (why: string) => new CoreInputError(`packed boosted model: ${why}`, 'packed');
  if (packed.length < HEADER || packed[0] !== PACKED_FORMAT) throw bad(`expected format ${PACKED_FORMAT} in a vector of at least ${HEADER} numbers`);
  const baseScore = packed[1]!;
  const count = packed[2]!;
  if (!Number.isFinite(baseScore)) throw bad('the base score is not finite');
  if (!(Number.isInteger(count) && count >= 0)) throw bad(`tree count ${count} is not an integer ≥ 0`);
  const trees: ScoringTree[] = [];
  let o = HEADER;
  for (let t = 0; t < count; t++) {
    const nodes = packed[o++];
    if (nodes === undefined || !(Number.isInteger(nodes) && nodes >= 1) || o + NODE * nodes > packed.length) throw bad(`tree ${t} has an invalid node count`);
    const tree: ScoringTree = {
      feature: new Int32Array(nodes), threshold: new Float32Array(nodes), defaultLeft: new Uint8Array(nodes),
      left: new Int32Array(nodes), right: new Int32Array(nodes), value: new Float32Array(nodes),
    };
    for (let i = 0; i < nodes; i++, o += NODE) {
      const [f, thr, dl, l, r, v] = packed.subarray(o, o + NODE) as unknown as number[];
      const leaf = f === -1;
      if (!Number.isInteger(f) || f! < -1 || (featureCount !== undefined && f! >= featureCount)) throw bad(`tree ${t} node ${i} tests feature ${f}`);
      if (!leaf && !(Number.isInteger(l) && Number.isInteger(r) && l! > i && r! > i && l! < nodes && r! < nodes)) throw bad(`tree ${t} node ${i} has children ${l}, ${r} outside the tree`);
      if (!Number.isFinite(v!) || !Number.isFinite(thr!) || (dl !== 0 && dl !== 1)) throw bad(`tree ${t} node ${i} has a non-finite value or threshold, or a bad missing direction`);
      tree.feature[i] = f!;
      tree.threshold[i] = thr!;
      tree.defaultLeft[i] = dl!;
      tree.left[i] = leaf ? -1 : l!;
      tree.right[i] = leaf ? -1 : r!;
      tree.value[i] = v!;
    }
    trees.push(tree);
  }
  if (o !== packed.length) throw bad(`${packed.length - o} numbers after the last tree`);
  return { baseScore, trees };
}

/** Output of `tree` for a row whose value of feature f is `featureValue(f)` (NaN = missing). */
export function scoreTree(tree: ScoringTree, featureValue: (feature: number) => number): number {
  let node = 0;
  for (let f = tree.feature[0]!; f >= 0; f = tree.feature[node]!) {
    const v = featureValue(f);
    const threshold = tree.threshold[node]!;
    const left = Number.isNaN(v) ? tree.defaultLeft[node] === 1 : v <= threshold || threshold === ALL_VALUES;
    node = left ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** Margins (log-odds) of `model` for every row of the tree feature `columns` (./features.ts `treeColumns`). */
export function boostedMargins(model: ScoringModel, columns: readonly Float64Array[]): Float64Array {
  const margin = new Float64Array(columns[0]?.length ?? 0).fill(model.baseScore);
  addTreeOutputs(model, columns, margin, 0);
  return margin;
}

/** Adds the outputs of `model`'s trees from index `from` on to `margin`, row by row (margins kept up to date as trees are added). */
export function addTreeOutputs(model: ScoringModel, columns: readonly Float64Array[], margin: Float64Array, from: number): void {
  const n = margin.length;
  for (let t = from; t < model.trees.length; t++) {
    const tree = model.trees[t]!;
    for (let i = 0; i < n; i++) margin[i]! += scoreTree(tree, (f) => columns[f]![i]!);
  }
}
