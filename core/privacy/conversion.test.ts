import { describe, it, expect } from 'vitest';
import { errorOf } from '../../test/support/core.ts';
import { logErfc } from './logmath.ts';
import { deltaFromRdp, epsilonFromRdp } from './conversion.ts';
import { DEFAULT_RDP_ORDERS, sampledGaussianRdp } from './curve.ts';

/** The improved conversion at one order, written out by hand. */
const improved = (rho: number, a: number, delta: number): number =>
  rho + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);

/** Φ(x), the standard normal CDF, through log erfc. */
const Phi = (x: number): number => 0.5 * Math.exp(logErfc(-x / Math.SQRT2));

/**
 * Exact (ε, δ) trade-off of ONE Gaussian mechanism with noise multiplier z (Balle & Wang, ICML
 * 2018, "Improving the Gaussian Mechanism…", Thm. 8): δ(ε) = Φ(1/(2z) − εz) − e^ε Φ(−1/(2z) − εz).
 * Any valid RDP-based ε must be at least the ε solving this.
 */
function exactGaussianEpsilon(z: number, delta: number): number {
  const d = (e: number): number => Phi(1 / (2 * z) - e * z) - Math.exp(e) * Phi(-1 / (2 * z) - e * z);
  let lo = 0;
  let hi = 50;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (d(mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

describe('epsilonFromRdp', () => {
  it('plain Gaussian, z = 1, one step, δ = 1e−5: the bound at α = 5 computed by hand', () => {
    // RDP(α) = α/2. Over the default grid the minimum is at α = 5:
    // ε = 5/2 + log(4/5) − (log 1e−5 + log 5)/4 = 4.752728336819823…
    const curve = sampledGaussianRdp({ q: 1, noiseMultiplier: 1, steps: 1 });
    const { epsilon, order } = epsilonFromRdp(curve, 1e-5);
    expect(order).toBe(5);
    expect(epsilon).toBeCloseTo(2.5 + Math.log(0.8) - (Math.log(1e-5) + Math.log(5)) / 4, 14);
    expect(epsilon).toBeCloseTo(4.752728336819823, 12);

    // The continuous optimum over α (a fine scan) is only slightly lower: 4.72839 at α ≈ 5.43.
    let best = Infinity;
    for (let a = 1.001; a < 100; a += 0.0005) best = Math.min(best, improved(a / 2, a, 1e-5));
    expect(best).toBeCloseTo(4.728387, 5);
    expect(epsilon).toBeGreaterThanOrEqual(best);
    expect(epsilon - best).toBeLessThan(0.03);

    // Never below the exact Gaussian trade-off (4.37718), never above Mironov's classic bound
    // ε = min_α α/2 + log(1/δ)/(α−1) = 1/2 + √(2 log(1/δ)) = 5.29853.
    const exact = exactGaussianEpsilon(1, 1e-5);
    expect(exact).toBeCloseTo(4.377178, 5);
    expect(epsilon).toBeGreaterThan(exact);
    expect(epsilon).toBeLessThan(0.5 + Math.sqrt(2 * Math.log(1e5)));
  });

  it('takes the minimum over the orders of an arbitrary curve', () => {
    const curve = { orders: [2, 3, 10], rdp: [1, 1.5, 20] };
    const { epsilon, order } = epsilonFromRdp(curve, 1e-5);
    expect(order).toBe(3);
    expect(epsilon).toBeCloseTo(improved(1.5, 3, 1e-5), 15);
    // larger δ never gives a larger ε
    expect(epsilonFromRdp(curve, 1e-3).epsilon).toBeLessThan(epsilon);
  });

  it('reports (0, 0) for a curve with zero RDP, ∞ for an unbounded one, and clamps at 0', () => {
    expect(epsilonFromRdp({ orders: [2, 3], rdp: [0.1, 0] }, 1e-5)).toEqual({ epsilon: 0, order: 3 });
    expect(epsilonFromRdp({ orders: [2, 3], rdp: [Infinity, Infinity] }, 1e-5)).toEqual({ epsilon: Infinity, order: 2 });
    // a tiny RDP at a huge order with a large δ makes the raw formula negative
    expect(epsilonFromRdp({ orders: [1e5], rdp: [1e-12] }, 0.5).epsilon).toBe(0);
    expect(deltaFromRdp({ orders: [2, 3], rdp: [0.1, 0] }, 1)).toEqual({ delta: 0, order: 3 });
  });

  it('rejects bad δ and malformed curves', () => {
    const curve = { orders: [2], rdp: [1] };
    expect(errorOf(() => epsilonFromRdp(curve, 0)).parameter).toBe('delta');
    expect(errorOf(() => epsilonFromRdp(curve, 1)).parameter).toBe('delta');
    expect(errorOf(() => epsilonFromRdp({ orders: [2], rdp: [1, 2] }, 1e-5)).parameter).toBe('curve');
    expect(errorOf(() => epsilonFromRdp({ orders: [2], rdp: [-1] }, 1e-5)).parameter).toBe('curve');
    expect(errorOf(() => epsilonFromRdp({ orders: [1], rdp: [1] }, 1e-5)).parameter).toBe('curve');
    expect(errorOf(() => deltaFromRdp(curve, -1)).parameter).toBe('epsilon');
    expect(errorOf(() => deltaFromRdp(curve, NaN)).parameter).toBe('epsilon');
  });
});

describe('deltaFromRdp', () => {
  it('inverts epsilonFromRdp at the optimal order', () => {
    for (const [q, z, steps] of [[0.01, 1.1, 1000], [0.1, 2, 100], [1, 3, 5]] as const) {
      const curve = sampledGaussianRdp({ q, noiseMultiplier: z, steps });
      for (const delta of [1e-8, 1e-5, 1e-3]) {
        const { epsilon, order } = epsilonFromRdp(curve, delta);
        const back = deltaFromRdp(curve, epsilon);
        expect(back.delta).toBeLessThanOrEqual(delta * (1 + 1e-9));
        expect(back.delta).toBeGreaterThan(delta * (1 - 1e-6)); // the same order is optimal both ways
        expect(back.order).toBe(order);
      }
    }
  });

  it('δ shrinks as ε grows and is capped at 1', () => {
    const curve = sampledGaussianRdp({ q: 0.05, noiseMultiplier: 1, steps: 200 }, DEFAULT_RDP_ORDERS);
    let prev = 1;
    for (const eps of [0, 0.5, 1, 2, 4, 8]) {
      const { delta } = deltaFromRdp(curve, eps);
      expect(delta).toBeLessThanOrEqual(prev);
      prev = delta;
    }
    expect(deltaFromRdp({ orders: [2], rdp: [50] }, 0).delta).toBe(1);
  });
});
