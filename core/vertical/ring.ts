/**
 * Fixed-point numbers as additive secret shares in the ring Z_2^64, the arithmetic of vertical
 * training (additive sharing with a dealer, after SecureML, Mohassel & Zhang 2017).
 *
 * A real x is encoded as round(x·2^f) in two's complement modulo 2^64 (f = {@link FRAC_BITS}).
 * `BigUint64Array` stores every value modulo 2^64, so sums and products wrap by themselves. A
 * value is split into two shares x = x₀ + x₁ (mod 2^64) with x₀ uniformly random: either share
 * alone is a uniformly random word and says nothing about x.
 *
 * After a product of two encoded values the scale is 2^(2f); {@link truncateShare} brings it back
 * by each party shifting its own share (SecureML's local truncation, Theorem 1): the result is off
 * by at most one unit in the last place, except with probability about 2^(ℓ + 1 − 64) when the
 * product at scale 2^(2f) is below 2^ℓ in magnitude, when it is wrong entirely. With f = 13 (as
 * in SecureML) a product below 2^8 in magnitude (ℓ = 34) fails with probability about 2^−29 per
 * value; inputs are limited to |x| ≤ 2^15 so that no product wraps the ring.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Fractional bits of the fixed-point encoding. */
export const FRAC_BITS = 13;
const SCALE = 2 ** FRAC_BITS;
/** Largest |x| encoded: a product of two encoded values stays below 2^(2·15 + 2f) = 2^56, far from wrapping. */
export const MAX_ABS = 2 ** 15;

/** Fixed-point encoding of real values; throws naming the index of a non-finite or too large one. */
export function encodeFixed(values: ArrayLike<number>): BigUint64Array {
  const out = new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x) || Math.abs(x) > MAX_ABS) throw new CoreInputError(`value ${i} is ${x}: fixed point needs finite |x| ≤ ${MAX_ABS}`, 'values');
    out[i] = BigInt.asUintN(64, BigInt(Math.round(x * SCALE)));
  }
  return out;
}

/** Decodes fixed-point words (two's complement) to numbers. */
export function decodeFixed(words: BigUint64Array): Float64Array {
  const out = new Float64Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = Number(BigInt.asIntN(64, words[i]!)) / SCALE;
  return out;
}

/** `n` uniformly random words from `rng`. */
export function randomWords(n: number, rng: Rng): BigUint64Array {
  const bytes = rng(8 * n);
  if (bytes.length !== 8 * n) throw new CoreInputError(`rng(${8 * n}) returned ${bytes.length} bytes`, 'rng');
  return new BigUint64Array(Uint8Array.from(bytes).buffer);
}

/** Splits `x` into two additive shares; the first is uniformly random. */
export function share(x: BigUint64Array, rng: Rng): [BigUint64Array, BigUint64Array] {
  const s0 = randomWords(x.length, rng);
  const s1 = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) s1[i] = x[i]! - s0[i]!;
  return [s0, s1];
}

function sameLength(a: BigUint64Array, b: BigUint64Array, what: string): void {
  if (a.length !== b.length) throw new CoreInputError(`${what}: lengths ${a.length} and ${b.length} differ`, what);
}

/** a + b (mod 2^64), element-wise. */
export function addWords(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
  sameLength(a, b, 'addWords');
  const out = new BigUint64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

/** a − b (mod 2^64), element-wise. */
export function subWords(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
  sameLength(a, b, 'subWords');
  const out = new BigUint64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/** Reconstructs the shared value from both shares. */
export const openShares = addWords;

/**
 * One party's share of x / 2^bits (by default x / 2^f, after a product at scale 2^(2f)), each computed from the party's
 * own share alone (SecureML, Theorem 1): party 0 takes ⌊x₀ / 2^f⌋, party 1 takes
 * 2^64 − ⌊(2^64 − x₁) / 2^f⌋, shares read as unsigned words.
 */
export function truncateShare(s: BigUint64Array, party: 0 | 1, bits: number = FRAC_BITS): BigUint64Array {
  const out = new BigUint64Array(s.length);
  const f = BigInt(bits);
  for (let i = 0; i < s.length; i++) {
    const w = s[i]!;
    out[i] = party === 0 ? w >> f : BigInt.asUintN(64, -(BigInt.asUintN(64, -w) >> f));
  }
  return out;
}

/** A party's share times a public real `c`, back at the fixed-point scale (local: no interaction). */
export function scaleShare(s: BigUint64Array, c: number, party: 0 | 1): BigUint64Array {
  const k = encodeFixed([c])[0]!;
  const out = new BigUint64Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s[i]! * k;
  return truncateShare(out, party);
}
