/**
 * Client-level differential privacy for federated averaging: DP-FedAvg (McMahan, Ramage, Talwar &
 * Zhang, ICLR 2018) — every participant clips its whole model delta to L2 norm S, the coordinator
 * averages the clipped deltas, and Gaussian-type noise of standard deviation z·S is added to the
 * sum. The guarantee protects an institution's entire contribution to a round (all its borrowers
 * at once), under "zero-out" adjacency: the released sum with that institution's update versus
 * with it replaced by zero. Participation itself (who took part) is public.
 *
 * Two places for the noise:
 *  - `distributed` (Kairouz, Liu & Steinke 2021): each participant scales its clipped delta to
 *    integers (`scale` = c units per S), rounds it stochastically but conditionally on its norm
 *    staying below B (their conditional randomized rounding; we fall back to rounding toward zero,
 *    norm ≤ c, if 64 draws all exceed B, so ‖x̃‖₂ ≤ B always holds), and adds exact discrete
 *    Gaussian noise N_Z(0, σ²) per coordinate with σ² = (z·B)²/t. Secure aggregation reveals only
 *    the sum, so with ≥ t survivors the sum carries noise of variance ≥ (z·B)² and no single
 *    participant's noise is ever seen. Accounted by ./distributed-dgauss.ts (Prop. 14).
 *  - `central`: participants clip and round without noise; the coordinator adds noise of standard
 *    deviation z·B to the decoded integer sum. The coordinator (which sees the un-noised sum) must
 *    be trusted to do so; accounted as the Gaussian mechanism with noise multiplier z·B/Δ₂. With
 *    `secureNoise` (default) the noise is exact N_Z(0, σ²), σ ≥ z·B (./karney-dgauss.ts): the sum
 *    and its zero-out shifts lie in Z^d, so D_α ≤ α·Δ₂²/(2σ²) (Canonne, Kamath & Steinke 2020,
 *    multivariate discrete Gaussian) — the curve accounted — and the output's support is Z^d
 *    whatever the data (no float precision attack, Mironov CCS 2012). Else float Box–Muller.
 *
 * Adaptive clipping (Andrew, Thakkar, McMahan & Ramaswamy, NeurIPS 2021): each participant also
 * sends the bit b = [‖Δ‖₂ ≤ S], centred and scaled to ±c_b/2 as one more integer coordinate with
 * the same noise, so the noisy count of unclipped participants has standard deviation about σ_b
 * (`countNoise`); the coordinator moves S ← S·exp(−η(b̄ − γ)) towards the γ-quantile of the
 * update norms. Both releases are accounted together: the bit adds (c_b/2)² to Δ₂², which is
 * exactly their z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) relation. The noise is relative to S, so the
 * coordinator's choice of S never weakens the guarantee.
 *
 * Pure: randomness is an injected Rng, no I/O or clock.
 */
import { CoreInputError } from '../types.ts';
import type { MechanismSpend } from './ledger-format.ts';
import { mechanismRdp } from './ledger-format.ts';
import { DEFAULT_RDP_ORDERS, repeatRdp } from './curve.ts';
import { epsilonFromRdp } from './conversion.ts';
import { MAX_SIGMA2 } from './discrete-gaussian.ts';
import type { SigmaFraction } from './karney-dgauss.ts';
import { MAX_SIGMA_PART, sigmaAtLeast } from './karney-dgauss.ts';

/** Integer units per clip norm S: the clipped, scaled delta has L2 norm ≤ 2^16. */
export const CLIENT_DP_SCALE = 2 ** 16;
/** Noise tails beyond this many standard deviations are ignored when sizing the modulus (P < 1e-44). */
export const TAIL_SIGMAS = 14;
/** Most conditional-rounding attempts before rounding toward zero. */
export const ROUNDING_TRIES = 64;

