import { describe, it, expect } from 'vitest';
import { errorOf } from '../../test/support/core.ts';
import { calibrateNoiseMultiplier, DEFAULT_CALIBRATION_TOLERANCE, sampledGaussianEpsilon } from './calibrate.ts';

const CASES = [
  { epsilon: 1, delta: 1e-5, q: 0.01, steps: 10000 },
  { epsilon: 3, delta: 1e-5, q: 0.3, steps: 50 },
  { epsilon: 0.5, delta: 1e-6, q: 0.001, steps: 1000 },
  { epsilon: 8, delta: 1e-5, q: 1, steps: 10 },
  { epsilon: 0.1, delta: 1e-5, q: 0.002, steps: 300 },
];

describe('calibrateNoiseMultiplier', () => {
  it('round-trips: ε(z) ≤ target, ε(z·(1 − tol)) > target, and ε(z) is within 1e−4 of the target', () => {
    for (const c of CASES) {
      const { noiseMultiplier: z, epsilon, order } = calibrateNoiseMultiplier(c);
      const params = { q: c.q, steps: c.steps };
      const at = sampledGaussianEpsilon({ ...params, noiseMultiplier: z }, c.delta);
      expect(at.epsilon).toBe(epsilon);
      expect(at.order).toBe(order);
      expect(epsilon, JSON.stringify(c)).toBeLessThanOrEqual(c.epsilon);
      expect(c.epsilon - epsilon, JSON.stringify(c)).toBeLessThan(1e-4 * c.epsilon);
      const below = sampledGaussianEpsilon({ ...params, noiseMultiplier: z * (1 - DEFAULT_CALIBRATION_TOLERANCE) }, c.delta);
      expect(below.epsilon, JSON.stringify(c)).toBeGreaterThan(c.epsilon);
    }
  });

  it('a looser tolerance still meets the target; a tighter budget needs more noise', () => {
    const loose = calibrateNoiseMultiplier({ ...CASES[0]!, tolerance: 0.05 });
    expect(loose.epsilon).toBeLessThanOrEqual(1);
    const strict = calibrateNoiseMultiplier({ ...CASES[0]!, tolerance: 1e-6 });
    expect(loose.noiseMultiplier).toBeGreaterThanOrEqual(strict.noiseMultiplier);
    expect(loose.noiseMultiplier).toBeLessThanOrEqual(strict.noiseMultiplier / (1 - 0.05));
    const zs = [8, 4, 2, 1, 0.5].map((epsilon) => calibrateNoiseMultiplier({ ...CASES[0]!, epsilon }).noiseMultiplier);
    for (let i = 1; i < zs.length; i++) expect(zs[i]).toBeGreaterThan(zs[i - 1]!);
  });

  it('needs no noise when nothing is sampled or no step is taken', () => {
    expect(calibrateNoiseMultiplier({ epsilon: 1, delta: 1e-5, q: 0, steps: 100 }).noiseMultiplier).toBe(0);
    expect(calibrateNoiseMultiplier({ epsilon: 1, delta: 1e-5, q: 0.1, steps: 0 }).noiseMultiplier).toBe(0);
  });

  it('explains impossible or meaningless targets', () => {
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, epsilon: 0 })).parameter).toBe('epsilon');
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, epsilon: -1 })).parameter).toBe('epsilon');
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, epsilon: Infinity })).parameter).toBe('epsilon');
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, delta: 0 })).parameter).toBe('delta');
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, delta: 1 })).parameter).toBe('delta');
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, q: 2 })).parameter).toBe('q');
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, steps: -1 })).parameter).toBe('steps');
    expect(errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, tolerance: 0 })).parameter).toBe('tolerance');
    // Below the conversion floor of the order grid (≈ 0.0035 at δ = 1e−5 for orders up to 1024):
    const floor = errorOf(() => calibrateNoiseMultiplier({ ...CASES[0]!, epsilon: 0.003 }));
    expect(floor.parameter).toBe('epsilon');
    expect(floor.message).toMatch(/larger orders/);
    // ...but reachable with a grid that has larger orders.
    const far = calibrateNoiseMultiplier({ ...CASES[0]!, epsilon: 0.003, steps: 1, orders: [2, 1e4, 1e5] });
    expect(far.epsilon).toBeLessThanOrEqual(0.003);
    // An absurd ε is met by essentially no noise (z below MIN_NOISE_MULTIPLIER = 1e−3).
    const none = errorOf(() => calibrateNoiseMultiplier({ epsilon: 1e7, delta: 1e-5, q: 1e-6, steps: 1 }));
    expect(none.parameter).toBe('epsilon');
    expect(none.message).toMatch(/no meaningful noise/);
  });
});
