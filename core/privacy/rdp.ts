/**
 * Rényi differential privacy (Mironov, CSF 2017) of the Poisson-subsampled Gaussian mechanism:
 * each record joins a step independently with probability q, the step adds N(0, z²Δ²) noise to a
 * sum with L2 sensitivity Δ (z is the noise multiplier). The bounds are those of Mironov, Talwar
 * & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (arXiv:1908.10530).
 *
 * With μ₀ = N(0, z²), μ₁ = N(1, z²) and μ = (1−q)μ₀ + qμ₁, one step is (α, ε(α))-RDP with
 * ε(α) = log(A_α)/(α−1) and A_α = E_{x∼μ₀}[(μ(x)/μ₀(x))^α] (they show this direction of the
 * divergence is the larger of the two). Steps compose by adding RDP at each order (Mironov 2017, Proposition 1).
 *
 * Integer α (their §3):
 *   A_α = Σ_{k=0}^{α} C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2z²)).
 * The binomial weights sum to 1 and the k = 0, 1 factors are exp(0) = 1, so
 *   A_α − 1 = Σ_{k=2}^{α} C(α,k) (1−q)^{α−k} q^k expm1((k²−k)/(2z²)),
 * a sum of positive terms. It is evaluated in log space and log A_α = log1p(A_α − 1), which keeps
 * full relative precision even when ε(α) ≈ q² is tiny (no 1 + tiny − 1 cancellation).
 *
 * Fractional α (their §3.3): splitting the real line at z₀ = z² log(1/q − 1) + ½, where
 * (1−q)μ₀ = qμ₁, and expanding (a + b)^α by the generalised binomial series on each side gives
 * A_α = A₀ + A₁ with
 *   A₀ = Σ_{k≥0} C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2z²)) · ½ erfc((k − z₀)/(√2 z)),
 *   A₁ = Σ_{k≥0} C(α,k) (1−q)^k q^{α−k} exp(((α−k)²−(α−k))/(2z²)) · ½ erfc((z₀ − (α−k))/(√2 z)).
 * Every term is |C(α,k)| times a positive factor; C(α,k) is positive for k ≤ ⌈α⌉ and alternates
 * in sign after. Writing each factor as (1−q)^α e^{−z₀²/(2z²)} · e^{t²/2}Φ(−t) (t affine in k) shows
 * it decreases in k, so past ⌈α⌉ both series are alternating with decreasing terms and the
 * truncation error is below the first omitted term. The sum stops there once a term falls below
 * max(1e−10·(A − 1), 1e−17·A) (see FRACTIONAL_*), adding half of that first omitted term (the
 * average of two partial sums, closer still). A = A₀ + A₁ ≈ 1 is summed directly, so log A has an
 * absolute error of a few 1e−16: relative ≈ 1e−16/(A − 1), e.g. 1e−8 at q = 1e−4, z = 1, α = 1.5
 * (integer orders do not have this limit).
 *
 * Cost: O(α) terms for integer α; for fractional α, O(⌈α⌉) plus the alternating tail, which is a
 * handful of terms when z₀/z is large (small q) and up to ~10⁴ terms when q is near ½ and α
 * near 1 (the tail decays like k^{−α−2}).
 */
import { CoreInputError } from '../types.ts';
import { logAddExp, logErfc, logExpm1, logSumExp } from './logmath.ts';

/** Relative stopping tolerance of the fractional series against the running A − 1. */
const FRACTIONAL_REL_TOL = 1e-10;
/** Absolute stopping tolerance of the fractional series (A ≥ 1, so this is relative to A too). */
const FRACTIONAL_ABS_TOL = 1e-17;
/** Hard cap on fractional-series terms; reaching it is a bug or an absurd parameter set. */
const FRACTIONAL_MAX_TERMS = 2_000_000;
/** Largest accepted order: cost is linear in α. */
export const MAX_RDP_ORDER = 100_000;

/**
 * RDP of ONE step of the Poisson-subsampled Gaussian mechanism at `order` α > 1, with sampling
 * rate `q` ∈ [0, 1] and noise multiplier `z` (noise sd / L2 sensitivity) ∈ [0, ∞]. Special cases:
 * q = 0 or z = ∞ → 0; q = 1 → α/(2z²) (the plain Gaussian mechanism); z = 0 with q > 0 → ∞.
 * Throws {@link CoreInputError} naming `q`, `noiseMultiplier` or `order`.
 */
export function sampledGaussianRdpStep(q: number, z: number, order: number): number {
  checkQ(q);
  checkZ(z);
  checkOrder(order);
  if (q === 0 || z === Infinity) return 0;
  if (z === 0) return Infinity;
  if (q === 1) return order / (2 * z * z);
  const logA = Number.isInteger(order) ? logAInteger(q, z, order) : logAFractional(q, z, order);
  return logA / (order - 1);
}

