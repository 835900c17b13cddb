/**
 * Gaussian noise for DP-SGD without floating-point precision attacks: the clipped gradient sum is
 * rounded to a fine lattice γZ^d and exact discrete Gaussian noise on that lattice is added.
 *
 * Why. A float Gaussian sampler (Box–Muller over 53-bit uniforms) added to a float value leaks
 * that value through the low-order bits and the set of reachable outputs (Mironov, "On
 * significance of the least significant bits for differential privacy", CCS 2012; Jin, McMurtry,
 * Rubinstein & Ohrimenko, "Are We There Yet? Timing and Floating-Point Attacks on Differential
 * Privacy Systems", IEEE S&P 2022, who break Box–Muller and polar samplers). Here the release is
 * γ·(A + Y) with A, Y ∈ Z^d: its support is γZ^d whatever the data, and its law is exactly the
 * discrete Gaussian (Karney's exact sampler, ./karney-dgauss.ts), so the analysis below holds bit
 * for bit. Everything afterwards (×γ is exact, float32 rounding, ÷qN, penalty gradients, the
 * optimizer) is a function of γ(A + Y) and public values: post-processing.
 *
 * The mechanism of one step, for noise multiplier z, clip norm C and d parameters:
 *   S = Σ_{i∈batch} clip_C(g_i),  A = round(S/γ) ∈ Z^d (to nearest),  Y ~ N_Z(0, σ²)^d,  release γ(A + Y).
 * Grid: γ is the largest power of two ≤ min(z·C, C/⌈√d⌉)·2^−10, doubled while z·C/γ > 2^23.
 *   So σ ≥ 2^10 grid steps (the noise is finely resolved) and the rounding below grows the
 *   sensitivity by γ⌈√d⌉ ≤ C·2^−10 (0.1 %), except when z·⌈√d⌉ > 2^12 (then σ would leave the
 *   sampler's fast range; the growth is still accounted, it just exceeds 0.1 %).
 * Sensitivity: for reals a, b, |round(a + b) − round(a)| ≤ |b| + 1 (each rounding moves ≤ ½),
 *   so adding one example (‖clip_C(g)‖₂ ≤ C) moves A by ‖ΔA‖₂ ≤ ‖(|S' − S|/γ) + 1‖₂ ≤ C/γ + √d
 *   (Minkowski) ≤ Δ := C/γ + ⌈√d⌉ grid steps, i.e. C + γ⌈√d⌉ in model units. Rounding each
 *   example's gradient first would give C + γ√d/2, but the trainer never materializes per-example
 *   gradients; randomized rounding has the same worst case as deterministic rounding.
 * Noise: σ = num/den grid steps with σ² ≥ z²Δ² + τ², τ = {@link SMOOTHING_TAU}, checked exactly in
 *   rational arithmetic (z, C, γ are doubles, hence exact dyadic rationals).
 * Privacy (the stated ε stays true). Let s² = σ² − τ² ≥ z²Δ². (i) Smoothing: let K(x, ·) be the
 *   discrete Gaussian on Z centred at x with parameter τ, K(x, n) = ρ_τ(n − x)/Σ_m ρ_τ(m − x),
 *   ρ_τ(y) = e^{−y²/(2τ²)}. By Poisson summation Σ_m ρ_τ(m − x) = τ√(2π)(1 + ε(x)) with
 *   |ε(x)| ≤ η := 2Σ_{k≥1} e^{−2π²τ²k²} < 10^{−8000}, and ∫ N(μ, s²)(x)·ρ_τ(n − x) dx =
 *   τ√(2π)·N(μ, σ²)(n); likewise Σ_n ρ_σ(n − μ) = σ√(2π)(1 + ε'), |ε'| ≤ η. Hence for every real
 *   μ and integer n, N_Z(μ, σ²)(n) = K[N(μ, s²)](n)·e^{±ξ}, ξ = 3η (the smoothing lemma of
 *   Micciancio & Regev 2007 / Peikert 2010). (ii) Coordinate-wise and mixed over the Poisson
 *   batch, the law of A + Y is within e^{±dξ} pointwise of K^{⊗d} applied to the continuous
 *   mechanism A + N(0, s²I). (iii) That continuous mechanism is the sampled Gaussian mechanism of a
 *   function with L2 sensitivity Δ and noise s ≥ zΔ, whose RDP at every order (both adjacency
 *   directions) is bounded by the curve for noise multiplier z (Mironov, Talwar & Zhang 2019),
 *   and K^{⊗d} cannot increase it (data processing). (iv) Pointwise factors e^{±dξ} on both
 *   distributions add at most (2α − 1)/(α − 1)·dξ to the order-α divergence — below 10^{−7900}
 *   for every order ≥ 1.1 the accountant uses and d < 2^40, far below double precision. So the
 *   ledger's dp-sgd curve for z covers what is done. (Without subsampling, the theorem
 *   "Multivariate Discrete Gaussian Satisfies Concentrated Differential Privacy" of Canonne,
 *   Kamath & Steinke 2020 gives D_α ≤ αΔ²/(2σ²) for lattice shifts directly, with no τ; but the
 *   subsampled bound is not a function of that one, and MTZ's analysis is for the continuous
 *   Gaussian, hence the smoothing step, which costs τ² ≤ 2^−10·σ² of variance.)
 * Numerics: S/γ is an exact power-of-two scaling; A is clamped to ±2^50 (1-Lipschitz, so the
 *   sensitivity bound survives); A + Y and γ(A + Y) are exact in float64. Not addressed, as on
 *   the float path: the bound ‖S' − S‖ ≤ C holds for the exact sum, and tfjs forms S in float32.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { toRational } from './exact-random.ts';
import type { DiscreteGaussianSampler, SigmaFraction } from './karney-dgauss.ts';
import { karneyDiscreteGaussian, MAX_SIGMA_PART, sigmaAtLeast } from './karney-dgauss.ts';

/** Grid steps per noise standard deviation, and per clip norm/⌈√d⌉, at least (before the cap). */
export const GRID_RESOLUTION = 2 ** 10;
/** z·C/γ is kept at most this, so σ in grid units stays in the sampler's fast range. */
export const MAX_GRID_SIGMA = 2 ** 23;
/** τ of the smoothing argument: σ² ≥ z²Δ² + τ². */
export const SMOOTHING_TAU = 32;
/** Largest |round(S/γ)| kept; larger values are clamped (a 1-Lipschitz map). */
export const MAX_GRID_VALUE = 2 ** 50;

