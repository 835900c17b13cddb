/**
 * Rényi DP of the distributed discrete Gaussian mechanism under secure aggregation (Kairouz, Liu &
 * Steinke, ICML 2021, "The Distributed Discrete Gaussian Mechanism for Federated Learning with
 * Secure Aggregation", arXiv:2102.06387). Each client adds independent N_Z(0, σ²) noise to every
 * coordinate of its integer (scaled, quantized) vector; only the sum is revealed. All quantities
 * are in integer units: σ² is the per-client variance and Δ₂, Δ₁ bound ‖x − x'‖₂, ‖x − x'‖₁ of the
 * quantized difference one client can make.
 *
 * Bound (their Proposition 14 / Eq. 17; Theorem 1 is its concentrated-DP corollary): for σ ≥ ½,
 * the sum Z_n of n clients' noise in Z^d satisfies, for every α ≥ 1,
 *   D_α(Z_n + Δ ‖ Z_n) ≤ min{ α/2·A + τd,  α/2·(A + 2Bτ + τ²d),  α/2·(√A + τ√d)² },
 *   A = Δ₂²/(nσ²),  B = Δ₁/(√n σ),  τ = 10·Σ_{k=1}^{n−1} exp(−2π²σ²·k/(k+1)).
 * The three terms are transcribed from the authors' reference accountant (google-research
 * federated/distributed_dp, `compute_rdp_dgaussian`), which cites Proposition 14; with τ = 0
 * (n = 1, or large σ where τ underflows) this is exactly the Gaussian α·Δ₂²/(2nσ²).
 *
 * Two sound refinements, both by data processing:
 * - Survivors: with at least t survivors the sum holds Z_t plus independent noise, and for every
 *   k ≤ t, Z_t = Z_k + independent noise; so the bound is min over k = 1..t of the above with
 *   n = k. This makes it non-increasing in t (τ alone grows with n, which could otherwise make a
 *   small-σ bound rise with more survivors).
 * - Dimension: coordinates where Δ_j = 0 have the same law under both inputs and are independent
 *   of the rest, so only the support S of Δ counts; an integer Δ has |S| ≤ ‖Δ‖₁ ≤ Δ₁ and
 *   |S| ≤ ‖Δ‖₂² ≤ Δ₂². The bound is increasing in d, so d = min(dimension, ⌊Δ₁⌋, ⌊Δ₂²⌋) is used.
 *
 * Uncertainty: the Proposition 14 terms are taken from the reference implementation, not re-derived;
 * the paper states them for real α ≥ 1 (the reference code floors orders only for its subsampling
 * step, not used here). Clients add noise to every round's update; rounds compose by adding RDP.
 */
import { CoreInputError } from '../types.ts';
import type { EpsilonResult } from './conversion.ts';
import { epsilonFromRdp } from './conversion.ts';
import { checkOrders, composeRdp, DEFAULT_RDP_ORDERS, parallelRdp, repeatRdp } from './curve.ts';
import type { RdpCurve } from './curve.ts';
import { DEFAULT_CALIBRATION_TOLERANCE } from './calibrate.ts';
import { MAX_SIGMA2 } from './discrete-gaussian.ts';

/** Smallest per-client variance covered by the theorem (σ ≥ ½). */
export const MIN_DGAUSS_SIGMA2 = 0.25;
/** Largest survivor count accepted (cost is linear in t). */
export const MAX_SURVIVORS = 10_000;

/** One release of the distributed discrete Gaussian sum. */
export interface DistributedDGaussParams {
  /** Variance σ² of each client's discrete Gaussian noise per coordinate, in [¼, 2⁵²]. */
  sigma2PerClient: number;
  /** Minimum number t ≥ 1 of clients whose noise is in the unmasked sum. */
  survivors: number;
  /** Bound Δ₂ ≥ 0 on the L2 norm of one client's (quantized) contribution difference. */
  l2Sensitivity: number;
  /** Bound Δ₁ ≥ 0 on its L1 norm (∞ if unknown). */
  l1Sensitivity: number;
  /** Vector dimension d, if known (optional: the bound uses at most ⌊Δ₁⌋ and ⌊Δ₂²⌋ anyway). */
  dimension?: number;
}

