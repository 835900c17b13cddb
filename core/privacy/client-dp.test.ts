import { describe, expect, it } from 'vitest';
import { seededRng, standardNormal } from '../random.ts';
import { errorOf as thrownBy } from '../../test/support/core.ts';
import type { ClientDpSettings } from './client-dp.ts';
import { CLIENT_DP_SCALE, clientDpPlan, roundingBound } from './client-dp.ts';
import { clientSumBound, conditionalRound, decodeClientSum, encodeClientUpdate, nextClipNorm } from './client-dp-codec.ts';
import { distributedDGaussEpsilon } from './distributed-dgauss.ts';
import { sampledGaussianEpsilon } from './calibrate.ts';
import { meanVariance } from '../../test/support/fit.ts';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));
const randomVector = (d: number, scale: number, seed: number) => {
  const rng = seededRng(seed);
  return Float64Array.from({ length: d }, () => scale * standardNormal(rng));
};
const distributed = (over: Partial<ClientDpSettings> = {}): ClientDpSettings => ({ noise: 'distributed', delta: 1e-5, noiseMultiplier: 1, ...over });
const central = (over: Partial<ClientDpSettings> = {}): ClientDpSettings => ({ noise: 'central', delta: 1e-5, noiseMultiplier: 1, ...over });

describe('conditional randomized rounding', () => {
  it('never exceeds the norm bound, and is unbiased', () => {
    const rng = seededRng(1);
    const d = 50;
    const c = 64;
    const B = roundingBound(c, d);
    const x = randomVector(d, 1, 2);
    const scaled = x.map((v) => (v * c) / norm(x)); // ‖x‖ = c: the worst case
    const mean = new Float64Array(d);
    const trials = 1500;
    for (let t = 0; t < trials; t++) {
      const r = conditionalRound(scaled, B, rng);
      expect(norm(r)).toBeLessThanOrEqual(B);
      for (let i = 0; i < d; i++) {
        expect(Number.isInteger(r[i])).toBe(true);
        expect(Math.abs(r[i]! - scaled[i]!)).toBeLessThan(1);
        mean[i]! += r[i]! / trials;
      }
    }
    // Conditioning on the norm biases the rounding only slightly: each mean within 0.05 of x.
    for (let i = 0; i < d; i++) expect(Math.abs(mean[i]! - scaled[i]!)).toBeLessThan(0.05);
  });

  it('falls back to rounding toward zero when the bound cannot be met by chance', () => {
    const x = Float64Array.of(0.5, -0.5, 0.5, -0.5);
    // Any stochastic rounding with a nonzero coordinate has norm ≥ 1 > 0.5: only truncation fits.
    expect(Array.from(conditionalRound(x, 0.5, seededRng(3)), Math.abs)).toEqual([0, 0, 0, 0]);
  });
});

