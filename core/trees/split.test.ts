/**
 * Tests of split finding against an exhaustive search over every feature, threshold and missing
 * direction computed straight from the rows; of the minimum child weight and γ; and of the
 * learned direction of missing values.
 */
import { describe, expect, it } from 'vitest';
import { seededRng, standardNormal, uniform01, uniformInt } from '../random.ts';
import type { BinnedData } from './bins.ts';
import { buildHistogram, histogramLayout } from './histogram.ts';
import type { SplitParams } from './split.ts';
import { bestSplit, leafWeight, pooledTotals, splitGain } from './split.ts';
import { goesLeft } from './tree.ts';

interface Candidate {
  feature: number;
  bin: number;
  defaultLeft: boolean;
  gain: number;
}

/** Gain of sending rows left by (feature, bin, defaultLeft), summed directly over the rows. */
function directGain(data: BinnedData, g: Float64Array, h: Float64Array, c: Omit<Candidate, 'gain'>, p: SplitParams): { gain: number; hl: number; hr: number } {
  let gl = 0;
  let hl = 0;
  let gr = 0;
  let hr = 0;
  for (let r = 0; r < data.n; r++) {
    if (goesLeft(data.columns[c.feature]![r]!, c.bin, c.defaultLeft, data.bins[c.feature]! - 1)) (gl += g[r]!), (hl += h[r]!);
    else (gr += g[r]!), (hr += h[r]!);
  }
  return { gain: splitGain(gl, hl, gr, hr, p.lambda, p.gamma), hl, hr };
}

/** Best allowed candidate by trying every feature, threshold bin and missing direction. */
function exhaustive(data: BinnedData, g: Float64Array, h: Float64Array, p: SplitParams): Candidate | undefined {
  let best: Candidate | undefined;
  for (const [feature, bins] of data.bins.entries()) {
    for (let bin = 0; bin < bins - 1; bin++) {
      for (const defaultLeft of [false, true]) {
        const { gain, hl, hr } = directGain(data, g, h, { feature, bin, defaultLeft }, p);
        if (hl < p.minChildWeight || hr < p.minChildWeight || hl <= 0 || hr <= 0 || !(gain > 0)) continue;
        if (best === undefined || gain > best.gain) best = { feature, bin, defaultLeft, gain };
      }
    }
  }
  return best;
}

function randomNode(seed: number, n: number, bins: number[]): { data: BinnedData; g: Float64Array; h: Float64Array } {
  const rng = seededRng(seed);
  const columns = bins.map((b) => Uint16Array.from({ length: n }, () => uniformInt(rng, b)));
  // A signal on feature 0 so that some splits have clearly positive gain.
  const g = Float64Array.from({ length: n }, (_, i) => standardNormal(rng) + (columns[0]![i]! < 2 ? 1 : -0.5));
  const h = Float64Array.from({ length: n }, () => 0.05 + uniform01(rng));
  return { data: { n, columns, bins }, g, h };
}

const all = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