/**
 * RDP curve of ONE release of the sum (formula in the module header). Compose rounds with
 * composeRdp. Throws {@link CoreInputError} naming the offending parameter or `orders`.
 */
export function distributedDGaussRdp(
  params: DistributedDGaussParams,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): RdpCurve {
  checkParams(params);
  checkOrders(orders);
  const { sigma2PerClient: s2, survivors: t, l2Sensitivity: l2, l1Sensitivity: l1 } = params;
  const d = Math.min(params.dimension ?? Infinity, Math.floor(l1 + 1e-9), Math.floor(l2 * l2 * (1 + 1e-12) + 1e-9));
  const sqrtD = Math.sqrt(d);
  const rdp = orders.map(() => Infinity);
  let tau = 0;
  for (let k = 1; k <= t; k++) {
    if (k > 1) tau += 10 * Math.exp((-2 * Math.PI * Math.PI * s2 * (k - 1)) / k);
    const a = (l2 * l2) / (k * s2);
    const b = l1 / Math.sqrt(k * s2);
    const cross = tau === 0 ? 0 : 2 * b * tau; // avoid ∞·0 when Δ₁ = ∞ and τ = 0
    for (let i = 0; i < orders.length; i++) {
      const h = orders[i]! / 2;
      const r = Math.min(h * a + tau * d, h * (a + cross + tau * tau * d), h * (Math.sqrt(a) + sqrtD * tau) ** 2);
      if (r < rdp[i]!) rdp[i] = r;
    }
  }
  return { orders: [...orders], rdp };
}

/** (ε, δ) of `rounds` releases (RDP added over rounds), optimised over `orders`. */
export function distributedDGaussEpsilon(
  params: DistributedDGaussParams,
  rounds: number,
  delta: number,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): EpsilonResult {
  checkRounds(rounds);
  const one = distributedDGaussRdp(params, orders);
  return epsilonFromRdp({ orders: one.orders, rdp: one.rdp.map((r) => r * rounds) }, delta);
}

/** Input of {@link calibrateDistributedSigma}. */
export interface DistributedCalibrationTarget extends Omit<DistributedDGaussParams, 'sigma2PerClient'> {
  /** Target ε (finite, > 0). */
  epsilon: number;
  /** Target δ ∈ (0, 1). */
  delta: number;
  /** Number of releases (positive integer). */
  rounds: number;
  orders?: readonly number[];
  /** Relative tolerance on σ², in (0, 0.1] (default {@link DEFAULT_CALIBRATION_TOLERANCE}). */
  tolerance?: number;
  /** RDP of other releases of the same rows, composed with these (over `orders`). */
  alongside?: RdpCurve;
  /** RDP of releases of disjoint rows: the job's curve is the pointwise maximum with it. */
  parallel?: RdpCurve;
}

/** Result of {@link calibrateDistributedSigma}: per-client σ² and the (ε, order) it achieves. */
export interface DistributedCalibration {
  sigma2PerClient: number;
  epsilon: number;
  order: number;
}

/**
 * Smallest per-client σ² (to within relative `tolerance`, rounded up; at least
 * {@link MIN_DGAUSS_SIGMA2}) such that `rounds` releases with ≥ `survivors` survivors — composed
 * with `alongside` and in parallel with `parallel` when given — are (ε, δ)-DP with ε ≤ target. ε is non-increasing in σ² (every term of the bound is), so doubling from ¼ then
 * bisecting is sound. Throws {@link CoreInputError}: `epsilon` when not finite and > 0, below the
 * orders' conversion floor, or needing σ² above {@link MAX_SIGMA2}; others as the RDP function.
 */