describe('client-level DP plans', () => {
  it('calibrates z so that the whole job meets the target ε, and barely', () => {
    const plan = clientDpPlan(distributed({ noiseMultiplier: undefined, epsilon: 3 }), 20, 40, 5);
    expect(plan.epsilonJob).toBeLessThanOrEqual(3);
    expect(plan.epsilonJob).toBeGreaterThan(2.999);
    const weaker = clientDpPlan(distributed({ noiseMultiplier: plan.noiseMultiplier * 0.999 }), 20, 40, 5);
    expect(weaker.epsilonJob).toBeGreaterThan(3);
    // The job's ε is the accountant's: 20 rounds of the distributed discrete Gaussian.
    if (plan.spend.mechanism !== 'distributed-discrete-gaussian') throw new Error('wrong mechanism');
    expect(plan.epsilonJob).toBeCloseTo(distributedDGaussEpsilon(plan.spend.params, 20, 1e-5).epsilon, 12);
    expect(plan.sigma2PerClient).toBeCloseTo((plan.noiseMultiplier * plan.normBound) ** 2 / 5, 3);
  });

  it('is monotone: more rounds or less noise never lower ε, more survivors never raise it', () => {
    const eps = (z: number, rounds: number, t: number) => clientDpPlan(distributed({ noiseMultiplier: z }), rounds, 40, t).epsilonJob;
    for (const z of [0.5, 1, 2]) {
      expect(eps(z, 20, 4)).toBeGreaterThanOrEqual(eps(z, 10, 4));
      expect(eps(z, 20, 4)).toBeGreaterThanOrEqual(eps(z * 1.5, 20, 4));
      expect(eps(z, 20, 8)).toBeLessThanOrEqual(eps(z, 20, 4) + 1e-12);
    }
  });

  it('central noise is the Gaussian mechanism without sampling, composed over rounds', () => {
    const plan = clientDpPlan(central({ noiseMultiplier: 1.7 }), 12, 40, 3);
    expect(plan.spend).toEqual({ mechanism: 'central-gaussian', params: { noiseMultiplier: 1.7, trustedCoordinator: true } });
    expect(plan.centralStd).toBeCloseTo(1.7 * plan.normBound, 9);
    expect(plan.sigma2PerClient).toBe(0);
    expect(plan.epsilonJob).toBeCloseTo(sampledGaussianEpsilon({ q: 1, noiseMultiplier: 1.7, steps: 12 }, 1e-5).epsilon, 12);
    // Secure noise (the default): σ of the exact discrete Gaussian covers z·B, rounded up by ≤ 2^−23.
    const sigma = plan.centralSigma!.num / plan.centralSigma!.den;
    expect(sigma).toBeGreaterThanOrEqual(plan.centralStd);
    expect(sigma / plan.centralStd - 1).toBeLessThanOrEqual(2 ** -23);
    expect(clientDpPlan(central({ noiseMultiplier: 1.7, secureNoise: false }), 12, 40, 3).centralSigma).toBeUndefined();
    expect(clientDpPlan(distributed(), 12, 40, 3).centralSigma).toBeUndefined();
  });

  it('secure central noise keeps σ = z·B within the exact sampler (≤ 2^32 integer units)', () => {
    expect(thrownBy(() => clientDpPlan(central({ noiseMultiplier: 1e5 }), 5, 40, 1)).parameter).toBe('privacy.noiseMultiplier');
    expect(clientDpPlan(central({ noiseMultiplier: 1e5, secureNoise: false }), 5, 40, 1).centralStd).toBeGreaterThan(2 ** 32);
  });

  it('adaptive clipping costs what Andrew et al. say: z_eff = (z⁻² + (2σ_b)⁻²)^(−½)', () => {
    const plan = clientDpPlan(central({ noiseMultiplier: 2, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoise: 3 } }), 10, 40, 3);
    if (plan.spend.mechanism !== 'central-gaussian') throw new Error('wrong mechanism');
    const expected = (2 ** -2 + 6 ** -2) ** -0.5;
    expect(plan.spend.params.noiseMultiplier).toBeCloseTo(expected, 4); // c_b is rounded to an even integer
    expect(plan.bitScale % 2).toBe(0);
  });

  it('says which setting to change when a target cannot be met', () => {
    const s = distributed({ noiseMultiplier: undefined, epsilon: 1, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoise: 0.1 } });
    expect(thrownBy(() => clientDpPlan(s, 50, 40, 5)).message).toMatch(/privacy\.epsilon 1 cannot be met .* raise adaptiveClipping\.countNoise/);
    expect(thrownBy(() => clientDpPlan(distributed({ epsilon: 1 }), 5, 40, 5)).message).toMatch(/exactly one of epsilon and noiseMultiplier/);
  });

  it('sizes the modulus check from the norm bound and the noise tail', () => {
    const plan = clientDpPlan(distributed({ noiseMultiplier: 1 }), 5, 40, 3);
    expect(clientSumBound(plan, 4)).toBeGreaterThan(4 * plan.normBound + 14 * Math.sqrt(4 * plan.sigma2PerClient) - 1);
    expect(clientSumBound(plan, 4)).toBeLessThan(2 ** 31);
  });
});

