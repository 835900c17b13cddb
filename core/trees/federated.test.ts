/**
 * Tests of federated boosting: without sampling, the federated trees are those of trainBoosted on
 * the pooled rows (three members of different sizes, with missing values); the edges from summed
 * grid counts are the pooled ones; the sum port receives only per-member vectors of the
 * documented lengths, at most once per node; and on credit_data split over three members the
 * federated model scores the held-out rows exactly as the pooled one.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../data/schema.ts';
import type { Table } from '../data/table.ts';
import { subsetTable, validateTable } from '../data/table.ts';
import { exactAuc } from '../metrics/exact.ts';
import { seededRng, shuffleInPlace, uniform01 } from '../random.ts';
import type { BinnedData } from './bins.ts';
import { binColumns, edgesFromCounts, gridCounts, linearGrid, quantileEdges } from './bins.ts';
import type { BoostedModel } from './boost.ts';
import { predictMargin, trainBoosted } from './boost.ts';
import type { FederatedMember, HistogramSum } from './federated.ts';
import { federatedBinEdges, plainHistogramSum, trainFederatedBoosted } from './federated.ts';
import { histogramLayout } from './histogram.ts';
import type { Tree } from './tree.ts';

/** n rows of x1…x4 ~ U(−1, 1), about 10% of x1 and x3 missing; y = [x1·x2 > 0] (x1 read as 0 when missing), 10% flipped. */
function syntheticRows(seed: number, n: number): { columns: Float64Array[]; labels: Uint8Array } {
  const rng = seededRng(seed);
  const columns = [0, 1, 2, 3].map(() => Float64Array.from({ length: n }, () => 2 * uniform01(rng) - 1));
  const labels = Uint8Array.from({ length: n }, (_, i) => {
    const y = columns[0]![i]! * columns[1]![i]! > 0 ? 1 : 0;
    return uniform01(rng) < 0.1 ? 1 - y : y;
  });
  for (const f of [0, 2]) {
    for (let i = 0; i < n; i++) if (uniform01(rng) < 0.1) columns[f]![i] = Number.NaN;
  }
  return { columns, labels };
}

const concat = (parts: ArrayLike<number>[]): Float64Array => Float64Array.from(parts.flatMap((p) => Array.from(p)));

/** Three members of the given sizes and their pooled rows (members' rows concatenated in order). */
function split3(seed: number, sizes: number[]) {
  const raw = sizes.map((n, k) => ({ name: `m${k}`, ...syntheticRows(seed + k, n) }));
  const pooledColumns = [0, 1, 2, 3].map((f) => concat(raw.map((r) => r.columns[f]!)));
  const pooledLabels = concat(raw.map((r) => r.labels));
  return { raw, pooledColumns, pooledLabels };
}

function expectSameModel(fed: BoostedModel, pooled: BoostedModel): void {
  expect(fed.baseScore).toBe(pooled.baseScore);
  expect(fed.trees.length).toBe(pooled.trees.length);
  for (const [t, a] of fed.trees.entries()) {
    const b = pooled.trees[t]!;
    expect(Array.from(a.feature)).toEqual(Array.from(b.feature));
    expect(Array.from(a.bin)).toEqual(Array.from(b.bin));
    expect(Array.from(a.defaultLeft)).toEqual(Array.from(b.defaultLeft));
    expect(Array.from(a.left)).toEqual(Array.from(b.left));
    expect(Array.from(a.right)).toEqual(Array.from(b.right));
    for (let i = 0; i < a.value.length; i++) expect(Math.abs(a.value[i]! - b.value[i]!)).toBeLessThan(1e-9);
  }
}

