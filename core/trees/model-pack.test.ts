/**
 * The packed and saved forms of a boosted model and the shared pieces of a gbdt job: a packed
 * model scores raw values exactly as its trees route bins, including missing values and the
 * "every present value left" split; malformed vectors and files are refused with the place; the
 * tree features, sketch grids and edges; the fixed-point grid; the numbering of tree sums.
 */
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../data/schema.ts';
import { validateTable } from '../data/table.ts';
import { seededRng, uniform01 } from '../random.ts';
import { binColumns, edgesFromCounts, gridCounts } from './bins.ts';
import { predictMargin, trainBoosted } from './boost.ts';
import { edgesFromSketch, sketchCounts, sketchGrids, treeColumns, treeFeatureNames } from './features.ts';
import { boostingStageShape, onSumGrid, treeStepRound } from './job-stages.ts';
import { levelHistograms } from './grow.ts';
import { histogramLayout } from './histogram.ts';
import { boostedFromJson, boostedToJson } from './model-json.ts';
import { ALL_VALUES, appendTrees, boostedMargins, emptyPacked, packBoosted, unpackBoosted } from './model-pack.ts';

/** Columns on a float32-exact grid (multiples of 1/64 in ±2), a third of them missing in column 0. */
function data(seed: number, n: number): { columns: Float64Array[]; labels: Uint8Array } {
  const rng = seededRng(seed);
  const columns = [0, 1, 2].map((f) => Float64Array.from({ length: n }, () => (f === 0 && uniform01(rng) < 0.3 ? Number.NaN : Math.round(128 * uniform01(rng) - 64) / 32)));
  const labels = Uint8Array.from({ length: n }, (_, i) => (uniform01(rng) < (Number.isNaN(columns[0]![i]!) ? 0.8 : columns[1]![i]! > 0 ? 0.6 : 0.2) ? 1 : 0));
  return { columns, labels };
}

