/**
 * Exact randomness for samplers whose privacy proofs assume exact distributions (Canonne, Kamath
 * & Steinke 2020, "The Discrete Gaussian for Differential Privacy", §5): uniform integers by
 * rejection from raw bytes and Bernoulli trials with rational probabilities, with no floating
 * point anywhere in a decision. Bytes come only from the injected {@link Rng}, read through a
 * buffer so a crypto-backed Rng is called once per `chunk` bytes rather than once per draw
 * (unused buffered bytes are discarded with the source).
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** A non-negative rational num/den with bigint parts (den > 0); not necessarily reduced. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** Uniform integers and rational Bernoulli trials drawn exactly from an {@link Rng}. */
export interface ExactRandom {
  /** A uniform integer in [0, m) for an integer m with 1 ≤ m ≤ 2^32 (rejection: < 2 tries expected). */
  belowSmall(m: number): number;
  /** A uniform integer in [0, m) for a bigint m ≥ 1 (rejection: < 2 tries expected). */
  below(m: bigint): bigint;
  /** true with probability num/den exactly (requires 0 ≤ num ≤ den, den ≥ 1). */
  bernoulli(num: bigint, den: bigint): boolean;
  /** Bytes taken from the Rng so far (whole chunks). */
  readonly bytesDrawn: number;
}

const DEFAULT_CHUNK = 1024;

/**
 * Wraps `rng` into an {@link ExactRandom} that reads it `chunk` bytes at a time. Throws
 * {@link CoreInputError} `chunk` unless a positive integer; `rng` (on use) when it returns the
 * wrong number of bytes.
 */
export function exactRandom(rng: Rng, chunk: number = DEFAULT_CHUNK): ExactRandom {
  if (!Number.isSafeInteger(chunk) || chunk < 1) {
    throw new CoreInputError(`chunk must be a positive integer, got ${chunk}`, 'chunk');
  }
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0;
  let drawn = 0;
  const byte = (): number => {
    if (pos === buf.length) {
      buf = rng(chunk);
      if (!(buf instanceof Uint8Array) || buf.length !== chunk) {
        throw new CoreInputError('rng returned the wrong number of bytes', 'rng');
      }
      pos = 0;
      drawn += chunk;
    }
    return buf[pos++]!; // pos < buf.length here
  };

  const belowSmall = (m: number): number => {
    if (!Number.isSafeInteger(m) || m < 1 || m > 2 ** 32) {
      throw new CoreInputError(`m must be an integer in [1, 2^32], got ${m}`, 'm');
    }
    if (m === 1) return 0;
    const bits = 32 - Math.clz32(m - 1); // bit length of m − 1, in [1, 32]
    const nBytes = Math.ceil(bits / 8);
    const topBits = bits - 8 * (nBytes - 1);
    for (;;) {
      let v = byte() & ((1 << topBits) - 1);
      for (let i = 1; i < nBytes; i++) v = v * 256 + byte();
      if (v < m) return v;
    }
  };

  const below = (m: bigint): bigint => {
    if (m < 1n) throw new CoreInputError(`m must be ≥ 1, got ${m}`, 'm');
    if (m <= 4294967296n) return BigInt(belowSmall(Number(m)));
    const bits = (m - 1n).toString(2).length;
    const nBytes = Math.ceil(bits / 8);
    const topBits = bits - 8 * (nBytes - 1);
    for (;;) {
      let v = BigInt(byte() & ((1 << topBits) - 1));
      for (let i = 1; i < nBytes; i++) v = (v << 8n) | BigInt(byte());
      if (v < m) return v;
    }
  };

  const bernoulli = (num: bigint, den: bigint): boolean => {
    if (den < 1n || num < 0n || num > den) {
      throw new CoreInputError(`bernoulli needs 0 ≤ num ≤ den with den ≥ 1, got ${num}/${den}`, 'p');
    }
    if (num === 0n) return false;
    if (num === den) return true;
    return below(den) < num;
  };

  return {
    belowSmall,
    below,
    bernoulli,
    get bytesDrawn() {
      return drawn;
    },
  };
}

/**
 * The exact value of `x` as a reduced {@link Rational}: a finite double ≥ 0 is m·2^e exactly, so
 * its denominator is a power of two (0.1 becomes 3602879701896397/2^55, not 1/10; pass a
 * Rational to mean 1/10). A Rational is reduced by its gcd. Throws {@link CoreInputError}
 * `x` unless finite and ≥ 0 (with den ≥ 1 for a Rational).
 */
export function toRational(x: number | Rational): Rational {
  if (typeof x === 'number') {
    if (!(x >= 0 && x < Infinity)) throw new CoreInputError(`x must be finite and ≥ 0, got ${x}`, 'x');
    let v = x;
    let den = 1n;
    while (!Number.isInteger(v)) {
      v *= 2; // exact: doubling a finite non-integer double never rounds or overflows
      den *= 2n;
    }
    return reduce(BigInt(v), den);
  }
  if (typeof x?.num !== 'bigint' || typeof x?.den !== 'bigint' || x.den < 1n || x.num < 0n) {
    throw new CoreInputError('x must be a Rational with bigint num ≥ 0 and den ≥ 1', 'x');
  }
  return reduce(x.num, x.den);
}

function reduce(num: bigint, den: bigint): Rational {
  let a = num;
  let b = den;
  while (b !== 0n) [a, b] = [b, a % b];
  return a > 1n ? { num: num / a, den: den / a } : { num, den };
}
