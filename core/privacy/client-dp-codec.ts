/**
 * A round of client-level DP in integers: each participant clips its model delta to the round's
 * clip norm S, scales it to integer units, rounds it conditionally (the L2 bound survives the
 * rounding) and, with distributed noise, adds its share of the discrete Gaussian noise; the
 * coordinator decodes the secure sum of these updates back to a mean delta and the fraction of
 * unclipped updates, from which adaptive clipping moves S (Andrew et al. 2021). The round's
 * public parameters are the {@link ClientDpPlan} of client-dp.ts.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { sampleDiscreteGaussian } from './discrete-gaussian.ts';
import { karneyDiscreteGaussian } from './karney-dgauss.ts';
import type { AdaptiveClipping, ClientDpPlan } from './client-dp.ts';
import { ROUNDING_TRIES, TAIL_SIGMAS } from './client-dp.ts';

/** A participant's encoded round contribution: integer update and clip bit (noised if distributed). */
export interface ClientUpdate {
  update: Float64Array;
  clipBit: Float64Array;
  /** ‖Δ‖₂ before clipping (stays on the node). */
  norm: number;
  clipped: boolean;
}

/**
 * Clips `delta` (local − global weights) to L2 norm `clipNorm`, scales it to integer units,
 * rounds it conditionally on ‖x̃‖₂ ≤ B and, for distributed noise, adds the participant's
 * discrete Gaussian noise; the clip bit likewise. Randomness from `rng` only.
 */
export function encodeClientUpdate(delta: ArrayLike<number>, clipNorm: number, plan: ClientDpPlan, rng: Rng): ClientUpdate {
  if (delta.length !== plan.dimension) throw new CoreInputError(`update has ${delta.length} coordinates, the plan ${plan.dimension}`, 'update');
  if (!(clipNorm > 0 && Number.isFinite(clipNorm))) throw new CoreInputError(`clipNorm must be finite and > 0, got ${clipNorm}`, 'clipNorm');
  let sq = 0;
  for (let i = 0; i < delta.length; i++) {
    const d = delta[i]!; // i < delta.length; an absent entry would fail isFinite too
    if (!Number.isFinite(d)) throw new CoreInputError(`update[${i}] is not finite (${d})`, 'update');
    sq += d * d;
  }
  const norm = Math.sqrt(sq);
  const clipped = norm > clipNorm;
  const factor = (clipped ? clipNorm / norm : 1) * (plan.scale / clipNorm);
  const x = new Float64Array(delta.length);
  for (let i = 0; i < x.length; i++) x[i] = delta[i]! * factor;
  const update = conditionalRound(x, plan.normBound, rng);
  const clipBit = Float64Array.of(plan.bitScale === 0 ? 0 : ((clipped ? -1 : 1) * plan.bitScale) / 2);
  if (plan.noise === 'distributed') {
    const noise = sampleDiscreteGaussian(update.length + (plan.bitScale ? 1 : 0), plan.sigma2PerClient, rng);
    // noise has update.length (+ 1 for the clip bit) entries.
    for (let i = 0; i < update.length; i++) update[i]! += noise[i]!;
    if (plan.bitScale) clipBit[0]! += noise[update.length]!;
  }
  return { update, clipBit, norm, clipped };
}

/** Stochastic rounding of x, redrawn until ‖x̃‖₂ ≤ bound; rounding toward zero if that keeps failing. */
export function conditionalRound(x: Float64Array, bound: number, rng: Rng): Float64Array {
  const out = new Float64Array(x.length);
  for (let attempt = 0; attempt < ROUNDING_TRIES; attempt++) {
    const bytes = rng(4 * x.length);
    let sq = 0;
    for (let i = 0; i < x.length; i++) {
      const u = (bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)) >>> 0;
      const xi = x[i]!;
      const f = Math.floor(xi);
      const v = f + (u / 4294967296 < xi - f ? 1 : 0);
      out[i] = v;
      sq += v * v;
    }
    if (Math.sqrt(sq) <= bound) return out;
  }
  for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]!);
  return out;
}

/** Largest |sum| per coordinate of `n` encoded updates, noise tails included (for the modulus check). */
export function clientSumBound(plan: ClientDpPlan, n: number): number {
  const value = Math.max(plan.normBound, plan.bitScale / 2);
  return Math.ceil(n * value + TAIL_SIGMAS * Math.sqrt(n * plan.sigma2PerClient));
}

/** The coordinator's reading of a summed round under client-level DP. */
export interface ClientSum {
  /** Σ of the contributors' clipped deltas (noised), in model units. */
  updateSum: Float64Array;
  /** Noisy fraction of contributors whose delta was not clipped (adaptive clipping), in [0, 1]. */
  unclippedFraction?: number;
}

/**
 * Decodes the integer sums of `contributors` participants; central noise comes from the
 * coordinator's randomness: `rng` (exact, plans with `centralSigma`) or `normal`'s N(0, 1) draws.
 * Throws {@link CoreInputError} when that source is missing or the sizes disagree with the plan.
 */
export function decodeClientSum(
  updateInts: Float64Array,
  bitInt: number,
  contributors: number,
  clipNorm: number,
  plan: ClientDpPlan,
  normal?: () => number,
  rng?: Rng,
): ClientSum {
  if (updateInts.length !== plan.dimension) throw new CoreInputError(`update sum has ${updateInts.length} coordinates, the plan ${plan.dimension}`, 'update');
  if (!Number.isSafeInteger(contributors) || contributors < 1) throw new CoreInputError(`contributors must be a positive integer, got ${contributors}`, 'contributors');
  let bit = bitInt;
  const ints = Float64Array.from(updateInts);
  if (plan.noise === 'central') {
    if (plan.centralSigma ? !rng : !normal) throw new CoreInputError(`central client-level DP needs the coordinator's ${plan.centralSigma ? 'Rng' : 'noise source'}`, plan.centralSigma ? 'rng' : 'normal');
    const draw = plan.centralSigma ? karneyDiscreteGaussian(plan.centralSigma, rng!).next : () => plan.centralStd * normal!();
    for (let i = 0; i < ints.length; i++) ints[i]! += draw(); // exact draws are integers: exact in float64
    if (plan.bitScale) bit += draw();
  }
  const unit = clipNorm / plan.scale;
  const updateSum = ints.map((v) => v * unit);
  if (!plan.bitScale) return { updateSum };
  const unclipped = (bit / plan.bitScale + contributors / 2) / contributors;
  return { updateSum, unclippedFraction: Math.min(1, Math.max(0, unclipped)) };
}

/** Andrew et al. 2021's geometric update of the clip norm towards the target quantile. */
export function nextClipNorm(clipNorm: number, unclippedFraction: number, a: AdaptiveClipping): number {
  return clipNorm * Math.exp(-a.learningRate * (unclippedFraction - a.targetQuantile));
}
