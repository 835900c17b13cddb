import { describe, expect, it } from 'vitest';
import { seededRng, uniform01 } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { dealTriples, multiplyShared } from './beaver.ts';
import { matVecShared } from './beaver-matrix.ts';
import { decodeFixed, encodeFixed, FRAC_BITS, openShares, share, truncateShare } from './ring.ts';

const ULP = 2 ** -FRAC_BITS;

describe('fixed point in Z_2^64', () => {
  it('encodes and decodes reals, negatives included, to the nearest 2^-13', () => {
    const xs = [0, 1, -1, Math.PI, -2.5e-7, 12345.678, -32767.5];
    const back = decodeFixed(encodeFixed(xs));
    xs.forEach((x, i) => expect(Math.abs((back[i] ?? Number.NaN) - x)).toBeLessThanOrEqual(ULP / 2));
  });

  it('refuses non-finite and too large values, naming the index', () => {
    expect(() => encodeFixed([1, Number.NaN])).toThrow(/value 1 is NaN/);
    expect(() => encodeFixed([2 ** 15 + 1])).toThrow(CoreInputError);
  });

  it('splits into shares that reconstruct, the first of which is the rng\'s words', () => {
    const x = encodeFixed([1.5, -2, 0]);
    const [s0, s1] = share(x, seededRng(1));
    expect(Array.from(openShares(s0, s1))).toEqual(Array.from(x));
    const [t0] = share(x, seededRng(2));
    expect(Array.from(t0)).not.toEqual(Array.from(s0));
    // A share alone is uniform: across many shares of the same value, each bit is set about half the time.
    const many = share(encodeFixed(new Array(4000).fill(1)), seededRng(3))[1];
    let ones = 0;
    for (const w of many) for (let b = 0n; b < 64n; b++) ones += Number((w >> b) & 1n);
    expect(ones / (4000 * 64)).toBeGreaterThan(0.49);
    expect(ones / (4000 * 64)).toBeLessThan(0.51);
  });

  it('truncates shared products locally to within one unit in the last place', () => {
    const rng = seededRng(4);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => (uniform01(rng) - 0.5) * 2000);
    // Encoded at scale 2^(2f), as a product of two encoded values is.
    const wide = new BigUint64Array(n);
    xs.forEach((x, i) => (wide[i] = BigInt.asUintN(64, BigInt(Math.round(x * 2 ** (2 * FRAC_BITS))))));
    const [s0, s1] = share(wide, rng);
    const back = decodeFixed(openShares(truncateShare(s0, 0), truncateShare(s1, 1)));
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, Math.abs((back[i] ?? Number.NaN) - x))));
    expect(worst).toBeLessThanOrEqual(2 * ULP);
  });
});

describe('Beaver multiplication', () => {
  it('deals triples whose shares open to c = a·b', () => {
    const [t0, t1] = dealTriples(100, seededRng(5));
    const a = openShares(t0.a, t1.a);
    const b = openShares(t0.b, t1.b);
    const c = openShares(t0.c, t1.c);
    for (let i = 0; i < 100; i++) expect(c[i]).toBe(BigInt.asUintN(64, a[i]! * b[i]!));
  });

  it('multiplies shared fixed-point vectors', () => {
    const rng = seededRng(6);
    const n = 5000;
    const xs = Array.from({ length: n }, () => (uniform01(rng) - 0.5) * 200);
    const ys = Array.from({ length: n }, () => (uniform01(rng) - 0.5) * 200);
    const z = multiplyShared(share(encodeFixed(xs), rng), share(encodeFixed(ys), rng), rng);
    const got = decodeFixed(openShares(z[0], z[1]));
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((got[i] ?? Number.NaN) - xs[i]! * ys[i]!));
    // Rounding of both inputs (≤ 100 · 2^-14 each) plus truncation (≤ 2 · 2^-13).
    expect(worst).toBeLessThan(2 * 100 * 2 ** -14 + 2 * ULP);
  });
});

describe('Beaver matrix–vector products', () => {
  it('computes X·w for a shared 300 × 12 matrix and a shared vector', () => {
    const rng = seededRng(7);
    const rows = 300;
    const cols = 12;
    const x = Array.from({ length: rows * cols }, () => (uniform01(rng) - 0.5) * 6);
    const w = Array.from({ length: cols }, () => (uniform01(rng) - 0.5) * 2);
    const z = matVecShared(share(encodeFixed(x), rng), share(encodeFixed(w), rng), rows, cols, rng);
    const got = decodeFixed(openShares(z[0], z[1]));
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      let exact = 0;
      for (let j = 0; j < cols; j++) exact += x[r * cols + j]! * w[j]!;
      worst = Math.max(worst, Math.abs((got[r] ?? Number.NaN) - exact));
    }
    // Input rounding: Σ_j (|x|·2^-14 + |w|·2^-14) ≤ 12 · 4 · 2^-14, plus truncation.
    expect(worst).toBeLessThan(12 * 4 * 2 ** -14 + 2 * ULP);
    expect(() => matVecShared(share(encodeFixed([1, 2]), rng), share(encodeFixed([1]), rng), 2, 2, rng)).toThrow(/2 × 2 matrix needs 4 words/);
  });
});