/** Adaptive clipping settings (Andrew et al. 2021). */
export interface AdaptiveClipping {
  /** γ: the quantile of update norms S should track (fraction of unclipped participants). */
  targetQuantile: number;
  /** η: geometric learning rate of S. */
  learningRate: number;
  /** σ_b: standard deviation of the noise on the count of unclipped participants. */
  countNoise: number;
}

/** What the job asks for (core/job.ts, privacy mode "client"). */
export interface ClientDpSettings {
  noise: 'distributed' | 'central';
  /** Target ε for the whole job (XOR noiseMultiplier). */
  epsilon?: number;
  /** z: noise standard deviation of the sum in units of the norm bound (XOR epsilon). */
  noiseMultiplier?: number;
  delta: number;
  adaptiveClipping?: AdaptiveClipping;
  /** Central noise: exact discrete Gaussian (the default, also when absent); false: float Box–Muller. */
  secureNoise?: boolean;
}

/** The public parameters of one round of client-level DP; both sides compute the same. */
export interface ClientDpPlan {
  noise: 'distributed' | 'central';
  /** Model parameters d. */
  dimension: number;
  /** Integer units per clip norm S. */
  scale: number;
  /** B: L2 bound of a participant's rounded update, integer units. */
  normBound: number;
  /** c_b: the clip bit is sent as ±c_b/2 (0 without adaptive clipping). */
  bitScale: number;
  /** z: the sum's noise standard deviation (≥ t survivors) is z·B. */
  noiseMultiplier: number;
  /** Distributed: each participant's discrete Gaussian variance σ² per coordinate (0 for central). */
  sigma2PerClient: number;
  /** Central: standard deviation the coordinator adds per coordinate, integer units (0 for distributed). */
  centralStd: number;
  /** Central with secure noise: σ ≥ centralStd of the exact N_Z(0, σ²) the coordinator adds. */
  centralSigma?: SigmaFraction;
  /** t: survivors the noise is calibrated for. */
  survivors: number;
  /** Δ₂ of one participant's integer vector (update and bit). */
  l2Sensitivity: number;
  /** What one round costs, for the participant's ledger. */
  spend: MechanismSpend;
  /** ε of `rounds` rounds at δ (the job's guarantee). */
  epsilonJob: number;
  delta: number;
}

/** B for the conditional rounding of a vector of norm ≤ c in d dimensions (KLS 2021, β = e^(−½)). */
export function roundingBound(scale: number, dimension: number): number {
  return Math.sqrt(scale * scale + dimension / 4 + scale + Math.sqrt(dimension) / 2);
}

/** The spend of one round for noise multiplier z. */
function spendFor(s: ClientDpSettings, z: number, dimension: number, B: number, t: number) {
  const a = s.adaptiveClipping;
  const bitScale = a ? Math.max(2, 2 * Math.round((z * B) / (2 * a.countNoise))) : 0;
  const l2 = Math.sqrt(B * B + (bitScale / 2) ** 2);
  const dims = dimension + (a ? 1 : 0);
  let spend: MechanismSpend;
  if (s.noise === 'distributed') {
    const sigma2PerClient = (z * B) ** 2 / t;
    spend = {
      mechanism: 'distributed-discrete-gaussian',
      params: { sigma2PerClient, survivors: t, l2Sensitivity: l2, l1Sensitivity: Math.sqrt(dims) * l2, dimension: dims },
    };
  } else {
    spend = { mechanism: 'central-gaussian', params: { noiseMultiplier: (z * B) / l2, trustedCoordinator: true } };
  }
  return { spend, bitScale, l2 };
}

/** ε at δ of `rounds` rounds of `spend` (the calibration's objective and the plan's `epsilonJob`). */
function roundsEpsilon(spend: MechanismSpend, rounds: number, delta: number): number {
  return epsilonFromRdp(repeatRdp(mechanismRdp(spend, DEFAULT_RDP_ORDERS), rounds), delta).epsilon;
}

/**
 * The plan of a job with client-level DP for a model of `dimension` parameters, `rounds` rounds
 * and t = `survivors`. With a target ε, z is the smallest (to 1e-6 relative, rounded up) that
 * meets it over all rounds. Throws {@link CoreInputError} naming the setting that cannot work.
 */
