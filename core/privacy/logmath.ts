/**
 * Log-space arithmetic for the privacy accountant: sums of exponentials that would overflow or
 * lose precision in linear space, log(expm1(x)), and log erfc(x) for every real x.
 *
 * log erfc. JavaScript has no erfc, and erfc(x) underflows for x > 26.6, so the accountant needs
 * its logarithm directly. Three regimes, each chosen to avoid cancellation:
 *  - x < 0: erfc(x) = 2 − erfc(−x) ∈ (1, 2], no loss.
 *  - 0 ≤ x < 2: erfc(x) = 1 − erf(x) with the positive-term series
 *    erf(x) = (2/√π) e^{−x²} Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) (Abramowitz & Stegun 7.1.6);
 *    the subtraction costs at most a factor erf/erfc ≤ 214 of relative precision (≈ 3e−14).
 *  - x ≥ 2: the Laplace continued fraction (A&S 7.1.14)
 *    erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))),
 *    evaluated backwards from a fixed depth, so that log erfc(x) = −x² − ½ log π − log(CF) never
 *    forms e^{−x²}. Depth 80 at x = 2 (fewer for larger x) gives full double precision.
 * Checked against 50-digit references in logmath.test.ts.
 */

const HALF_LOG_PI = 0.5 * Math.log(Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** log(e^a + e^b) without overflow; either argument may be −∞. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(Math.min(a, b) - m));
}

/** log(e^a − e^b) for a ≥ b (returns −∞ when a = b); NaN when b > a. */
export function logSubExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b > a) return NaN;
  if (a === b) return -Infinity;
  const d = b - a;
  // log(1 − e^d): expm1 near 0, log1p far from it (Mächler 2012, "Accurately computing log(1 − exp(−|a|))").
  return a + (d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
}

/** log Σ exp(v_i) over a list (−∞ for an empty list or all −∞). */
export function logSumExp(values: readonly number[] | Float64Array): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (const v of values) s += Math.exp(v - m);
  return m + Math.log(s);
}

/** log(e^x − 1) for x > 0 (−∞ at 0), without overflow for large x. */
export function logExpm1(x: number): number {
  if (x > 1) return x + Math.log1p(-Math.exp(-x));
  return Math.log(Math.expm1(x));
}

/** erf(x) for 0 ≤ x < 2 by the positive-term series of the module header. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** log of the continued fraction's value 1/(x + (1/2)/(x + …)) for x ≥ 2. */
function logErfcFraction(x: number): number {
  const depth = Math.min(80, 8 + Math.ceil(288 / (x * x)));
  let f = x;
  for (let n = depth; n >= 1; n--) f = x + n / 2 / f;
  return -Math.log(f);
}

/** log erfc(x) for any real x (−∞ only at x = +∞); see the module header for the method. */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return -Infinity;
  if (x < 0) {
    if (x === -Infinity) return Math.LN2;
    return Math.log(2 - Math.exp(logErfc(-x)));
  }
  if (x < 2) return Math.log1p(-erfSeries(x));
  return -x * x - HALF_LOG_PI + logErfcFraction(x);
}
