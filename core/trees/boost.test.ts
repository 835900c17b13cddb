/**
 * Tests of tree growth and boosting: tree shape and leaf values against direct sums, missing
 * values routed the learned way, determinism under a seeded rng, and — on synthetic data where
 * the label depends on sign(x1·x2), an interaction a linear model cannot express — boosting
 * clearly beating logistic regression.
 */
import { describe, expect, it } from 'vitest';
import { exactAuc } from '../metrics/exact.ts';
import { seededRng, uniform01 } from '../random.ts';
import type { BinnedData } from './bins.ts';
import { binColumns, quantileEdges } from './bins.ts';
import { logisticGradients, predictMargin, sigmoid, trainBoosted } from './boost.ts';
import type { Tree } from './tree.ts';
import { growTree } from './grow.ts';
import { leafOf } from './tree.ts';

/** n rows of x1…x4 ~ U(−1, 1) (x3, x4 pure noise); y = [x1·x2 > 0], flipped with probability 0.1. */
function interactionData(seed: number, n: number): { columns: Float64Array[]; labels: Uint8Array } {
  const rng = seededRng(seed);
  const columns = [0, 1, 2, 3].map(() => Float64Array.from({ length: n }, () => 2 * uniform01(rng) - 1));
  const labels = Uint8Array.from({ length: n }, (_, i) => {
    const y = columns[0]![i]! * columns[1]![i]! > 0 ? 1 : 0;
    return uniform01(rng) < 0.1 ? 1 - y : y;
  });
  return { columns, labels };
}

/** Logistic regression on the raw features by full-batch gradient descent (the linear baseline). */
function logisticRegression(columns: Float64Array[], labels: Uint8Array): (cols: Float64Array[], i: number) => number {
  const w = new Float64Array(columns.length + 1);
  const n = labels.length;
  for (let step = 0; step < 300; step++) {
    const grad = new Float64Array(w.length);
    for (let i = 0; i < n; i++) {
      let z = w[columns.length]!;
      for (const [f, c] of columns.entries()) z += w[f]! * c[i]!;
      const e = sigmoid(z) - labels[i]!;
      for (const [f, c] of columns.entries()) grad[f]! += (e * c[i]!) / n;
      grad[columns.length]! += e / n;
    }
    for (let k = 0; k < w.length; k++) w[k]! -= 1 * grad[k]!;
  }
  return (cols, i) => cols.reduce((z, c, f) => z + w[f]! * c[i]!, w[columns.length]!);
}

function depthOf(tree: Tree, node = 0): number {
  return tree.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(tree, tree.left[node]!), depthOf(tree, tree.right[node]!));
}

describe('growTree', () => {
  it('stops at the maximum depth and gives each leaf η·(−G/(H+λ)) over the rows that reach it', () => {
    const { columns, labels } = interactionData(1, 600);
    const data = binColumns(columns, columns.map((c) => quantileEdges(c, 32)));
    const grad = new Float64Array(600);
    const hess = new Float64Array(600);
    logisticGradients(new Float64Array(600), labels, grad, hess);
    const rows = Uint32Array.from({ length: 600 }, (_, i) => i);
    const params = { maxDepth: 3, learningRate: 0.3, lambda: 2, gamma: 0, minChildWeight: 1 };
    const tree = growTree(data, grad, hess, rows, params, [0, 1, 2, 3]);
    expect(depthOf(tree)).toBe(3);
    const sums = new Map<number, { g: number; h: number }>();
    for (const r of rows) {
      const leaf = leafOf(tree, data, r);
      const s = sums.get(leaf) ?? { g: 0, h: 0 };
      sums.set(leaf, { g: s.g + grad[r]!, h: s.h + hess[r]! });
    }
    for (const [leaf, { g, h }] of sums) expect(tree.value[leaf]).toBeCloseTo((0.3 * -g) / (h + 2), 10);
    // Only the allowed features are split on.
    const only = growTree(data, grad, hess, rows, params, [2]);
    expect(Array.from(only.feature).filter((f) => f >= 0 && f !== 2)).toEqual([]);
    // Depth 0 is a single leaf.
    expect(growTree(data, grad, hess, rows, { ...params, maxDepth: 0 }, [0]).feature.length).toBe(1);
  });

  it('sends missing values the learned way', () => {
    // x in 0…9 with y = [x ≥ 5]; the rows with x missing are all positive, so they belong with the high values.
    const n = 440;
    const x = Float64Array.from({ length: n }, (_, i) => (i < 400 ? i % 10 : Number.NaN));
    const labels = Uint8Array.from(x, (v) => (Number.isNaN(v) || v >= 5 ? 1 : 0));
    const data = binColumns([x], [quantileEdges(x, 16)]);
    const model = trainBoosted(data, labels, { trees: 5, maxDepth: 1, learningRate: 0.5 }, seededRng(0));
    expect(model.trees[0]!.defaultLeft[0]).toBe(0);
    const margin = predictMargin(model, data);
    expect(margin[439]).toBeCloseTo(margin[9]!, 12); // a missing row scores like x = 9
    expect(margin[439]!).toBeGreaterThan(margin[0]! + 2);
  });
});

