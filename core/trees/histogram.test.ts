/**
 * Tests of gradient histograms: every (feature, bin) slot equals the direct sum over the node's
 * rows, a parent's histogram is the sum of its two children's (the subtraction trick), and
 * per-party histograms add up to the pooled one.
 */
import { describe, expect, it } from 'vitest';
import { seededRng, standardNormal, uniform01, uniformInt } from '../random.ts';
import type { BinnedData } from './bins.ts';
import { buildHistogram, histogramLayout, nodeTotals, subtractHistogram, sumHistograms } from './histogram.ts';

/** Random binned data with `bins[f]` bins per feature (the last one missing), and gradients. */
function randomData(seed: number, n: number, bins: number[]): { data: BinnedData; grad: Float64Array; hess: Float64Array } {
  const rng = seededRng(seed);
  const columns = bins.map((b) => Uint16Array.from({ length: n }, () => uniformInt(rng, b)));
  const grad = Float64Array.from({ length: n }, () => standardNormal(rng));
  const hess = Float64Array.from({ length: n }, () => uniform01(rng));
  return { data: { n, columns, bins }, grad, hess };
}

const close = (a: Float64Array, b: Float64Array): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, 10);
};

describe('buildHistogram', () => {
  it('lays features out in order, each bin a (G, H) pair', () => {
    const layout = histogramLayout([3, 5, 2]);
    expect(Array.from(layout.offsets)).toEqual([0, 3, 8]);
    expect(layout.length).toBe(20);
  });

  it('equals the direct per-bin sums of g and h over the node rows, missing bin included', () => {
    const bins = [4, 7, 2, 12];
    const { data, grad, hess } = randomData(1, 500, bins);
    const layout = histogramLayout(bins);
    const rng = seededRng(2);
    const rows = Uint32Array.from({ length: 500 }, (_, i) => i).filter(() => uniform01(rng) < 0.4);
    const hist = buildHistogram(layout, data, grad, hess, rows);
    for (const [f, b] of bins.entries()) {
      for (let bin = 0; bin < b; bin++) {
        let g = 0;
        let h = 0;
        for (const r of rows) if (data.columns[f]![r] === bin) (g += grad[r]!), (h += hess[r]!);
        expect(hist[2 * (layout.offsets[f]! + bin)]).toBeCloseTo(g, 10);
        expect(hist[2 * (layout.offsets[f]! + bin) + 1]).toBeCloseTo(h, 10);
      }
      const totals = nodeTotals(hist, layout, f);
      expect(totals.g).toBeCloseTo(rows.reduce((a, r) => a + grad[r]!, 0), 10);
      expect(totals.h).toBeCloseTo(rows.reduce((a, r) => a + hess[r]!, 0), 10);
    }
  });

  it("is additive: a node's histogram is its two children's sum, so one child is parent − other", () => {
    const bins = [6, 3, 9];
    const { data, grad, hess } = randomData(3, 400, bins);
    const layout = histogramLayout(bins);
    const parent = Uint32Array.from({ length: 300 }, (_, i) => i + 50);
    // Children by an arbitrary split rule: feature 2's bin ≤ 4, missing (bin 8) left.
    const toLeft = (r: number): boolean => data.columns[2]![r]! <= 4 || data.columns[2]![r] === 8;
    const left = parent.filter(toLeft);
    const right = parent.filter((r) => !toLeft(r));
    const hp = buildHistogram(layout, data, grad, hess, parent);
    const hl = buildHistogram(layout, data, grad, hess, left);
    const hr = buildHistogram(layout, data, grad, hess, right);
    close(hp, sumHistograms([hl, hr]));
    close(subtractHistogram(hp, hl), hr);
  });

  it("adds up over parties: the sum of each party's histogram is the histogram of the pooled rows", () => {
    const bins = [5, 5];
    const { data, grad, hess } = randomData(4, 300, bins);
    const layout = histogramLayout(bins);
    const all = Uint32Array.from({ length: 300 }, (_, i) => i);
    const parts = [all.slice(0, 40), all.slice(40, 250), all.slice(250)];
    close(sumHistograms(parts.map((p) => buildHistogram(layout, data, grad, hess, p))), buildHistogram(layout, data, grad, hess, all));
  });

  it('rejects rows and bins outside the data', () => {
    const { data, grad, hess } = randomData(5, 10, [3]);
    const layout = histogramLayout([3]);
    expect(() => buildHistogram(layout, data, grad, hess, [10])).toThrow(/out of range/);
    expect(() => buildHistogram(histogramLayout([2]), data, grad, hess, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toThrow(/bins/);
    expect(() => subtractHistogram(new Float64Array(2), new Float64Array(4))).toThrow(/lengths/);
  });
});