describe('trainFederatedBoosted', () => {
  it('without sampling, grows exactly the trees of trainBoosted on the pooled rows (3 members, missing values)', async () => {
    const { raw, pooledColumns, pooledLabels } = split3(10, [150, 420, 260]);
    const edges = pooledColumns.map((c) => quantileEdges(c, 32));
    const members: FederatedMember[] = raw.map((r) => ({ name: r.name, data: binColumns(r.columns, edges), labels: r.labels }));
    const options = { trees: 15, maxDepth: 4, learningRate: 0.3, lambda: 1, minChildWeight: 1 };
    const fed = await trainFederatedBoosted(members, options, plainHistogramSum, seededRng(1));
    const pooled = trainBoosted(binColumns(pooledColumns, edges), pooledLabels, options, seededRng(1));
    expect(pooled.trees.some((t) => t.defaultLeft.some((d) => d === 1))).toBe(true); // missing routing is exercised
    expect(pooled.trees.every((t) => t.feature.length > 7)).toBe(true); // trees of some size
    expectSameModel(fed, pooled);
  });

  it('stays identical to the pooled trees on coarse data with many exact ties, λ = 0 and minChildWeight = 0', async () => {
    for (let seed = 0; seed < 8; seed++) {
      const rng = seededRng(100 + seed);
      const sizes = [40 + seed * 20, 200 - seed * 10, 120];
      const n = sizes.reduce((a, b) => a + b, 0);
      // Few distinct values (ties everywhere), missing values in two features.
      const columns = [0, 1, 2, 3].map((f) => Float64Array.from({ length: n }, () => (f % 2 === 1 && uniform01(rng) < 0.15 ? Number.NaN : Math.round(6 * uniform01(rng)))));
      const labels = Uint8Array.from({ length: n }, (_, i) => (uniform01(rng) < (columns[0]![i]! > 2 === columns[1]![i]! > 3 ? 0.8 : 0.2) ? 1 : 0));
      const edges = columns.map((c) => quantileEdges(c, 8));
      let start = 0;
      const members: FederatedMember[] = sizes.map((m, k) => {
        const a = start;
        start += m;
        return { name: `m${k}`, data: binColumns(columns.map((c) => c.slice(a, a + m)), edges), labels: labels.slice(a, a + m) };
      });
      const options = { trees: 8, maxDepth: 5, lambda: seed % 2, minChildWeight: seed < 4 ? 0 : 0.5 };
      const fed = await trainFederatedBoosted(members, options, plainHistogramSum, seededRng(1));
      expectSameModel(fed, trainBoosted(binColumns(columns, edges), labels, options, seededRng(1)));
    }
  });

  it('passes the sum port only per-member vectors of the documented lengths, one sum per level above the leaves', async () => {
    const { raw, pooledColumns } = split3(20, [90, 200, 130]);
    const edges = pooledColumns.map((c) => quantileEdges(c, 16));
    const members: FederatedMember[] = raw.map((r) => ({ name: r.name, data: binColumns(r.columns, edges), labels: r.labels }));
    const histLength = histogramLayout(members[0]!.data.bins).length;
    const calls: { names: string[]; lengths: number[] }[] = [];
    const recording: HistogramSum = (perMember) => {
      calls.push({ names: [...perMember.keys()], lengths: [...perMember.values()].map((v) => v.length) });
      return plainHistogramSum(perMember);
    };
    const maxDepth = 3;
    const model = await trainFederatedBoosted(members, { trees: 6, maxDepth, rowSubsample: 0.7, featureSubsample: 0.5 }, recording, seededRng(3));
    for (const c of calls) expect(c.names).toEqual(['m0', 'm1', 'm2']);
    expect(calls[0]!.lengths).toEqual([2, 2, 2]); // (rows, positives), once
    for (const c of calls.slice(1)) {
      expect(new Set(c.lengths).size).toBe(1);
      expect(c.lengths[0]! % histLength).toBe(0);
    }
    // Per tree: one sum per level that has nodes to split (at most maxDepth); it holds the root's
    // histogram, then one child's of each node split above the second-to-last level.
    let expectedSums = 0;
    let expectedHistograms = 0;
    for (const t of model.trees) {
      const depth = nodeDepths(t);
      const splitAt = (d: number) => Array.from(t.feature).filter((f, i) => f >= 0 && depth[i] === d).length;
      expectedSums += 1;
      expectedHistograms += 1;
      for (let d = 0; d < maxDepth - 1 && splitAt(d) > 0; d++) {
        expectedSums++;
        expectedHistograms += splitAt(d);
      }
    }
    expect(calls.length - 1).toBe(expectedSums);
    expect(calls.slice(1).reduce((a, c) => a + c.lengths[0]! / histLength, 0)).toBe(expectedHistograms);
    // Feature subsampling: 2 of 4 features per tree; the run is reproducible under the same seed.
    for (const t of model.trees) expect(new Set(Array.from(t.feature).filter((f) => f >= 0)).size).toBeLessThanOrEqual(2);
    const again = await trainFederatedBoosted(members, { trees: 6, maxDepth: 3, rowSubsample: 0.7, featureSubsample: 0.5 }, plainHistogramSum, seededRng(3));
    expectSameModel(again, model);
  });

  it('rejects a sum of the wrong length and members binned differently', async () => {
    const { raw, pooledColumns } = split3(30, [50, 60, 70]);
    const edges = pooledColumns.map((c) => quantileEdges(c, 8));
    const members: FederatedMember[] = raw.map((r) => ({ name: r.name, data: binColumns(r.columns, edges), labels: r.labels }));
    const short: HistogramSum = async () => new Float64Array(1);
    await expect(trainFederatedBoosted(members, { trees: 1 }, short, seededRng(1))).rejects.toThrow(/expected 2/);
    const other: BinnedData = binColumns(raw[0]!.columns, pooledColumns.map((c) => quantileEdges(c, 4)));
    const mixed = [{ ...members[0]!, data: other }, members[1]!];
    await expect(trainFederatedBoosted(mixed, { trees: 1 }, plainHistogramSum, seededRng(1))).rejects.toThrow(/binned differently/);
  });
});

