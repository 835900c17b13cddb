import { describe, it, expect } from 'vitest';
import { errorOf } from '../../test/support/core.ts';
import { composeRdp } from './curve.ts';
import { epsilonFromRdp } from './conversion.ts';
import {
  calibrateDistributedSigma,
  distributedDGaussEpsilon,
  distributedDGaussRdp,
  MIN_DGAUSS_SIGMA2,
} from './distributed-dgauss.ts';
import { DEFAULT_CALIBRATION_TOLERANCE } from './calibrate.ts';

const BASE = { sigma2PerClient: 4, survivors: 10, l2Sensitivity: 20, l1Sensitivity: 400 };
const gaussian = (a: number, l2: number, t: number, s2: number): number => (a * l2 * l2) / (2 * t * s2);

describe('distributedDGaussRdp', () => {
  it('approaches the continuous Gaussian α·Δ₂²/(2tσ²) as σ² grows, and never goes below it', () => {
    for (const t of [1, 3, 20]) {
      for (const s2 of [1, 10, 100, 1e4]) {
        const p = { sigma2PerClient: s2, survivors: t, l2Sensitivity: 30, l1Sensitivity: 900 };
        const c = distributedDGaussRdp(p);
        c.orders.forEach((a, i) => {
          const g = gaussian(a, 30, t, s2);
          expect(c.rdp[i]).toBeGreaterThanOrEqual(g * (1 - 1e-12));
          if (s2 >= 10) expect(Math.abs(c.rdp[i]! - g) / g).toBeLessThan(1e-6);
        });
      }
    }
  });

  it('is exactly the single discrete Gaussian bound for one survivor (τ = 0)', () => {
    const c = distributedDGaussRdp({ ...BASE, sigma2PerClient: 0.25, survivors: 1 }, [2, 7.5]);
    expect(c.rdp).toEqual([gaussian(2, 20, 1, 0.25), gaussian(7.5, 20, 1, 0.25)]);
  });

  it('matches Proposition 14 by hand at small σ (τ > 0)', () => {
    const s2 = 0.3, n = 4, l2 = 2, l1 = 3, d = 3, a = 5; // d = min(⌊Δ₁⌋, ⌊Δ₂²⌋) = 3
    let tau = 0;
    for (let k = 1; k < n; k++) tau += Math.exp(-2 * Math.PI ** 2 * s2 * (k / (k + 1)));
    tau *= 10;
    const A = (l2 * l2) / (n * s2), B = l1 / Math.sqrt(n * s2);
    const prop14 = Math.min(a / 2 * A + tau * d, a / 2 * (A + 2 * B * tau + tau * tau * d), a / 2 * (Math.sqrt(A) + Math.sqrt(d) * tau) ** 2);
    const got = distributedDGaussRdp({ sigma2PerClient: s2, survivors: n, l2Sensitivity: l2, l1Sensitivity: l1 }, [a]).rdp[0]!;
    expect(got).toBeLessThanOrEqual(prop14 * (1 + 1e-12)); // min over k ≤ n may be smaller still
    expect(got).toBeGreaterThan(gaussian(a, l2, n, s2));
    // An explicit dimension smaller than the support bounds tightens; a larger one changes nothing.
    const p = { sigma2PerClient: s2, survivors: n, l2Sensitivity: l2, l1Sensitivity: l1 };
    expect(distributedDGaussRdp({ ...p, dimension: 1 }, [a]).rdp[0]).toBeLessThanOrEqual(got);
    expect(distributedDGaussRdp({ ...p, dimension: 1000 }, [a]).rdp[0]).toBe(got);
  });

  it('more survivors or more noise never increase ε(α); zero sensitivity gives zero', () => {
    for (const s2 of [0.25, 0.4, 1, 5]) {
      let prev = distributedDGaussRdp({ ...BASE, sigma2PerClient: s2, survivors: 1 });
      for (let t = 2; t <= 40; t++) {
        const cur = distributedDGaussRdp({ ...BASE, sigma2PerClient: s2, survivors: t });
        cur.rdp.forEach((r, i) => expect(r).toBeLessThanOrEqual(prev.rdp[i]!));
        prev = cur;
      }
    }
    for (const t of [1, 5, 50]) {
      let prev = distributedDGaussRdp({ ...BASE, sigma2PerClient: 0.25, survivors: t });
      for (let s2 = 0.3; s2 < 50; s2 *= 1.3) {
        const cur = distributedDGaussRdp({ ...BASE, sigma2PerClient: s2, survivors: t });
        cur.rdp.forEach((r, i) => expect(r).toBeLessThanOrEqual(prev.rdp[i]!));
        prev = cur;
      }
    }
    expect(distributedDGaussRdp({ ...BASE, l2Sensitivity: 0, l1Sensitivity: 0 }).rdp.every((r) => r === 0)).toBe(true);
    // Unknown Δ₁ is allowed: the Δ₁ term drops out.
    expect(distributedDGaussRdp({ ...BASE, l1Sensitivity: Infinity }).rdp.every((r) => r > 0 && r < Infinity)).toBe(true);
  });

  it('composes over rounds with composeRdp; more rounds never decrease ε', () => {
    const one = distributedDGaussRdp(BASE);
    const three = composeRdp([one, one, one]);
    three.rdp.forEach((r, i) => expect(r).toBeCloseTo(3 * one.rdp[i]!, 12));
    expect(distributedDGaussEpsilon(BASE, 3, 1e-5).epsilon).toBeCloseTo(epsilonFromRdp(three, 1e-5).epsilon, 10);
    let prev = 0;
    for (const rounds of [1, 2, 5, 10, 100, 1000]) {
      const e = distributedDGaussEpsilon(BASE, rounds, 1e-5).epsilon;
      expect(e).toBeGreaterThanOrEqual(prev);
      prev = e;
    }
  });

  it('rejects bad parameters with CoreInputError naming them', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ sigma2PerClient: 0.2 }, 'sigma2PerClient'],
      [{ sigma2PerClient: NaN }, 'sigma2PerClient'],
      [{ survivors: 0 }, 'survivors'],
      [{ survivors: 2.5 }, 'survivors'],
      [{ l2Sensitivity: -1 }, 'l2Sensitivity'],
      [{ l2Sensitivity: Infinity }, 'l2Sensitivity'],
      [{ l1Sensitivity: -1 }, 'l1Sensitivity'],
      [{ dimension: 0 }, 'dimension'],
    ];
    for (const [patch, name] of bad) {
      expect(errorOf(() => distributedDGaussRdp({ ...BASE, ...patch })).parameter).toBe(name);
    }
    expect(errorOf(() => distributedDGaussRdp(BASE, [1])).parameter).toBe('orders');
    expect(errorOf(() => distributedDGaussEpsilon(BASE, 0, 1e-5)).parameter).toBe('rounds');
    expect(errorOf(() => distributedDGaussEpsilon(BASE, 1, 0)).parameter).toBe('delta');
  });
});

