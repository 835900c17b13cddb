/** Tests of federated preprocessing: additivity, pooled statistics, encoding order and values. */
import { describe, expect, it } from 'vitest';
import { seededRng, standardNormal, uniform01 } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { encodeTable, preprocessingFromStats, statsContribution, statsShape, subsetTable } from './preprocess.ts';
import type { DataSchema } from './schema.ts';
import { DataSchemaSchema, featureNames, inputDim } from './schema.ts';
import type { Table } from './table.ts';

const schema: DataSchema = DataSchemaSchema.parse({
  label: { column: 'y', positive: 'bad' },
  numeric: [
    { name: 'a', missing: 'mean', indicator: true },
    { name: 'b', missing: 'zero' },
  ],
  categorical: [{ name: 'c', levels: ['p', 'q'], missing: 'level', unseen: 'other' }],
});

/** A random table: a ~ N(1000, 3²) with 10% missing, b ~ U(-5, 5) with 5% missing. */
function randomTable(n: number, seed: number): Table {
  const rng = seededRng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Int32Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = uniform01(rng) < 0.1 ? Number.NaN : 1000 + 3 * standardNormal(rng);
    b[i] = uniform01(rng) < 0.05 ? Number.NaN : 10 * uniform01(rng) - 5;
    c[i] = Math.floor(uniform01(rng) * 4);
    labels[i] = uniform01(rng) < 0.3 ? 1 : 0;
  }
  return { n, labels, numeric: [a, b], categorical: [c] };
}

/** Two-pass pooled mean and population std over the non-missing values of several columns. */
function pooled(cols: Float64Array[]): { mean: number; std: number } {
  const xs = cols.flatMap((c) => Array.from(c).filter((x) => !Number.isNaN(x)));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v) };
}

const range = (from: number, to: number) => Uint32Array.from({ length: to - from }, (_, i) => from + i);

describe('statsContribution', () => {
  it('has the documented shape and values', () => {
    const t: Table = {
      n: 3,
      labels: Uint8Array.from([1, 0, 1]),
      numeric: [Float64Array.from([1, Number.NaN, 3]), Float64Array.from([2, 2, 2])],
      categorical: [Int32Array.from([0, 1, 2])],
    };
    const c = statsContribution(t, schema);
    expect(statsShape(schema)).toEqual({ stats: 6, label: 2 });
    expect(Array.from(c.stats!)).toEqual([2, 4, 10, 3, 6, 12]);
    expect(Array.from(c.label!)).toEqual([3, 2]);
  });

  it('is additive: the sum over two halves equals the contribution of the whole', () => {
    const t = randomTable(1001, 7);
    const whole = statsContribution(t, schema);
    const h1 = statsContribution(subsetTable(t, range(0, 400)), schema);
    const h2 = statsContribution(subsetTable(t, range(400, 1001)), schema);
    for (const key of ['stats', 'label']) {
      whole[key]!.forEach((v, i) => expect(h1[key]![i]! + h2[key]![i]!).toBeCloseTo(v, 6));
    }
    expect(whole.stats![0]).toBe(h1.stats![0]! + h2.stats![0]!);
  });
});

describe('preprocessingFromStats', () => {
  it('gives the pooled mean and population std within 1e-9 (relative)', () => {
    const parts = [randomTable(300, 1), randomTable(500, 2), randomTable(77, 3)];
    const sum = { stats: new Float64Array(6), label: new Float64Array(2) };
    for (const p of parts) {
      const c = statsContribution(p, schema);
      c.stats!.forEach((v, i) => (sum.stats[i]! += v));
      c.label!.forEach((v, i) => (sum.label[i]! += v));
    }
    const prep = preprocessingFromStats(sum, schema);
    for (let j = 0; j < 2; j++) {
      const ref = pooled(parts.map((p) => p.numeric[j]!));
      expect(Math.abs(prep.mean[j]! - ref.mean)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref.mean)));
      expect(Math.abs(prep.std[j]! - ref.std)).toBeLessThan(1e-9 * Math.max(1, ref.std));
    }
    expect(prep.n).toBe(877);
    expect(prep.positives).toBe(parts.reduce((s, p) => s + p.labels.reduce((a, b) => a + b, 0), 0));
  });

  it('uses std 1 for a constant feature, even with large values', () => {
    const x = 1e6 + 0.1;
    const stats = Float64Array.from([10, 10 * x, 10 * x * x, 4, 0, 0]);
    const prep = preprocessingFromStats({ stats, label: Float64Array.from([10, 3]) }, schema);
    expect(prep.mean[0]).toBeCloseTo(x, 6);
    expect(prep.std).toEqual([1, 1]);
  });

  it('names a feature that has no value anywhere', () => {
    const stats = Float64Array.from([5, 10, 30, 0, 0, 0]);
    const call = () => preprocessingFromStats({ stats, label: Float64Array.from([5, 1]) }, schema);
    expect(call).toThrow(CoreInputError);
    expect(call).toThrow('no participant has any value for numeric feature "b" (every cell is missing); remove it from the schema or check the data');
  });

  it('rejects a wrongly shaped sum and an empty federation', () => {
    expect(() => preprocessingFromStats({ stats: new Float64Array(3), label: new Float64Array(2) }, schema)).toThrow(
      'preprocessing statistics: "stats" must have length 6, got 3',
    );
    expect(() => preprocessingFromStats({ stats: new Float64Array(6), label: new Float64Array(2) }, schema)).toThrow(
      'the participants have no rows in total',
    );
  });
});