export function calibrateDistributedSigma(target: DistributedCalibrationTarget): DistributedCalibration {
  const { epsilon, delta, rounds, orders = DEFAULT_RDP_ORDERS, tolerance = DEFAULT_CALIBRATION_TOLERANCE } = target;
  if (!(epsilon > 0 && epsilon < Infinity)) {
    throw new CoreInputError(`epsilon must be finite and > 0, got ${epsilon}`, 'epsilon');
  }
  if (!(tolerance > 0 && tolerance <= 0.1)) {
    throw new CoreInputError(`tolerance must be in (0, 0.1], got ${tolerance}`, 'tolerance');
  }
  const { alongside, parallel } = target;
  const eps = (s2: number): EpsilonResult => {
    if (!alongside && !parallel) return distributedDGaussEpsilon({ ...target, sigma2PerClient: s2 }, rounds, delta, orders);
    checkRounds(rounds);
    const own = repeatRdp(distributedDGaussRdp({ ...target, sigma2PerClient: s2 }, orders), rounds);
    const side = alongside ? composeRdp([own, alongside], orders) : own;
    return epsilonFromRdp(parallel ? parallelRdp(side, parallel) : side, delta);
  };
  let lo = MIN_DGAUSS_SIGMA2;
  let atHi = eps(lo); // validates everything else
  if (atHi.epsilon <= epsilon) return { sigma2PerClient: lo, epsilon: atHi.epsilon, order: atHi.order };
  const floor = epsilonFromRdp({ orders, rdp: orders.map(() => Number.MIN_VALUE) }, delta).epsilon;
  if (epsilon <= floor) {
    throw new CoreInputError(
      `epsilon ${epsilon} cannot be certified with these Rényi orders at delta ${delta} (floor ` +
        `${floor.toPrecision(4)}); add larger orders`,
      'epsilon',
    );
  }
  let hi = lo;
  while (atHi.epsilon > epsilon) {
    lo = hi;
    hi *= 2;
    if (hi > MAX_SIGMA2) {
      throw new CoreInputError(`epsilon ${epsilon} needs a per-client variance above ${MAX_SIGMA2}`, 'epsilon');
    }
    atHi = eps(hi);
  }
  while (hi - lo > tolerance * hi) {
    const mid = (lo + hi) / 2;
    const atMid = eps(mid);
    if (atMid.epsilon <= epsilon) [hi, atHi] = [mid, atMid];
    else lo = mid;
  }
  return { sigma2PerClient: hi, epsilon: atHi.epsilon, order: atHi.order };
}

function checkParams(p: DistributedDGaussParams): void {
  const s2 = p.sigma2PerClient;
  if (!(s2 >= MIN_DGAUSS_SIGMA2 && s2 <= MAX_SIGMA2)) {
    throw new CoreInputError(`sigma2PerClient must be in [${MIN_DGAUSS_SIGMA2}, ${MAX_SIGMA2}] (σ ≥ ½), got ${s2}`, 'sigma2PerClient');
  }
  if (!Number.isSafeInteger(p.survivors) || p.survivors < 1 || p.survivors > MAX_SURVIVORS) {
    throw new CoreInputError(`survivors must be an integer in [1, ${MAX_SURVIVORS}], got ${p.survivors}`, 'survivors');
  }
  if (!(p.l2Sensitivity >= 0 && p.l2Sensitivity < Infinity)) {
    throw new CoreInputError(`l2Sensitivity must be finite and ≥ 0, got ${p.l2Sensitivity}`, 'l2Sensitivity');
  }
  if (!(p.l1Sensitivity >= 0)) {
    throw new CoreInputError(`l1Sensitivity must be ≥ 0 (∞ allowed), got ${p.l1Sensitivity}`, 'l1Sensitivity');
  }
  if (p.dimension !== undefined && !(Number.isSafeInteger(p.dimension) && p.dimension >= 1)) {
    throw new CoreInputError(`dimension must be a positive integer, got ${p.dimension}`, 'dimension');
  }
}

function checkRounds(rounds: number): void {
  if (!Number.isSafeInteger(rounds) || rounds < 1) {
    throw new CoreInputError(`rounds must be a positive integer, got ${rounds}`, 'rounds');
  }
}
