/**
 * Statistical tests of uniformity over Z_2^32 for the curious-coordinator test
 * (secagg-curious.test.ts). Per vector, at significance α = 1e-9 each (a masked vector fails if
 * any test rejects):
 * - Kolmogorov–Smirnov against U[0, 1) of w / 2^32, rejecting when D > sqrt(ln(2/α) / (2n)): by the
 *   Dvoretzky–Kiefer–Wolfowitz inequality with Massart's constant, P(D > ε) ≤ 2·exp(−2nε²) for
 *   every n, so the false-rejection probability is at most α, exactly;
 * - Pearson chi-square on the top m bits and on the low m bits of every word (2^m bins,
 *   m = min(8, ⌊log2(n/5)⌋), so every bin expects ≥ 5 words), rejecting when p < α.
 * Pooled over many vectors: chi-square on all bytes (256 bins), and a Hoeffding bound on the
 * frequency of ones at each of the 32 bit positions (α each). The chi-square tails are
 * asymptotic, the KS and Hoeffding bounds exact.
 * The chi-square p-value uses the regularized upper incomplete gamma function (Numerical Recipes
 * §6.2 formulas: series below a + 1, continued fraction above), written here from the formulas.
 */
/** Significance level of every single uniformity test. */
export const ALPHA = 1e-9;

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-15). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, x) (series below a + 1, Lentz continued fraction above). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 10_000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * front);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return front * h;
}

/** Upper-tail p-value of Pearson's chi-square statistic for uniform bin counts. */
export function chiSquare(counts: ArrayLike<number>, total: number): { stat: number; df: number; p: number } {
  const k = counts.length;
  const e = total / k;
  let stat = 0;
  for (let i = 0; i < k; i++) stat += (counts[i]! - e) ** 2 / e;
  return { stat, df: k - 1, p: gammaQ((k - 1) / 2, stat / 2) };
}

export interface Uniformity {
  n: number;
  /** KS statistic and its DKW rejection limit. */
  ks: number;
  ksLimit: number;
  top: { stat: number; df: number; p: number };
  low: { stat: number; df: number; p: number };
  problems: string[];
}

/** The per-vector uniformity tests over Z_2^32 (see the module header). */
export function uniformity(w: Uint32Array): Uniformity {
  const n = w.length;
  const sorted = Float64Array.from(w).sort();
  let ks = 0;
  for (let i = 0; i < n; i++) {
    const u = sorted[i]! / 2 ** 32;
    ks = Math.max(ks, (i + 1) / n - u, u - i / n);
  }
  const ksLimit = Math.sqrt(Math.log(2 / ALPHA) / (2 * n));
  const m = Math.max(1, Math.min(8, Math.floor(Math.log2(n / 5))));
  const bins = 1 << m;
  const top = new Float64Array(bins);
  const low = new Float64Array(bins);
  for (const x of w) {
    top[x >>> (32 - m)]!++;
    low[x & (bins - 1)]!++;
  }
  const r = { n, ks, ksLimit, top: chiSquare(top, n), low: chiSquare(low, n), problems: [] as string[] };
  if (ks > ksLimit) r.problems.push(`KS D = ${ks.toFixed(4)} > ${ksLimit.toFixed(4)}`);
  if (r.top.p < ALPHA) r.problems.push(`chi-square on the top ${m} bits: p = ${r.top.p.toExponential(2)}`);
  if (r.low.p < ALPHA) r.problems.push(`chi-square on the low ${m} bits: p = ${r.low.p.toExponential(2)}`);
  return r;
}

/** Pooled tests over many words: bytes chi-square (256 bins) and per-bit-position Hoeffding bounds. */
export function pooledUniformity(w: Uint32Array): { bytes: { stat: number; df: number; p: number }; maxBitBias: number; bitLimit: number; problems: string[] } {
  const bytes = new Float64Array(256);
  const ones = new Float64Array(32);
  for (const x of w) {
    bytes[x & 0xff]!++;
    bytes[(x >>> 8) & 0xff]!++;
    bytes[(x >>> 16) & 0xff]!++;
    bytes[x >>> 24]!++;
    for (let b = 0; b < 32; b++) ones[b]! += (x >>> b) & 1;
  }
  const chi = chiSquare(bytes, 4 * w.length);
  const bitLimit = Math.sqrt(Math.log(2 / ALPHA) / (2 * w.length));
  let maxBitBias = 0;
  for (let b = 0; b < 32; b++) maxBitBias = Math.max(maxBitBias, Math.abs(ones[b]! / w.length - 0.5));
  const problems: string[] = [];
  if (chi.p < ALPHA) problems.push(`bytes chi-square p = ${chi.p.toExponential(2)}`);
  if (maxBitBias > bitLimit) problems.push(`a bit position is biased by ${maxBitBias.toFixed(5)} > ${bitLimit.toFixed(5)}`);
  return { bytes: chi, maxBitBias, bitLimit, problems };
}