export function clientDpPlan(s: ClientDpSettings, rounds: number, dimension: number, survivors: number): ClientDpPlan {
  if (!Number.isSafeInteger(dimension) || dimension < 1) throw new CoreInputError(`dimension must be a positive integer, got ${dimension}`, 'dimension');
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new CoreInputError(`rounds must be a positive integer, got ${rounds}`, 'rounds');
  if (!Number.isSafeInteger(survivors) || survivors < 1) throw new CoreInputError(`survivors must be a positive integer, got ${survivors}`, 'survivors');
  if ((s.epsilon === undefined) === (s.noiseMultiplier === undefined)) {
    throw new CoreInputError('client-level privacy needs exactly one of epsilon and noiseMultiplier', 'privacy');
  }
  const B = roundingBound(CLIENT_DP_SCALE, dimension);
  // σ² per client must lie in [¼, 2^52] for the sampler and the bound.
  const zMin = Math.max(1e-3, s.noise === 'distributed' ? Math.sqrt(0.25 * survivors) / B : 0);
  const secureCentral = s.noise === 'central' && s.secureNoise !== false; // exact σ ≤ 2^32 (the sampler's range)
  const zMax = s.noise === 'distributed' ? (Math.sqrt(MAX_SIGMA2 * survivors) / B) * (1 - 1e-9) : secureCentral ? (MAX_SIGMA_PART / B) * (1 - 1e-9) : 1e6;
  const eps = (z: number) => roundsEpsilon(spendFor(s, z, dimension, B, survivors).spend, rounds, s.delta);
  let z = s.noiseMultiplier ?? calibrate(eps, s.epsilon!, zMin, zMax, s);
  if (!(z >= zMin && z <= zMax)) {
    throw new CoreInputError(`privacy.noiseMultiplier ${z} is outside [${zMin.toPrecision(3)}, ${zMax.toPrecision(3)}] for ${survivors} survivors`, 'privacy.noiseMultiplier');
  }
  z = Math.max(z, zMin);
  const { spend, bitScale, l2 } = spendFor(s, z, dimension, B, survivors);
  return {
    noise: s.noise,
    dimension,
    scale: CLIENT_DP_SCALE,
    normBound: B,
    bitScale,
    noiseMultiplier: z,
    sigma2PerClient: s.noise === 'distributed' ? (z * B) ** 2 / survivors : 0,
    centralStd: s.noise === 'central' ? z * B : 0,
    ...(secureCentral && { centralSigma: sigmaAtLeast(z * B) }),
    survivors,
    l2Sensitivity: l2,
    spend,
    epsilonJob: roundsEpsilon(spend, rounds, s.delta),
    delta: s.delta,
  };
}

/** Smallest z in [lo, hi] with eps(z) ≤ target (ε is non-increasing in z). */
function calibrate(eps: (z: number) => number, target: number, lo: number, hi: number, s: ClientDpSettings): number {
  if (!(target > 0 && Number.isFinite(target))) throw new CoreInputError(`privacy.epsilon must be finite and > 0, got ${target}`, 'privacy.epsilon');
  if (eps(lo) <= target) return lo;
  if (eps(hi) > target) {
    const hint = s.adaptiveClipping ? ` (the clip-count noise σ_b = ${s.adaptiveClipping.countNoise} alone costs too much: raise adaptiveClipping.countNoise)` : '';
    throw new CoreInputError(`privacy.epsilon ${target} cannot be met with client-level noise up to z = ${hi.toPrecision(3)}${hint}`, 'privacy.epsilon');
  }
  let a = lo;
  let b = hi;
  // Geometric bisection: the bracket spans many orders of magnitude.
  while (b / a > 1 + 1e-6) {
    const mid = Math.sqrt(a * b);
    if (eps(mid) <= target) b = mid;
    else a = mid;
  }
  return b;
}
