/**
 * ε of a run of the Poisson-subsampled Gaussian mechanism, and the inverse problem: the smallest
 * noise multiplier that meets a target (ε, δ). RDP of each step from Mironov, Talwar & Zhang 2019
 * (./rdp), composition by addition (./curve), conversion by Balle et al. 2020 / Canonne, Kamath &
 * Steinke 2020 (./conversion).
 *
 * Calibration relies on ε(z) being non-increasing in z: RDP at every order shrinks with more
 * noise (post-processing: N(0, z'²) = N(0, z²) + independent noise for z' > z) and the conversion
 * is increasing in RDP. The search brackets the answer by doubling/halving from z = 1, then
 * bisects until hi − lo ≤ tolerance·hi with ε(lo) > target ≥ ε(hi), and returns hi. So the result
 * always meets the target, and the true smallest z lies within a relative `tolerance` below it.
 */
import { CoreInputError } from '../types.ts';
import type { EpsilonResult } from './conversion.ts';
import { epsilonFromRdp } from './conversion.ts';
import { DEFAULT_RDP_ORDERS, composeRdp, parallelRdp, sampledGaussianRdp } from './curve.ts';
import type { RdpCurve, SampledGaussianParams } from './curve.ts';

/** Default relative tolerance on the calibrated noise multiplier. */
export const DEFAULT_CALIBRATION_TOLERANCE = 1e-6;
/** Smallest noise multiplier the search considers; a target met below it needs no real noise. */
export const MIN_NOISE_MULTIPLIER = 1e-3;
/** Largest noise multiplier the search considers. */
export const MAX_NOISE_MULTIPLIER = 1e6;

/**
 * (ε, δ) spent by `steps` steps of the Poisson-subsampled Gaussian mechanism at rate `q` and
 * noise multiplier `noiseMultiplier`, optimised over `orders`. Throws {@link CoreInputError} as
 * {@link sampledGaussianRdp} and {@link epsilonFromRdp}.
 */
export function sampledGaussianEpsilon(
  params: SampledGaussianParams,
  delta: number,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): EpsilonResult {
  return epsilonFromRdp(sampledGaussianRdp(params, orders), delta);
}

/** Input of {@link calibrateNoiseMultiplier}. */
export interface CalibrationTarget {
  /** Target ε (finite, > 0). */
  epsilon: number;
  /** Target δ ∈ (0, 1). */
  delta: number;
  /** Poisson sampling rate q ∈ [0, 1]. */
  q: number;
  /** Number of steps (non-negative integer). */
  steps: number;
  /** Rényi orders to optimise over (default {@link DEFAULT_RDP_ORDERS}). */
  orders?: readonly number[];
  /** Relative tolerance on z, in (0, 0.1] (default {@link DEFAULT_CALIBRATION_TOLERANCE}). */
  tolerance?: number;
  /**
   * RDP of other releases that compose with these steps (e.g. a job's noised statistics), over
   * `orders`: the target then bounds the composition. Default none.
   */
  alongside?: RdpCurve;
  /**
   * RDP of releases over OTHER rows (parallel composition, e.g. a job's evaluations of held-out
   * rows): the target then bounds the pointwise maximum of the two sides. Default none.
   */
  parallel?: RdpCurve;
}

/** Result of {@link calibrateNoiseMultiplier}: z and the (ε, order) it actually achieves. */
export interface Calibration {
  noiseMultiplier: number;
  epsilon: number;
  order: number;
}

/**
 * Smallest noise multiplier z (to within relative `tolerance`, rounded up) such that `steps`
 * steps at rate `q` are (ε, δ)-DP with ε ≤ target. With q = 0 or steps = 0 nothing is spent and
 * z = 0 is returned. Throws {@link CoreInputError}: `epsilon` unless finite and > 0, or when the
 * target is below what the orders can certify even without privacy loss (add larger orders),
 * or when it is met already at z = {@link MIN_NOISE_MULTIPLIER} (no meaningful noise needed);
 * `delta` unless in (0, 1); `q`, `steps`, `orders`, `tolerance` when malformed.
 */
