/**
 * Goodness-of-fit helpers for the sampler tests of this folder (imported only from *.test.ts):
 * Pearson's chi-square test of integer samples against a pmf, with tail bins merged so that every
 * expected count is at least 5 (Cochran's rule), and the exact chi-square upper tail for an even
 * number of degrees of freedom, P(χ²_{2m} > x) = e^{−x/2} Σ_{i<m} (x/2)^i/i! (a Poisson CDF).
 */

/** A pmf on the integers that is non-zero on [−M, M] only, from weights w(y), normalized in floating point. */
export function pmfFromWeights(weight: (y: number) => number, M: number): (y: number) => number {
  let z = 0;
  for (let y = -M; y <= M; y++) z += weight(y);
  return (y) => (Math.abs(y) <= M ? weight(y) / z : 0);
}

/** The discrete Gaussian pmf ∝ exp(−y²/(2σ²)), truncated at 40σ + 10 (the rest is < e^{−800}). */
export function discreteGaussianPmf(sigma: number): (y: number) => number {
  return pmfFromWeights((y) => Math.exp(-(y * y) / (2 * sigma * sigma)), Math.ceil(40 * sigma) + 10);
}

/** P(χ² > x) for an even number of degrees of freedom `df`, summed in log space. */
export function chiSquareSurvivalEven(x: number, df: number): number {
  if (df % 2 !== 0 || df < 2) throw new Error(`df must be even and ≥ 2, got ${df}`);
  const h = x / 2;
  let logTerm = -h;
  let sum = Math.exp(logTerm);
  for (let i = 1; i < df / 2; i++) {
    logTerm += Math.log(h) - Math.log(i);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/**
 * Pearson chi-square of integer samples against a SYMMETRIC pmf `p`: bins y ≤ −R, each
 * −R < y < R, and y ≥ R (2R + 1 bins, 2R degrees of freedom), R the largest value (≤ maxR) that
 * keeps every expected count ≥ 5. Returns the p-value, df and the statistic.
 */
export function chiSquareSymmetric(samples: ArrayLike<number>, p: (y: number) => number, maxR = 1000): { pValue: number; df: number; stat: number } {
  const n = samples.length;
  const upperTail = (r: number): number => {
    let s = 0;
    for (let y = r; p(y) > 0; y++) s += p(y);
    return s;
  };
  let R = 1;
  while (R < maxR && upperTail(R + 1) * n >= 5 && p(R) * n >= 5) R++;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const bin = Math.max(-R, Math.min(R, samples[i]!));
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  let stat = 0;
  for (let b = -R; b <= R; b++) {
    const expected = n * (b === R || b === -R ? upperTail(R) : p(b));
    stat += ((counts.get(b) ?? 0) - expected) ** 2 / expected;
  }
  return { pValue: chiSquareSurvivalEven(stat, 2 * R), df: 2 * R, stat };
}

/** Sample mean and (biased) variance. */
export function meanVariance(samples: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]!;
  const mean = sum / samples.length;
  let sq = 0;
  for (let i = 0; i < samples.length; i++) sq += (samples[i]! - mean) ** 2;
  return { mean, variance: sq / samples.length };
}