describe('calibrateDistributedSigma', () => {
  const CASES = [
    { epsilon: 1, delta: 1e-5, rounds: 100, survivors: 10, l2Sensitivity: 1000, l1Sensitivity: 1e5 },
    { epsilon: 3, delta: 1e-5, rounds: 20, survivors: 3, l2Sensitivity: 50, l1Sensitivity: 2500 },
    { epsilon: 8, delta: 1e-6, rounds: 5, survivors: 30, l2Sensitivity: 2, l1Sensitivity: 4 },
  ];

  it('round-trips: ε(σ²) ≤ target and ε(σ²·(1 − tol)) > target', () => {
    for (const c of CASES) {
      const { sigma2PerClient: s2, epsilon, order } = calibrateDistributedSigma(c);
      const at = distributedDGaussEpsilon({ ...c, sigma2PerClient: s2 }, c.rounds, c.delta);
      expect(at).toEqual({ epsilon, order });
      expect(epsilon, JSON.stringify(c)).toBeLessThanOrEqual(c.epsilon);
      expect(c.epsilon - epsilon, JSON.stringify(c)).toBeLessThan(1e-4 * c.epsilon);
      const below = distributedDGaussEpsilon({ ...c, sigma2PerClient: s2 * (1 - DEFAULT_CALIBRATION_TOLERANCE) }, c.rounds, c.delta);
      expect(below.epsilon, JSON.stringify(c)).toBeGreaterThan(c.epsilon);
    }
  });

  it('fewer survivors or more rounds need more noise per client; easy targets get σ² = ¼', () => {
    const base = calibrateDistributedSigma(CASES[0]!).sigma2PerClient;
    expect(calibrateDistributedSigma({ ...CASES[0]!, survivors: 5 }).sigma2PerClient).toBeGreaterThan(base);
    expect(calibrateDistributedSigma({ ...CASES[0]!, rounds: 200 }).sigma2PerClient).toBeGreaterThan(base);
    const easy = calibrateDistributedSigma({ ...CASES[2]!, l2Sensitivity: 0.5, l1Sensitivity: 0.5, epsilon: 50 });
    expect(easy.sigma2PerClient).toBe(MIN_DGAUSS_SIGMA2);
  });

  it('calibrates against other releases of the same rows (composed) and of disjoint rows (pointwise maximum)', () => {
    const c = CASES[1]!;
    const other = distributedDGaussRdp({ ...c, sigma2PerClient: 2e5 });
    const held = distributedDGaussRdp({ ...c, sigma2PerClient: 4e5 });
    const alone = calibrateDistributedSigma(c).sigma2PerClient;
    const withOther = calibrateDistributedSigma({ ...c, alongside: other, parallel: held });
    expect(withOther.sigma2PerClient).toBeGreaterThan(alone);
    const curve = (s2: number) => {
      const own = distributedDGaussRdp({ ...c, sigma2PerClient: s2 });
      return { orders: own.orders, rdp: own.rdp.map((r, i) => Math.max(r * c.rounds + other.rdp[i]!, held.rdp[i]!)) };
    };
    expect(epsilonFromRdp(curve(withOther.sigma2PerClient), c.delta).epsilon).toBeLessThanOrEqual(c.epsilon);
    expect(epsilonFromRdp(curve(withOther.sigma2PerClient * (1 - DEFAULT_CALIBRATION_TOLERANCE)), c.delta).epsilon).toBeGreaterThan(c.epsilon);
  });

  it('explains impossible targets and bad inputs', () => {
    expect(errorOf(() => calibrateDistributedSigma({ ...CASES[0]!, epsilon: 0 })).parameter).toBe('epsilon');
    expect(errorOf(() => calibrateDistributedSigma({ ...CASES[0]!, epsilon: 0.003 })).message).toMatch(/larger orders/);
    expect(errorOf(() => calibrateDistributedSigma({ ...CASES[0]!, tolerance: 1 })).parameter).toBe('tolerance');
    expect(errorOf(() => calibrateDistributedSigma({ ...CASES[0]!, survivors: 0 })).parameter).toBe('survivors');
    expect(errorOf(() => calibrateDistributedSigma({ ...CASES[0]!, rounds: -1 })).parameter).toBe('rounds');
  });
});