/**
 * log A_α for an integer α ≥ 2 and 0 < q < 1, 0 < z < ∞, from the positive-term form of
 * A_α − 1 in the module header. Exported for tests.
 */
export function logAInteger(q: number, z: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoZ2 = 2 * z * z;
  const logTerms = new Float64Array(alpha - 1);
  let logBinom = Math.log(alpha); // log C(α, 1)
  for (let k = 2; k <= alpha; k++) {
    logBinom += Math.log(alpha - k + 1) - Math.log(k);
    const logTail = (alpha - k) * log1mQ; // (α−k)·log(1−q); exactly 0 at k = α
    logTerms[k - 2] = logBinom + logTail + k * logQ + logExpm1((k * k - k) / twoZ2);
  }
  return logAddExp(0, logSumExp(logTerms)); // log(1 + (A − 1))
}

/**
 * log A_α for any real α > 1 (integer α included: the series then ends at k = α) and
 * 0 < q < 1, 0 < z < ∞, by the two-part erfc series of the module header. Exported for tests.
 */
export function logAFractional(q: number, z: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoZ2 = 2 * z * z;
  const sqrt2Z = Math.SQRT2 * z;
  const z0 = z * z * (Math.log1p(-q) - logQ) + 0.5; // z² log(1/q − 1) + ½
  const sum = new SignedLogSum();
  let logAbsBinom = 0; // log |C(α, 0)|
  let sign = 1;
  for (let k = 0; k < FRACTIONAL_MAX_TERMS; k++) {
    if (k > 0) {
      const factor = alpha - (k - 1); // C(α,k) = C(α,k−1)·(α−k+1)/k
      if (factor === 0) return sum.log(); // integer α: all further coefficients vanish
      logAbsBinom += Math.log(Math.abs(factor)) - Math.log(k);
      if (factor < 0) sign = -sign;
    }
    const j = alpha - k;
    const log0 =
      logAbsBinom + j * log1mQ + k * logQ + (k * k - k) / twoZ2 + logErfc((k - z0) / sqrt2Z) - Math.LN2;
    const log1 =
      logAbsBinom + k * log1mQ + j * logQ + (j * j - j) / twoZ2 + logErfc((z0 - j) / sqrt2Z) - Math.LN2;
    const logTerm = logAddExp(log0, log1);
    if (k > alpha + 1) {
      const logA = sum.log();
      const excess = sum.excessOverOne(); // ≈ A − 1 ≥ 0 (a rounding-level negative is clamped)
      const tol = Math.max(FRACTIONAL_REL_TOL * excess, FRACTIONAL_ABS_TOL * Math.exp(logA));
      if (logTerm < Math.log(tol)) {
        sum.add(sign, logTerm - Math.LN2); // half the first omitted term: mean of two partial sums
        return sum.log();
      }
    }
    sum.add(sign, logTerm);
  }
  throw new Error(`fractional RDP series did not converge in ${FRACTIONAL_MAX_TERMS} terms (q=${q}, z=${z}, α=${alpha})`);
}

/**
 * Running sum of ±e^{l} kept as s·e^{scale} with |s| of order one, so that terms far above or
 * below each other neither overflow nor vanish prematurely.
 */
class SignedLogSum {
  private scale = -Infinity;
  private s = 0;

  add(sign: number, logValue: number): void {
    if (logValue === -Infinity) return;
    if (logValue > this.scale) {
      this.s = this.scale === -Infinity ? 0 : this.s * Math.exp(this.scale - logValue);
      this.scale = logValue;
    }
    this.s += sign * Math.exp(logValue - this.scale);
  }

  /** log of the sum (NaN if it is negative, which the series never produces). */
  log(): number {
    return this.s > 0 ? this.scale + Math.log(this.s) : this.s === 0 ? -Infinity : NaN;
  }

  /** max(0, sum − 1), computed without overflow. */
  excessOverOne(): number {
    const l = this.log();
    if (!(l > 0)) return 0;
    return l > 700 ? Infinity : Math.expm1(l);
  }
}

function checkQ(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new CoreInputError(`q must be a sampling rate in [0, 1], got ${q}`, 'q');
}

function checkZ(z: number): void {
  if (!(z >= 0)) {
    throw new CoreInputError(`noiseMultiplier must be ≥ 0 (∞ allowed), got ${z}`, 'noiseMultiplier');
  }
}

/** Throws unless `order` is a finite number in (1, MAX_RDP_ORDER]. */
export function checkOrder(order: number): void {
  if (!(order > 1 && order <= MAX_RDP_ORDER)) {
    throw new CoreInputError(`order must be a number in (1, ${MAX_RDP_ORDER}], got ${order}`, 'order');
  }
}