/** The public constants of lattice noise for one DP-SGD configuration. */
export interface LatticeNoisePlan {
  /** γ, a power of two: the lattice spacing in model units. */
  readonly grid: number;
  /** Δ = C/γ + ⌈√d⌉: the L2 sensitivity of round(S/γ) in grid units (a float at least it). */
  readonly sensitivityGrid: number;
  /** σ in grid units, exactly: σ² ≥ z²Δ² + τ². */
  readonly sigma: SigmaFraction;
  /** C + γ⌈√d⌉: the sensitivity in model units the noise is calibrated to. */
  readonly sensitivity: number;
  /** σ·γ: the noise standard deviation per coordinate in model units. */
  readonly noiseStd: number;
  readonly dimension: number;
}

/**
 * The lattice plan for noise multiplier z > 0, clip norm C > 0 and d ≥ 1 parameters (formulas in
 * the module header). Throws {@link CoreInputError} naming `noiseMultiplier`, `clipNorm` or
 * `dimension` when invalid, or `noiseMultiplier` when z·⌈√d⌉ is beyond the sampler (≥ 2^31).
 */
export function latticeNoisePlan(noiseMultiplier: number, clipNorm: number, dimension: number): LatticeNoisePlan {
  const z = noiseMultiplier;
  const c = clipNorm;
  if (!(z > 0 && z < Infinity)) throw new CoreInputError(`noiseMultiplier must be finite and > 0, got ${z}`, 'noiseMultiplier');
  if (!(c > 0 && c < Infinity)) throw new CoreInputError(`clipNorm must be finite and > 0, got ${c}`, 'clipNorm');
  if (!Number.isSafeInteger(dimension) || dimension < 1) throw new CoreInputError(`dimension must be a positive integer, got ${dimension}`, 'dimension');
  const rootD = ceilSqrt(dimension);
  if (z * rootD >= 2 ** 31) throw new CoreInputError(`noiseMultiplier ${z} × ⌈√${dimension}⌉ is too large for exact lattice noise`, 'noiseMultiplier');
  const target = Math.min(z * c, c / rootD) / GRID_RESOLUTION;
  let grid = 1;
  while (grid > target) grid /= 2;
  while (grid * 2 <= target) grid *= 2;
  while ((z * c) / grid > MAX_GRID_SIGMA) grid *= 2;
  const cGrid = c / grid; // exact: a power-of-two scaling
  const sigma = exactSigma(z, cGrid, rootD);
  return {
    grid,
    sensitivityGrid: cGrid + rootD,
    sigma,
    sensitivity: c + grid * rootD,
    noiseStd: (sigma.num / sigma.den) * grid,
    dimension,
  };
}

