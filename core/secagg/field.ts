/**
 * Arithmetic in the prime field GF(P), P = 2^521 − 1 (the Mersenne prime M521), over `bigint`,
 * for Shamir secret sharing (Shamir, "How to Share a Secret", CACM 1979) of the self-mask seeds
 * and masking keys in Bonawitz et al., CCS 2017.
 *
 * P exceeds 2^512, so every secret of up to 64 bytes is a field element as is. Being a Mersenne
 * prime, reduction needs no division: x mod (2^k − 1) = (x & P) + (x >> k), repeated.
 * Random elements are drawn uniformly from an injected {@link Rng} by rejection sampling.
 * BigInt operations are not constant-time; shares are handled by participants on their own
 * machines, and the coordinator only ever sees encrypted shares or reconstructs after the fact.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Bit length of the field prime. */
export const FIELD_BITS = 521;
/** The field prime P = 2^521 − 1 (Mersenne prime M521). */
export const SHAMIR_PRIME = (1n << 521n) - 1n;
/** Bytes needed to hold any field element big-endian: ceil(521 / 8) = 66. */
export const FIELD_BYTES = 66;

const P = SHAMIR_PRIME;
const K = BigInt(FIELD_BITS);

/** The canonical representative of `x` mod P, in [0, P), for any bigint (negatives included). */
export function fmod(x: bigint): bigint {
  let v = x;
  if (v < 0n) {
    v = -v;
    while (v > P) v = (v & P) + (v >> K);
    return v === P || v === 0n ? 0n : P - v;
  }
  while (v > P) v = (v & P) + (v >> K);
  return v === P ? 0n : v;
}

/** (a + b) mod P for a, b in [0, P). */
export function fadd(a: bigint, b: bigint): bigint {
  const s = a + b;
  return s >= P ? s - P : s;
}

/** (a − b) mod P for a, b in [0, P). */
export function fsub(a: bigint, b: bigint): bigint {
  const d = a - b;
  return d < 0n ? d + P : d;
}

/** (a · b) mod P for a, b in [0, P). */
export function fmul(a: bigint, b: bigint): bigint {
  return fmod(a * b);
}

/**
 * The multiplicative inverse of `a` mod P (extended Euclid). Throws {@link CoreInputError}
 * (`a`) when a ≡ 0, which has no inverse.
 */
export function finv(a: bigint): bigint {
  let r0 = fmod(a);
  if (r0 === 0n) throw new CoreInputError('0 has no inverse in the field', 'a');
  let r1 = P;
  let s0 = 1n;
  let s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return fmod(s0);
}

/**
 * A uniform field element in [0, P): draws 66 bytes from `rng`, keeps the low 521 bits and
 * rejects the single out-of-range value P (probability 2^−521), so the result is exactly uniform.
 * Throws {@link CoreInputError} (`rng`) if the generator returns the wrong number of bytes.
 */
export function randomFieldElement(rng: Rng): bigint {
  for (;;) {
    const bytes = rng(FIELD_BYTES);
    if (!(bytes instanceof Uint8Array) || bytes.length !== FIELD_BYTES) {
      throw new CoreInputError(`rng(${FIELD_BYTES}) must return ${FIELD_BYTES} bytes`, 'rng');
    }
    const v = bytesToBigint(bytes) & P;
    if (v < P) return v;
  }
}

/** The unsigned big-endian integer encoded by `bytes` (empty → 0n). */
export function bytesToBigint(bytes: Uint8Array): bigint {
  // Through hex text: one string and one BigInt, where a byte-at-a-time shift would allocate a
  // growing BigInt per byte (about 200 temporaries for a 66-byte field element).
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
}

/**
 * `value` as exactly `length` big-endian bytes. Throws {@link CoreInputError} (`value`) when it
 * is negative or needs more than `length` bytes, and (`length`) unless a non-negative integer.
 */
export function bigintToBytes(value: bigint, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) {
    throw new CoreInputError(`length must be a non-negative integer, got ${length}`, 'length');
  }
  if (value < 0n) throw new CoreInputError('value must be non-negative', 'value');
  const hex = value.toString(16);
  // 0n is "0": one digit, no bytes needed.
  if (value !== 0n && hex.length > 2 * length) throw new CoreInputError(`value does not fit in ${length} bytes`, 'value');
  const out = new Uint8Array(length);
  if (value !== 0n) out.set(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'), length - Math.ceil(hex.length / 2));
  return out;
}
