/**
 * Tests of quantile binning: the bin convention, exact weighted quantiles against a brute-force
 * scan of the sorted values, and the mergeable form (summed per-party grid counts give the same
 * edges as the pooled values).
 */
import { describe, expect, it } from 'vitest';
import { seededRng, uniform01, uniformInt } from '../random.ts';
import { binColumns, binIndex, edgesFromCounts, gridCounts, linearGrid, numBins, quantileEdges } from './bins.ts';

/** Weighted quantile edges by sorting and scanning: the definition in bins.ts, written out directly. */
function bruteEdges(values: number[], weights: number[], maxBins: number): number[] {
  const pairs = values.map((v, i) => [v, weights[i]!] as const).filter(([v]) => !Number.isNaN(v));
  pairs.sort((a, b) => a[0] - b[0]);
  const total = pairs.reduce((a, [, w]) => a + w, 0);
  const edges: number[] = [];
  for (let j = 1; j < maxBins; j++) {
    const target = (j * total) / maxBins;
    let cumulative = 0;
    for (let i = 0; i < pairs.length; i++) {
      cumulative += pairs[i]![1];
      const lastOfTies = i === pairs.length - 1 || pairs[i + 1]![0] !== pairs[i]![0];
      if (lastOfTies && cumulative >= target) {
        if (cumulative < total && edges[edges.length - 1] !== pairs[i]![0]) edges.push(pairs[i]![0]);
        break;
      }
    }
  }
  return edges;
}

describe('binIndex', () => {
  it('puts v in the first bin b with v ≤ e_b, values above every edge in the last value bin, NaN in the missing bin', () => {
    const edges = [1, 2, 3];
    expect([0.5, 1, 1.5, 2, 3, 3.5, -Infinity, Infinity].map((v) => binIndex(v, edges))).toEqual([0, 0, 1, 1, 2, 3, 0, 3]);
    expect(binIndex(Number.NaN, edges)).toBe(4);
    expect(numBins(edges)).toBe(5);
    expect(binIndex(7, [])).toBe(0);
    expect(binIndex(Number.NaN, [])).toBe(1);
  });
});

describe('quantileEdges', () => {
  it('matches a brute-force weighted quantile on random data with ties, weights and missing values', () => {
    const rng = seededRng(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + uniformInt(rng, 300);
      const distinct = 1 + uniformInt(rng, 60); // few distinct values: many ties
      const values = Array.from({ length: n }, () => (uniform01(rng) < 0.1 ? Number.NaN : uniformInt(rng, distinct) * 0.37 - 3));
      // Integer weights keep every cumulative sum exact, whatever the order of addition.
      const weights = trial % 2 === 0 ? values.map(() => 1) : values.map(() => 1 + uniformInt(rng, 5));
      const maxBins = 2 + uniformInt(rng, 40);
      const got = Array.from(quantileEdges(values, maxBins, weights));
      expect(got).toEqual(bruteEdges(values, weights, maxBins));
      expect(got.length).toBeLessThanOrEqual(maxBins - 1);
    }
  });

  it('splits continuous data into bins of nearly equal weight', () => {
    const rng = seededRng(3);
    const values = Array.from({ length: 10_000 }, () => uniform01(rng) ** 3);
    const edges = quantileEdges(values, 16);
    expect(edges).toHaveLength(15);
    const counts = new Array(numBins(edges)).fill(0);
    for (const v of values) counts[binIndex(v, edges)]++;
    for (const c of counts.slice(0, 16)) expect(Math.abs(c - 625)).toBeLessThanOrEqual(1);
    expect(counts[16]).toBe(0);
  });

  it('returns no edges for constant or all-missing values', () => {
    expect(Array.from(quantileEdges([4, 4, 4], 8))).toEqual([]);
    expect(Array.from(quantileEdges([Number.NaN, Number.NaN], 8))).toEqual([]);
  });
});

describe('mergeable edges from grid counts', () => {
  it('gives the same edges from summed per-party counts as from the pooled values', () => {
    const rng = seededRng(11);
    const grid = linearGrid(0, 100, 1001);
    const parties = [400, 50, 1200].map((n, p) => Array.from({ length: n }, () => (uniform01(rng) < 0.05 ? Number.NaN : 100 * uniform01(rng) ** (p + 1))));
    const summed = new Float64Array(grid.length + 1);
    for (const values of parties) gridCounts(values, grid).forEach((c, k) => (summed[k]! += c));
    const pooled = parties.flat();
    expect(Array.from(summed)).toEqual(Array.from(gridCounts(pooled, grid)));
    const edges = edgesFromCounts(grid, summed, 32);
    // Every grid-based edge is the grid point at or just above the exact quantile.
    const exact = quantileEdges(pooled, 32);
    expect(edges.length).toBeGreaterThan(25);
    for (const e of edges) {
      const nearest = Math.min(...Array.from(exact, (x) => (e >= x ? e - x : Infinity)));
      expect(nearest).toBeLessThanOrEqual(0.1 + 1e-12);
    }
  });

  it('counts a value on a grid point in the cell below it, values above the grid in the last cell, and skips NaN', () => {
    expect(Array.from(gridCounts([0, 1, 1.5, 2, 9, Number.NaN], [1, 2], [1, 2, 3, 4, 5, 6]))).toEqual([3, 7, 5]);
  });

  it('rejects bad grids, count vectors and bin numbers', () => {
    expect(() => gridCounts([1], [2, 1])).toThrow(/ascending/);
    expect(() => edgesFromCounts([1, 2], [1, 1], 4)).toThrow(/counts/);
    expect(() => edgesFromCounts([1, 2], [1, 1, 1], 1)).toThrow(/maxBins/);
    expect(() => linearGrid(1, 1, 4)).toThrow(/lo < hi/);
  });
});

describe('binColumns', () => {
  it('bins each column with its edges and reports the bin counts, missing bin last', () => {
    const data = binColumns([[0.5, Number.NaN, 2.5], [10, 20, 30]], [[1, 2], [25]]);
    expect(data.n).toBe(3);
    expect(data.bins).toEqual([4, 3]);
    expect(Array.from(data.columns[0]!)).toEqual([0, 3, 2]);
    expect(Array.from(data.columns[1]!)).toEqual([0, 0, 1]);
  });
});