/** A sampler of the plan's N_Z(0, σ²) drawing from `rng`. */
export function latticeSampler(plan: LatticeNoisePlan, rng: Rng): DiscreteGaussianSampler {
  return karneyDiscreteGaussian(plan.sigma, rng);
}

/**
 * γ·(round(sum/γ) + Y), Y ~ N_Z(0, σ²)^d from `sampler` (which must be the plan's): the noisy sum
 * on the lattice, in model units. Throws {@link CoreInputError} `sum` when its length is not the
 * plan's dimension. A non-finite coordinate stays non-finite (training then reports divergence).
 */
export function noisyLatticeSum(sum: ArrayLike<number>, plan: LatticeNoisePlan, sampler: DiscreteGaussianSampler): Float64Array {
  if (sum.length !== plan.dimension) throw new CoreInputError(`sum has ${sum.length} coordinates, the plan ${plan.dimension}`, 'sum');
  const { grid } = plan;
  const out = new Float64Array(sum.length);
  for (let j = 0; j < out.length; j++) {
    const a = Math.min(MAX_GRID_VALUE, Math.max(-MAX_GRID_VALUE, Math.round(sum[j]! / grid)));
    out[j] = (a + sampler.next()) * grid;
  }
  return out;
}

/** ⌈√n⌉ for a safe integer n ≥ 0, exactly. */
export function ceilSqrt(n: number): number {
  let r = Math.ceil(Math.sqrt(n));
  while (r > 0 && (r - 1) * (r - 1) >= n) r--;
  while (r * r < n) r++;
  return r;
}

/** σ = num/den with σ² ≥ z²(cGrid + rootD)² + τ², verified in exact rational arithmetic. */
function exactSigma(z: number, cGrid: number, rootD: number): SigmaFraction {
  const approx = Math.sqrt((z * (cGrid + rootD)) ** 2 + SMOOTHING_TAU ** 2) * (1 + 2 ** -40);
  if (!(approx <= MAX_SIGMA_PART)) throw new CoreInputError(`noise of ${approx} grid steps is too large for exact lattice noise`, 'noiseMultiplier');
  const sigma = sigmaAtLeast(approx);
  const zr = toRational(z);
  const cr = toRational(cGrid);
  const deltaNum = cr.num + BigInt(rootD) * cr.den; // Δ = deltaNum / cr.den
  const num = BigInt(sigma.num);
  const den = BigInt(sigma.den);
  const tau2 = BigInt(SMOOTHING_TAU * SMOOTHING_TAU);
  // (num/den)² ≥ (zr.num·deltaNum / (zr.den·cr.den))² + τ², multiplied out by all denominators.
  const lhs = num * num * zr.den * zr.den * cr.den * cr.den;
  const rhs = den * den * (zr.num * zr.num * deltaNum * deltaNum + tau2 * zr.den * zr.den * cr.den * cr.den);
  if (lhs < rhs) throw new Error('lattice noise: σ failed its exact check (a bug)');
  return sigma;
}