export function calibrateNoiseMultiplier(target: CalibrationTarget): Calibration {
  const { epsilon, delta, q, steps } = target;
  const orders = target.orders ?? DEFAULT_RDP_ORDERS;
  const tolerance = target.tolerance ?? DEFAULT_CALIBRATION_TOLERANCE;
  if (!(epsilon > 0 && epsilon < Infinity)) {
    throw new CoreInputError(`epsilon must be finite and > 0, got ${epsilon}`, 'epsilon');
  }
  if (!(tolerance > 0 && tolerance <= 0.1)) {
    throw new CoreInputError(`tolerance must be in (0, 0.1], got ${tolerance}`, 'tolerance');
  }
  const { alongside, parallel } = target;
  for (const [name, c] of [['alongside', alongside], ['parallel', parallel]] as const) {
    if (c && (c.orders.length !== orders.length || c.orders.some((o, i) => o !== orders[i]))) throw new CoreInputError(`${name} must be a curve over the same orders`, name);
  }
  const eps = (z: number): EpsilonResult => {
    if (!alongside && !parallel) return sampledGaussianEpsilon({ q, noiseMultiplier: z, steps }, delta, orders);
    const own = composeRdp([sampledGaussianRdp({ q, noiseMultiplier: z, steps }, orders), ...(alongside ? [alongside] : [])], orders);
    return epsilonFromRdp(parallel ? parallelRdp(own, parallel) : own, delta);
  };
  const none = eps(Infinity); // validates q, steps, orders and delta; ε of `alongside` alone
  if (q === 0 || steps === 0) return { noiseMultiplier: 0, epsilon: none.epsilon, order: none.order };
  if ((alongside || parallel) && none.epsilon >= epsilon) {
    throw new CoreInputError(`epsilon ${epsilon} is spent already by the other releases (ε ${none.epsilon.toPrecision(4)}), before any step`, 'epsilon');
  }
  const floor = floorEpsilon(orders, delta);
  if (epsilon <= floor) {
    throw new CoreInputError(
      `epsilon ${epsilon} cannot be certified with these Rényi orders at delta ${delta}: even without ` +
        `privacy loss the conversion gives ${floor.toPrecision(4)}; add larger orders`,
      'epsilon',
    );
  }
  let lo = 1;
  let hi = 1;
  let atHi = eps(hi);
  if (atHi.epsilon <= epsilon) {
    for (;;) {
      lo = hi / 2;
      if (lo < MIN_NOISE_MULTIPLIER) {
        throw new CoreInputError(
          `epsilon ${epsilon} is met already with noise multiplier ${hi} (q = ${q}, ${steps} steps): ` +
            'no meaningful noise is needed for this target',
          'epsilon',
        );
      }
      const atLo = eps(lo);
      if (atLo.epsilon > epsilon) break;
      hi = lo;
      atHi = atLo;
    }
  } else {
    while (atHi.epsilon > epsilon) {
      lo = hi;
      hi *= 2;
      if (hi > MAX_NOISE_MULTIPLIER) {
        throw new CoreInputError(`epsilon ${epsilon} needs a noise multiplier above ${MAX_NOISE_MULTIPLIER}`, 'epsilon');
      }
      atHi = eps(hi);
    }
  }
  while (hi - lo > tolerance * hi) {
    const mid = (lo + hi) / 2;
    const atMid = eps(mid);
    if (atMid.epsilon <= epsilon) {
      hi = mid;
      atHi = atMid;
    } else {
      lo = mid;
    }
  }
  return { noiseMultiplier: hi, epsilon: atHi.epsilon, order: atHi.order };
}

/** ε reported for a mechanism with positive but vanishing RDP: the grid's conversion floor. */
function floorEpsilon(orders: readonly number[], delta: number): number {
  return epsilonFromRdp({ orders, rdp: orders.map(() => Number.MIN_VALUE) }, delta).epsilon;
}