describe('encoding and decoding client updates', () => {
  it('clips to the norm S, keeps ‖x̃‖₂ ≤ B, and decodes the sum of clipped deltas', () => {
    const plan = clientDpPlan(central({ noiseMultiplier: 1, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoise: 2 }, secureNoise: false }), 5, 30, 1);
    const S = 0.8;
    const deltas = [0.1, 0.5, 2, 7].map((scale, i) => randomVector(30, scale / Math.sqrt(30), 10 + i));
    const rng = seededRng(4);
    const sum = new Float64Array(30);
    let bits = 0;
    const expected = new Float64Array(30);
    for (const d of deltas) {
      const enc = encodeClientUpdate(d, S, plan, rng);
      expect(enc.clipped).toBe(norm(d) > S);
      expect(norm(enc.update)).toBeLessThanOrEqual(plan.normBound);
      expect(enc.clipBit[0]).toBe(((enc.clipped ? -1 : 1) * plan.bitScale) / 2);
      const f = Math.min(1, S / norm(d));
      for (let i = 0; i < 30; i++) {
        sum[i]! += enc.update[i]!;
        expected[i]! += d[i]! * f;
      }
      bits += enc.clipBit[0]!;
    }
    const out = decodeClientSum(sum, bits, 4, S, plan, () => 0);
    const unit = S / CLIENT_DP_SCALE;
    for (let i = 0; i < 30; i++) expect(Math.abs(out.updateSum[i]! - expected[i]!)).toBeLessThan(4 * unit);
    expect(out.unclippedFraction).toBe(deltas.filter((d) => norm(d) <= S).length / 4);
  });

  it('adds the participant\'s discrete Gaussian noise with the planned variance', () => {
    const plan = clientDpPlan(distributed({ noiseMultiplier: 1e-3 * 4 }), 5, 2000, 3);
    const enc = encodeClientUpdate(new Float64Array(2000), 1, plan, seededRng(5));
    let s = 0;
    let s2 = 0;
    for (const v of enc.update) {
      expect(Number.isInteger(v)).toBe(true);
      s += v;
      s2 += v * v;
    }
    const variance = s2 / 2000 - (s / 2000) ** 2;
    // 2000 draws: the sample variance is within ±10% of σ² with overwhelming probability.
    expect(variance / plan.sigma2PerClient).toBeGreaterThan(0.9);
    expect(variance / plan.sigma2PerClient).toBeLessThan(1.1);
  });

  it('float central noise (secureNoise false) is the coordinator\'s, with the planned standard deviation', () => {
    const plan = clientDpPlan(central({ noiseMultiplier: 0.5, secureNoise: false }), 5, 3000, 1);
    const rng = seededRng(6);
    const out = decodeClientSum(new Float64Array(3000), 0, 3, 1, plan, () => standardNormal(rng));
    const sd = norm(out.updateSum) / Math.sqrt(3000);
    expect(sd / (0.5 * plan.normBound / CLIENT_DP_SCALE)).toBeGreaterThan(0.95);
    expect(sd / (0.5 * plan.normBound / CLIENT_DP_SCALE)).toBeLessThan(1.05);
    expect(thrownBy(() => decodeClientSum(new Float64Array(3000), 0, 3, 1, plan)).message).toMatch(/central client-level DP needs the coordinator's noise source/);
  });

  it('secure central noise is exact integer noise from the coordinator\'s Rng, with the planned standard deviation', () => {
    const d = 20_000;
    const plan = clientDpPlan(central({ noiseMultiplier: 0.5, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoise: 2 } }), 5, d, 1);
    const sum = Float64Array.from({ length: d }, (_, i) => (i % 5) - 2); // an integer sum
    const S = 0.3;
    const unit = S / CLIENT_DP_SCALE;
    const out = decodeClientSum(sum, 0, 3, S, plan, () => Number.NaN, seededRng(6)); // `normal` unused
    const noise = Array.from(out.updateSum, (v, i) => Math.round(v / unit) - sum[i]!);
    // On the lattice: every released coordinate is an integer number of units (to float rounding of ×unit).
    out.updateSum.forEach((v, i) => expect(Math.abs(v / unit - (sum[i]! + noise[i]!))).toBeLessThan(1e-6));
    const { mean, variance } = meanVariance(noise);
    // Standard errors σ/√d (mean) and σ²·√(2/d) (1 %, variance) at σ = z·B ≈ 0.5·2^16: 5 SE.
    expect(Math.abs(mean)).toBeLessThan((5 * plan.centralStd) / Math.sqrt(d));
    expect(Math.abs(variance / plan.centralStd ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / d));
    expect(out.unclippedFraction).toBeGreaterThanOrEqual(0); // the clip bit was noised and decoded
    expect(thrownBy(() => decodeClientSum(sum, 0, 3, S, plan, () => 0)).parameter).toBe('rng');
  });
});

describe('adaptive clipping', () => {
  it('moves S towards the target quantile of the update norms', () => {
    const a = { targetQuantile: 0.5, learningRate: 0.2, countNoise: 1 };
    const rng = seededRng(7);
    const norms = Array.from({ length: 200 }, () => Math.exp(standardNormal(rng))); // median 1
    let S = 0.05;
    for (let round = 0; round < 150; round++) {
      const unclipped = norms.filter((n) => n <= S).length / norms.length;
      S = nextClipNorm(S, unclipped, a);
    }
    expect(S).toBeGreaterThan(0.85);
    expect(S).toBeLessThan(1.15);
    expect(nextClipNorm(1, 0.9, a)).toBeLessThan(1);
    expect(nextClipNorm(1, 0.1, a)).toBeGreaterThan(1);
  });
});