describe('federatedBinEdges', () => {
  it('equals edgesFromCounts over the pooled grid counts', async () => {
    const { raw, pooledColumns } = split3(40, [300, 120, 500]);
    const grids = pooledColumns.map(() => linearGrid(-1, 1, 201));
    let sums = 0;
    const counting: HistogramSum = (perMember) => {
      sums++;
      return plainHistogramSum(perMember);
    };
    const fed = await federatedBinEdges(raw, grids, 16, counting);
    expect(sums).toBe(1);
    for (const [f, c] of pooledColumns.entries()) {
      const pooled = edgesFromCounts(grids[f]!, gridCounts(c, grids[f]!), 16);
      expect(pooled.length).toBeGreaterThan(10);
      expect(Array.from(fed[f]!)).toEqual(Array.from(pooled));
    }
  });
});

const file = (p: string): string => new URL(p, import.meta.url).pathname;

function loadCredit(): Table {
  const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(file('../../examples/credit/schema.json'), 'utf8')));
  const csv = file('../../examples/data/credit_data.csv');
  const [header, ...rows] = parse(readFileSync(csv, 'utf8')) as string[][];
  return validateTable(header!, rows, schema, csv).table;
}

const columnsOf = (t: Table): ArrayLike<number>[] => [...t.numeric, ...t.categorical];

describe('trainFederatedBoosted on credit_data', () => {
  it('split over 3 members, gives the pooled model and its held-out AUC', async () => {
    const table = loadCredit();
    const order = shuffleInPlace(Uint32Array.from({ length: table.n }, (_, i) => i), seededRng(2024)) as Uint32Array;
    const cut = Math.round(0.7 * table.n);
    const trainRows = order.slice(0, cut);
    const test = subsetTable(table, order.slice(cut));
    // Three members of unequal sizes; the pooled training set is their rows in member order.
    const bounds = [0, Math.round(0.2 * cut), Math.round(0.55 * cut), cut];
    const parts = [0, 1, 2].map((k) => subsetTable(table, trainRows.slice(bounds[k]!, bounds[k + 1]!)));
    const train = subsetTable(table, trainRows);
    // A public grid per feature (here: the distinct values of the whole table, standing in for the schema's ranges and levels).
    const grids = columnsOf(table).map((c) => Float64Array.from(new Set(Array.from(c).filter((v) => !Number.isNaN(v)))).sort());
    const raw = parts.map((p, k) => ({ name: `bank${k}`, columns: columnsOf(p) }));
    const edges = await federatedBinEdges(raw, grids, 256, plainHistogramSum);
    const members: FederatedMember[] = parts.map((p, k) => ({ name: `bank${k}`, data: binColumns(columnsOf(p), edges), labels: p.labels }));
    const options = { trees: 40, maxDepth: 4, learningRate: 0.1 };
    const fed = await trainFederatedBoosted(members, options, plainHistogramSum, seededRng(1));
    const pooled = trainBoosted(binColumns(columnsOf(train), edges), train.labels, options, seededRng(1));
    expectSameModel(fed, pooled);
    const testData = binColumns(columnsOf(test), edges);
    const fedAuc = exactAuc(predictMargin(fed, testData), test.labels);
    const pooledAuc = exactAuc(predictMargin(pooled, testData), test.labels);
    expect(fedAuc).toBe(pooledAuc);
    expect(fedAuc).toBeGreaterThan(0.8);
  });
});

/** Depth of every node of a tree (root 0). */
function nodeDepths(t: Tree): number[] {
  const depth = new Array<number>(t.feature.length).fill(0);
  for (let i = 0; i < t.feature.length; i++) {
    if (t.feature[i]! >= 0) {
      depth[t.left[i]!] = depth[i]! + 1;
      depth[t.right[i]!] = depth[i]! + 1;
    }
  }
  return depth;
}