describe('encodeTable', () => {
  it('encodes in featureNames order with standardization, imputation, indicator and one-hot', () => {
    expect(featureNames(schema)).toEqual(['a', 'a__missing', 'b', 'c=p', 'c=q', 'c=__other__', 'c=__missing__']);
    const t: Table = {
      n: 2,
      labels: Uint8Array.from([0, 1]),
      numeric: [Float64Array.from([12, Number.NaN]), Float64Array.from([Number.NaN, 7])],
      categorical: [Int32Array.from([1, 3])],
    };
    const prep = { mean: [10, 3], std: [2, 4], n: 2, positives: 1 };
    const x = encodeTable(t, schema, prep);
    expect(x).toBeInstanceOf(Float32Array);
    expect(x.length).toBe(2 * inputDim(schema));
    expect(Array.from(x.subarray(0, 7))).toEqual([1, 0, -0.75, 0, 1, 0, 0]);
    expect(Array.from(x.subarray(7, 14))).toEqual([0, 1, 1, 0, 0, 0, 1]);
    // Into a given array (e.g. shared memory) that held something else: the same encoding.
    const out = new Float32Array(new SharedArrayBuffer(4 * 2 * inputDim(schema))).fill(9);
    expect(encodeTable(t, schema, prep, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(x));
    expect(() => encodeTable(t, schema, prep, new Float32Array(5))).toThrow(/out has 5 elements, expected 2 rows × 7 = 14/);
  });

  it('gives standardized training columns mean 0 and std 1', () => {
    const t = randomTable(2000, 11);
    const sum = statsContribution(t, schema);
    const x = encodeTable(t, schema, preprocessingFromStats(sum, schema));
    const d = inputDim(schema);
    const col = Array.from({ length: t.n }, (_, i) => x[i * d + 2]!).filter((_, i) => !Number.isNaN(t.numeric[1]![i]));
    const mean = col.reduce((s, v) => s + v, 0) / col.length;
    const sd = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / col.length);
    expect(mean).toBeCloseTo(0, 5);
    expect(sd).toBeCloseTo(1, 5);
  });

  it('applies a log transform before statistics and standardization', () => {
    const logSchema = DataSchemaSchema.parse({
      label: { column: 'y', positive: 'bad' },
      numeric: [{ name: 'amount', transform: 'log' }],
      categorical: [],
    });
    const t: Table = {
      n: 3,
      labels: Uint8Array.from([0, 1, 0]),
      numeric: [Float64Array.from([0, Math.E - 1, -(Math.E ** 2 - 1)])],
      categorical: [],
    };
    const c = statsContribution(t, logSchema);
    expect(c.stats![1]).toBeCloseTo(0 + 1 - 2, 12);
    expect(c.stats![2]).toBeCloseTo(0 + 1 + 4, 12);
    const prep = preprocessingFromStats(c, logSchema);
    const sd = Math.sqrt(5 / 3 - 1 / 9);
    expect(Array.from(encodeTable(t, logSchema, prep))).toEqual(
      [0, 1, -2].map((v) => Math.fround((v + 1 / 3) / sd)),
    );
  });

  it('rejects preprocessing that does not match the schema', () => {
    const t = randomTable(3, 1);
    expect(() => encodeTable(t, schema, { mean: [0], std: [1], n: 3, positives: 1 })).toThrow(
      'encodeTable: preprocessing has 1 means and 1 stds for 2 numeric features',
    );
  });
});
