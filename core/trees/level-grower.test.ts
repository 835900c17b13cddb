import { describe, expect, it } from 'vitest';
import { histogramLayout } from './histogram.ts';
import { LevelGrower } from './level-grower.ts';

describe('LevelGrower over noised histograms', () => {
  const layout = histogramLayout([3, 2]);
  // Feature 0 sums to (G, H) = (4, 1), feature 1 to (2, 2): two noisy views of the root's totals.
  const root = Float64Array.of(3, 0.5, 2, 0.25, -1, 0.25, 4, 0.5, -2, 1.5);
  const params = { maxDepth: 2, learningRate: 1, lambda: 1, gamma: 0, minChildWeight: 100 }; // no split is allowed

  it('values an unsplit node from its totals averaged over the features when the sums are noised', () => {
    const noised = new LevelGrower(layout, params, [0, 1], true);
    noised.receive(root);
    expect(noised.next()).toBeUndefined();
    expect(noised.build().value[0]).toBeCloseTo(-3 / (1.5 + 1), 12);
  });

  it('takes the first feature\'s totals when the sums are exact', () => {
    const exact = new LevelGrower(layout, params, [0, 1]);
    exact.receive(root);
    expect(exact.build().value[0]).toBeCloseTo(-4 / (1 + 1), 12);
  });
});