describe('packed boosted models', () => {
  it('score raw values exactly as the trees route bins (missing values included)', () => {
    const { columns, labels } = data(1, 600);
    const edges = columns.map(() => Float64Array.from({ length: 15 }, (_, k) => (k - 7) / 4));
    const binned = binColumns(columns, edges);
    const model = trainBoosted(binned, labels, { trees: 12, maxDepth: 3, learningRate: 0.3 }, seededRng(2));
    const packed = packBoosted(model, edges);
    const margins = boostedMargins(unpackBoosted(packed, 3), columns);
    const reference = predictMargin(model, binned);
    for (let i = 0; i < margins.length; i++) expect(margins[i]).toBeCloseTo(reference[i]!, 5); // leaves rounded to float32
    expect(Array.from(appendTrees(packBoosted({ ...model, trees: model.trees.slice(0, 5) }, edges), model.trees.slice(5), edges))).toEqual(Array.from(packed));
  });

  it('sends every present value left at a split past the last edge, and refuses malformed vectors', () => {
    // One tree: root splits feature 0 past its last edge (missing right); leaves 1 (left) and −1.
    const packed = Float32Array.of(1, 0, 1, 3, 0, ALL_VALUES, 0, 1, 2, 0, -1, 0, 0, -1, -1, 1, -1, 0, 0, -1, -1, -1);
    const m = boostedMargins(unpackBoosted(packed), [Float64Array.of(1e30, -5, Number.NaN)]);
    expect(Array.from(m)).toEqual([1, 1, -1]);
    expect(() => unpackBoosted(Float32Array.of(2, 0, 0))).toThrow(/expected format 1/);
    expect(() => unpackBoosted(Float32Array.of(1, 0, 1, 3, 0, 0, 0, 1, 7, 0))).toThrow(/tree 0 has an invalid node count/);
    const badChild = packed.slice();
    badChild[7] = 9;
    expect(() => unpackBoosted(badChild)).toThrow(/tree 0 node 0 has children 9, 2 outside the tree/);
    expect(() => unpackBoosted(packed, 0)).toThrow(/tree 0 node 0 tests feature 0/);
    expect(() => unpackBoosted(Float32Array.of(...packed, 5))).toThrow(/1 numbers after the last tree/);
    expect(unpackBoosted(emptyPacked(-1.5)).trees).toEqual([]);
  });

  it('save as readable JSON with feature names and read back to the same vector', () => {
    const { columns, labels } = data(3, 400);
    const edges = columns.map(() => Float64Array.of(-1, 0, 1));
    const packed = packBoosted(trainBoosted(binColumns(columns, edges), labels, { trees: 4, maxDepth: 2 }, seededRng(4)), edges);
    const json = boostedToJson(packed, ['age', 'income', 'debt']);
    expect(json.trees[0]!.nodes[0]).toMatchObject({ feature: expect.stringMatching(/age|income|debt/), missing: expect.stringMatching(/left|right/) });
    expect(Array.from(boostedFromJson(JSON.parse(JSON.stringify(json)), ['age', 'income', 'debt']))).toEqual(Array.from(packed));
    expect(() => boostedFromJson({ ...json, format: 'x' })).toThrow(/boosted model: format/);
    expect(() => boostedFromJson(json, ['age', 'income'])).toThrow(/are not the schema's/);
    const renamed = structuredClone(json);
    (renamed.trees[0]!.nodes[0] as { feature: string }).feature = 'salary';
    expect(() => boostedFromJson(renamed)).toThrow(/trees.0.nodes.0.feature "salary" is not among the model's features/);
  });
});

describe('gbdt job pieces', () => {
  const schema = DataSchemaSchema.parse({
    label: { column: 'y', positive: 'bad' },
    numeric: [{ name: 'income', transform: 'log' }, { name: 'age', range: [18, 70] }],
    categorical: [{ name: 'home', levels: ['own', 'rent'] }],
  });
  const table = validateTable(['y', 'income', 'age', 'home'], [['bad', '1000', '17', 'own'], ['good', '', '40', 'rent'], ['good', '50', '90', '']], schema, 't.csv').table;

  it('tree features keep missing values missing, clip to the range, and one-hot the levels', () => {
    expect(treeFeatureNames(schema)).toEqual(['income', 'age', 'home=own', 'home=rent', 'home=__missing__']);
    const cols = treeColumns(table, schema);
    expect(cols[0]![0]).toBeCloseTo(Math.log1p(1000), 12);
    expect(Number.isNaN(cols[0]![1]!)).toBe(true);
    expect(Array.from(cols[1]!)).toEqual([18, 40, 70]);
    expect(cols.slice(2).map((c) => Array.from(c))).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  it('sketch grids are float32-exact and ascending, and summed sketches give the pooled edges', () => {
    const grids = sketchGrids(schema, { mean: [5, 40], std: [2, 10] }, 257);
    expect(grids[1]![0]).toBe(18);
    expect(grids[1]!.at(-1)).toBe(70);
    for (const g of grids) for (let k = 0; k < g.length; k++) expect(Math.fround(g[k]!) === g[k] && (k === 0 || g[k - 1]! < g[k]!)).toBe(true);
    const rng = seededRng(5);
    const parts = [0, 1, 2].map(() => [Float64Array.from({ length: 300 }, () => 5 + 2 * (uniform01(rng) + uniform01(rng) - 1)), Float64Array.from({ length: 300 }, () => 18 + 52 * uniform01(rng))]);
    const sum = new Float64Array(grids.reduce((a, g) => a + g.length + 1, 0));
    for (const p of parts) sketchCounts(p, grids).forEach((v, i) => (sum[i]! += v));
    const edges = edgesFromSketch(grids, sum, 16);
    const pooled = (f: number) => Float64Array.from(parts.flatMap((p) => Array.from(p[f]!)));
    for (const f of [0, 1]) expect(edges[f]).toEqual(Array.from(edgesFromCounts(grids[f]!, gridCounts(pooled(f), grids[f]!), 16)));
    expect(() => edgesFromSketch(grids, sum.subarray(1), 16)).toThrow(/sketch sum has/);
  });

  it('refuses a partial tree from elsewhere that would not route rows to an end', () => {
    const data = binColumns([Float64Array.of(0, 1, 2)], [Float64Array.of(0.5, 1.5)]);
    const ok = { feature: [0, -1, -1], bin: [1, 0, 0], defaultLeft: [0, 0, 0], left: [1, -1, -1], right: [2, -1, -1] };
    const hist = (partial: typeof ok) => levelHistograms(histogramLayout(data.bins), data, [1, 1, 1], [1, 1, 1], Uint32Array.of(0, 1, 2), { partial, nodes: [1] });
    expect(Array.from(hist(ok)).filter((x) => x !== 0).length).toBeGreaterThan(0);
    expect(() => hist({ ...ok, left: [0, -1, -1] })).toThrow(/node 0 has children 0 and 2; children must come after their parent/);
    expect(() => hist({ ...ok, feature: [3, -1, -1] })).toThrow(/node 0 tests feature 3, which does not exist/);
    expect(() => hist({ ...ok, bin: [3, 0, 0] })).toThrow(/outside its value bins/);
  });

  it('puts contributions on the 2^-24 grid, numbers every tree sum once, and checks a task\'s level', () => {
    const v = onSumGrid(Float64Array.of(0.1, -0.1, 3, 1e6 + 1e-9));
    for (const x of v) expect(Number.isInteger(x * 2 ** 24)).toBe(true);
    expect(Math.abs(v[0]! - 0.1)).toBeLessThanOrEqual(2 ** -25);
    const seen = new Set<number>();
    for (let t = 1; t <= 5; t++) for (let l = 0; l < 4; l++) seen.add(treeStepRound(t, l, 4));
    expect(seen.size).toBe(20);
    expect(() => treeStepRound(1, 4, 4)).toThrow(/no tree sum/);
    const config = { job: { model: { type: 'gbdt', maxDepth: 4 } as never }, schema, preprocessing: { mean: [0, 40], std: [1, 10], edges: [[1, 2], [30]] }, tree: { tree: 2, level: 1, nodes: [3, 4] } };
    expect(boostingStageShape('tree', treeStepRound(2, 1, 4), config)).toEqual({ hist: 2 * 2 * (4 + 3 + 3 * 3) });
    expect(() => boostingStageShape('tree', 1, config)).toThrow(/is sum 6 of the job, but the task says 1/);
    expect(() => boostingStageShape('tree', 6, { ...config, job: { model: { type: 'logistic' } } })).toThrow(/belongs to a gbdt job/);
  });
});