describe('bestSplit', () => {
  it('finds the split of an exhaustive search on small random nodes', () => {
    for (let seed = 0; seed < 30; seed++) {
      const bins = [5, 3, 8];
      const { data, g, h } = randomNode(seed, 12 + seed * 3, bins);
      const params = { lambda: seed % 3, gamma: 0.1 * (seed % 4), minChildWeight: seed % 5 };
      const split = bestSplit(buildHistogram(histogramLayout(bins), data, g, h, all(data.n)), histogramLayout(bins), params);
      const want = exhaustive(data, g, h, params);
      if (want === undefined) {
        expect(split).toBeUndefined();
        continue;
      }
      expect(split).toBeDefined();
      // Equal partitions (empty bins, no missing rows) tie, so compare gains, then the chosen split's own gain.
      expect(split!.gain).toBeCloseTo(want.gain, 9);
      const own = directGain(data, g, h, split!, params);
      expect(own.gain).toBeCloseTo(split!.gain, 9);
      expect(split!.hessLeft).toBeCloseTo(own.hl, 9);
      expect(split!.hessRight).toBeCloseTo(own.hr, 9);
    }
  });

  it('respects the minimum child weight', () => {
    const bins = [10];
    const { data, g, h } = randomNode(99, 200, bins);
    const layout = histogramLayout(bins);
    const hist = buildHistogram(layout, data, g, h, all(200));
    const total = h.reduce((a, b) => a + b, 0);
    for (const minChildWeight of [0, 10, 30, 0.45 * total]) {
      const split = bestSplit(hist, layout, { lambda: 1, gamma: 0, minChildWeight });
      expect(split).toBeDefined();
      expect(Math.min(split!.hessLeft, split!.hessRight)).toBeGreaterThanOrEqual(minChildWeight);
      expect(split!.gain).toBeCloseTo(exhaustive(data, g, h, { lambda: 1, gamma: 0, minChildWeight })!.gain, 9);
    }
    expect(bestSplit(hist, layout, { lambda: 1, gamma: 0, minChildWeight: 0.51 * total })).toBeUndefined();
  });

  it('subtracts γ from the gain and declines a split whose gain does not exceed γ', () => {
    const bins = [6, 6];
    const { data, g, h } = randomNode(5, 150, bins);
    const layout = histogramLayout(bins);
    const hist = buildHistogram(layout, data, g, h, all(150));
    const free = bestSplit(hist, layout, { lambda: 1, gamma: 0, minChildWeight: 0 })!;
    const taxed = bestSplit(hist, layout, { lambda: 1, gamma: free.gain / 2, minChildWeight: 0 })!;
    expect(taxed.gain).toBeCloseTo(free.gain / 2, 12);
    expect([taxed.feature, taxed.bin, taxed.defaultLeft]).toEqual([free.feature, free.bin, free.defaultLeft]);
    expect(bestSplit(hist, layout, { lambda: 1, gamma: free.gain * 1.0001, minChildWeight: 0 })).toBeUndefined();
  });

  it('learns where missing values go: with the side whose gradients they resemble', () => {
    // Feature with value bins 0–9 and missing bin 10. Low values have g = +1, high values g = −1.
    const n = 220;
    for (const missingLike of ['high', 'low'] as const) {
      const column = Uint16Array.from({ length: n }, (_, i) => (i < 200 ? i % 10 : 10));
      const g = Float64Array.from(column, (b) => (b === 10 ? (missingLike === 'high' ? -1 : 1) : b < 5 ? 1 : -1));
      const h = new Float64Array(n).fill(0.25);
      const data: BinnedData = { n, columns: [column], bins: [11] };
      const split = bestSplit(buildHistogram(histogramLayout([11]), data, g, h, all(n)), histogramLayout([11]), { lambda: 1, gamma: 0, minChildWeight: 1 })!;
      expect(split.bin).toBe(4);
      expect(split.defaultLeft).toBe(missingLike === 'low');
      expect(split.hessLeft).toBeCloseTo(0.25 * (missingLike === 'low' ? 120 : 100), 12);
    }
  });

  it('can split the missing rows off from all the others', () => {
    const column = Uint16Array.from({ length: 100 }, (_, i) => (i < 60 ? i % 3 : 3));
    const g = Float64Array.from(column, (b) => (b === 3 ? 1 : -1));
    const data: BinnedData = { n: 100, columns: [column], bins: [4] };
    const split = bestSplit(buildHistogram(histogramLayout([4]), data, g, new Float64Array(100).fill(1), all(100)), histogramLayout([4]), { lambda: 0, gamma: 0, minChildWeight: 1 })!;
    expect([split.bin, split.defaultLeft]).toEqual([2, false]);
    expect(split.gradRight).toBe(40);
  });

  it('computes the leaf weight −G/(H+λ) and checks its parameters', () => {
    expect(leafWeight(3, 5, 1)).toBe(-0.5);
    // A noised hessian sum below 0 counts as 0; nothing to weigh gives 0, not NaN or ±∞.
    expect(leafWeight(3, -2, 1)).toBe(-3);
    expect(leafWeight(3, -2, 0)).toBe(0);
    expect(leafWeight(0, 0, 0)).toBe(0);
    const layout = histogramLayout([2]);
    expect(() => bestSplit(new Float64Array(4), layout, { lambda: -1, gamma: 0, minChildWeight: 0 })).toThrow(/lambda/);
    expect(bestSplit(new Float64Array(4), layout, { lambda: 1, gamma: 0, minChildWeight: 0 })).toBeUndefined();
  });
});

describe('pooledTotals', () => {
  it('is every feature\'s (G, H) when the histogram is exact, and their mean over features when each feature\'s sums differ', () => {
    const layout = histogramLayout([3, 2]);
    // Feature 0: bins (1, 0.5), (2, 0.25), (−1, 0.25) → (2, 1); feature 1: (4, 0.5), (−2, 0.5) → (2, 1).
    const exact = Float64Array.of(1, 0.5, 2, 0.25, -1, 0.25, 4, 0.5, -2, 0.5);
    expect(pooledTotals(exact, layout)).toEqual({ g: 2, h: 1 });
    const noised = exact.slice();
    noised[0] = 3; // feature 0 now sums to (4, 1)
    noised[7] = 1.5; // feature 1 now sums to (2, 2)
    expect(pooledTotals(noised, layout)).toEqual({ g: 3, h: 1.5 });
  });
});