describe('trainBoosted', () => {
  const train = interactionData(2, 3000);
  const test = interactionData(3, 2000);
  const edges = train.columns.map((c) => quantileEdges(c, 64));
  const trainData: BinnedData = binColumns(train.columns, edges);
  const testData = binColumns(test.columns, edges);

  it('beats logistic regression clearly when the label depends on the sign of x1·x2', () => {
    const model = trainBoosted(trainData, train.labels, { trees: 40, maxDepth: 3, learningRate: 0.3 }, seededRng(4));
    const boostedAuc = exactAuc(predictMargin(model, testData), test.labels);
    const lr = logisticRegression(train.columns, train.labels);
    const linearAuc = exactAuc(Float64Array.from({ length: 2000 }, (_, i) => lr(test.columns, i)), test.labels);
    console.log(`x1·x2 interaction: boosted AUC ${boostedAuc.toFixed(4)}, logistic regression ${linearAuc.toFixed(4)}`);
    expect(linearAuc).toBeLessThan(0.6);
    expect(boostedAuc).toBeGreaterThan(0.85);
    expect(boostedAuc - linearAuc).toBeGreaterThan(0.25);
  });

  it('starts from the log-odds of the label mean', () => {
    const model = trainBoosted(trainData, train.labels, { trees: 0 }, seededRng(0));
    const mean = train.labels.reduce((a, y) => a + y, 0) / train.labels.length;
    expect(model.baseScore).toBeCloseTo(Math.log(mean / (1 - mean)), 12);
    expect(Array.from(new Set(predictMargin(model, testData)))).toEqual([model.baseScore]);
  });

  it('is deterministic given the rng, and row/feature subsampling follow it', () => {
    const opts = { trees: 8, maxDepth: 3, learningRate: 0.3, rowSubsample: 0.7, featureSubsample: 0.5 };
    const a = trainBoosted(trainData, train.labels, opts, seededRng(9));
    const b = trainBoosted(trainData, train.labels, opts, seededRng(9));
    const c = trainBoosted(trainData, train.labels, opts, seededRng(10));
    expect(predictMargin(a, testData)).toEqual(predictMargin(b, testData));
    expect(predictMargin(a, testData)).not.toEqual(predictMargin(c, testData));
    for (const tree of a.trees) expect(new Set(Array.from(tree.feature).filter((f) => f >= 0)).size).toBeLessThanOrEqual(2);
    // Without subsampling the rng is not read at all.
    const rngA = seededRng(1);
    const untouched = seededRng(1);
    trainBoosted(trainData, train.labels, { trees: 2, maxDepth: 2 }, rngA);
    expect(rngA(8)).toEqual(untouched(8));
  });

  it('rejects invalid options and labels', () => {
    const rng = seededRng(0);
    expect(() => trainBoosted(trainData, train.labels, { trees: 1, learningRate: 0 }, rng)).toThrow(/learningRate/);
    expect(() => trainBoosted(trainData, train.labels, { trees: 1, rowSubsample: 1.5 }, rng)).toThrow(/rowSubsample/);
    expect(() => trainBoosted(trainData, new Uint8Array(3000), { trees: 1 }, rng)).toThrow(/both classes/);
    expect(() => trainBoosted(trainData, new Uint8Array(5), { trees: 1 }, rng)).toThrow(/labels/);
    expect(() => trainBoosted(trainData, train.labels, { trees: 1, lambda: Number.NaN }, rng)).toThrow(/lambda/);
  });
});
