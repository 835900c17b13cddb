import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../data/schema.ts';
import type { Table } from '../data/table.ts';
import { seededRng, standardNormal, uniform01 } from '../random.ts';
import { metricsFromBoundedEvaluation, preprocessingFromBoundedStats } from './record-decode.ts';
import { boundedEvaluation, boundedStats, logitBin, noisedRelease } from './record-releases.ts';
import type { NoisedRelease } from './record-plan.ts';

const schema = DataSchemaSchema.parse({
  label: { column: 'y', positive: '1' },
  numeric: [{ name: 'age', range: [20, 60] }, { name: 'income', range: [0, 100] }],
});
function table(n: number, seed: number): Table {
  const rng = seededRng(seed);
  const age = Float64Array.from({ length: n }, () => 40 + 8 * standardNormal(rng));
  const income = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? NaN : 30 + 10 * standardNormal(rng)));
  age[0] = 95; // clipped to 60
  return { n, labels: Uint8Array.from({ length: n }, () => (uniform01(rng) < 0.3 ? 1 : 0)), numeric: [age, income], categorical: [] };
}

describe('bounded statistics', () => {
  it('move by at most 1 per coordinate when one row is added, and decode to the pooled means and deviations', () => {
    const t = table(2000, 1);
    const with1 = boundedStats({ ...t, n: t.n + 1, labels: Uint8Array.of(...t.labels, 1), numeric: t.numeric.map((c) => Float64Array.of(...c, 1e9)) }, schema);
    const base = boundedStats(t, schema);
    for (const k of ['stats', 'label']) for (let i = 0; i < base[k]!.length; i++) expect(Math.abs(with1[k]![i]! - base[k]![i]!)).toBeLessThanOrEqual(1 + 1e-9);
    const p = preprocessingFromBoundedStats(base, schema);
    const ages = Array.from(t.numeric[0]!, (x) => Math.min(60, Math.max(20, x)));
    const mean = ages.reduce((a, b) => a + b, 0) / ages.length;
    expect(p.mean[0]).toBeCloseTo(mean, 9);
    expect(p.std[0]).toBeCloseTo(Math.sqrt(ages.reduce((a, b) => a + (b - mean) ** 2, 0) / ages.length), 9);
    expect(base.stats![3]).toBe(1800); // income is missing in every tenth row
    expect(p.n).toBe(2000);
  });

  it('noised on the grid: exact multiples of 2^−bits, mean error within the noise, variance falling back to the range when noise hides it', () => {
    const release: NoisedRelease = { gridBits: 8, sigma2PerClient: (10 * 256) ** 2, survivors: 1, l2Sensitivity: 1, l1Sensitivity: 1, dimension: 8 };
    const t = table(2000, 2);
    const exact = boundedStats(t, schema);
    const noised = noisedRelease(exact, release, seededRng(5));
    for (const v of Object.values(noised)) for (const x of v) expect(Number.isInteger(x * 256)).toBe(true);
    const diffs = Object.keys(exact).flatMap((k) => Array.from(exact[k]!, (x, i) => noised[k]![i]! - x));
    expect(Math.max(...diffs.map(Math.abs))).toBeLessThan(60); // σ = 10
    const p = preprocessingFromBoundedStats(noised, schema, 10);
    expect(Math.abs(p.mean[0]! - preprocessingFromBoundedStats(exact, schema).mean[0]!)).toBeLessThan(1);
    // With noise far above the data's spread the decoder uses the range's uniform variance (half-range/√3).
    const loud = noisedRelease(exact, { ...release, sigma2PerClient: (1e4 * 256) ** 2 }, seededRng(6));
    expect(preprocessingFromBoundedStats(loud, schema, 1e4).std[1]).toBeCloseTo(50 / Math.sqrt(3), 9);
  });

  it('refuse a vector whose length is not the plan\'s', () => {
    const release: NoisedRelease = { gridBits: 8, sigma2PerClient: 1, survivors: 1, l2Sensitivity: 1, l1Sensitivity: 1, dimension: 9 };
    expect(() => noisedRelease(boundedStats(table(10, 3), schema), release, seededRng(1))).toThrow(/has 8 coordinates, the plan 9/);
  });
});

describe('bounded evaluation', () => {
  const rng = seededRng(9);
  const n = 3000;
  const labels = Uint8Array.from({ length: n }, () => (uniform01(rng) < 0.1 ? 1 : 0));
  const scores = Float32Array.from(labels, (y) => 1 / (1 + Math.exp(-(-2.5 + 1.2 * y + 0.8 * standardNormal(rng)))));

  it('bins in log-odds, so scores crowded at small probabilities still spread over the bins', () => {
    expect(logitBin(0.5, 20)).toBe(14);
    expect(logitBin(1e-9, 20)).toBe(0);
    expect(logitBin(0.999, 20)).toBe(19);
    const used = new Set(Array.from(scores, (s) => logitBin(s, 20)));
    expect(used.size).toBeGreaterThan(8);
  });

  it('moves by at most √3 per row, and its metrics match the exact ones without noise', () => {
    const c = boundedEvaluation(scores, labels, 20);
    const one = boundedEvaluation(Float32Array.of(0.02), Uint8Array.of(1), 20);
    expect(Math.hypot(...one.hist!, ...one.loss!)).toBeLessThanOrEqual(Math.sqrt(3));
    const m = metricsFromBoundedEvaluation(c, 20);
    expect(m.n).toBe(n);
    expect(m.positives).toBe(labels.reduce((a, b) => a + b, 0));
    expect(m.auc).toBeGreaterThan(0.75);
    expect(m.auc).toBeLessThan(0.9);
  });

  it('stays usable under noise: unclamped bins, AUC and KS within [0, 1]', () => {
    const release: NoisedRelease = { gridBits: 6, sigma2PerClient: (4 * 64) ** 2, survivors: 1, l2Sensitivity: 1, l1Sensitivity: 1, dimension: 44 };
    const exact = metricsFromBoundedEvaluation(boundedEvaluation(scores, labels, 20), 20).auc;
    const aucs = [1, 2, 3, 4, 5, 6].map((s) => metricsFromBoundedEvaluation(noisedRelease(boundedEvaluation(scores, labels, 20), release, seededRng(s)), 20).auc);
    for (const a of aucs) {
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    }
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    expect(Math.abs(mean - exact)).toBeLessThan(0.03);
    expect(metricsFromBoundedEvaluation({ hist: new Float64Array(40).fill(-1), loss: new Float64Array(4) }, 20).auc).toBeNaN();
  });
});
