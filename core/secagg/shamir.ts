/**
 * t-of-n Shamir secret sharing (Shamir, "How to Share a Secret", CACM 1979) over GF(2^521 − 1),
 * as Bonawitz et al., CCS 2017 use it: each participant shares its self-mask seed b_u and its
 * masking secret key among its peers so the server can, with any t survivors' help, remove the
 * masks of the survivors (b shares) and of the dropped (s shares).
 *
 * A secret of up to 64 bytes is read as a big-endian integer S < 2^512 < P and becomes the
 * constant term of a random polynomial f of degree t − 1; share i is (x = i, y = f(i)) for
 * i = 1..n. Any t shares determine f(0) = S by Lagrange interpolation; any t − 1 shares are
 * consistent with every possible S (information-theoretic secrecy).
 *
 * Wire form of a share ({@link encodeShare}): x as uint16 big-endian ‖ y as 66 bytes big-endian,
 * 68 bytes in all. Shares carry no integrity protection of their own; they travel inside the
 * authenticated encryption of secretbox.ts.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import {
  FIELD_BYTES,
  SHAMIR_PRIME,
  bigintToBytes,
  bytesToBigint,
  fadd,
  finv,
  fmul,
  fsub,
  randomFieldElement,
} from './field.ts';

/** Largest secret {@link splitSecret} accepts, in bytes (512 bits < 521). */
export const MAX_SECRET_BYTES = 64;
/** Largest number of shares: x-coordinates are encoded as uint16. */
export const MAX_SHARES = 65535;
/** Length of an encoded share: 2 bytes of x and {@link FIELD_BYTES} of y. */
export const SHARE_BYTES = 2 + FIELD_BYTES;

/** One Shamir share: the point (x, f(x)) with x in 1..65535 and y in [0, P). */
export interface Share {
  x: number;
  y: bigint;
}

/**
 * Splits `secret` (1–64 bytes) into `n` shares with threshold `t` (any t reconstruct, fewer
 * reveal nothing). Shares have x = 1..n. The t − 1 non-constant coefficients are uniform in
 * [0, P), drawn from `rng` by rejection sampling.
 * Throws {@link CoreInputError}: `secret` on a bad length, `n` unless 1 ≤ n ≤ 65535, `t` unless
 * an integer with 1 ≤ t ≤ n.
 */
export function splitSecret(secret: Uint8Array, t: number, n: number, rng: Rng): Share[] {
  if (!(secret instanceof Uint8Array) || secret.length < 1 || secret.length > MAX_SECRET_BYTES) {
    throw new CoreInputError(`secret must be 1..${MAX_SECRET_BYTES} bytes`, 'secret');
  }
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARES) {
    throw new CoreInputError(`n must be an integer in [1, ${MAX_SHARES}], got ${n}`, 'n');
  }
  if (!Number.isInteger(t) || t < 1 || t > n) {
    throw new CoreInputError(`t must be an integer with 1 ≤ t ≤ n = ${n}, got ${t}`, 't');
  }
  const coeffs: bigint[] = [bytesToBigint(secret)];
  for (let k = 1; k < t; k++) coeffs.push(randomFieldElement(rng));
  const shares: Share[] = [];
  for (let x = 1; x <= n; x++) {
    // Horner's rule: f(x) = c0 + x(c1 + x(c2 + …)).
    const bx = BigInt(x);
    let y = 0n;
    for (let k = coeffs.length - 1; k >= 0; k--) y = fadd(fmul(y, bx), coeffs[k]!);
    shares.push({ x, y });
  }
  coeffs.fill(0n);
  return shares;
}

/** Lagrange coefficient lists kept for reuse (a server reconstructs many secrets from the same holders). */
const LAGRANGE_CACHE_SIZE = 64;
const lagrangeCache = new Map<string, readonly bigint[]>();

/**
 * The Lagrange basis polynomials of the distinct points `xs` evaluated at 0:
 * L_i(0) = Π_{j≠i} x_j / (x_j − x_i). The t denominators are inverted together (Montgomery's
 * trick: one field inversion and 3(t − 1) multiplications instead of t inversions), and the
 * result is remembered for the last {@link LAGRANGE_CACHE_SIZE} point sets — a deterministic
 * cache of a pure function.
 */
export function lagrangeAtZero(xs: readonly number[]): readonly bigint[] {
  const key = xs.join(',');
  const hit = lagrangeCache.get(key);
  if (hit) return hit;
  const t = xs.length;
  const nums: bigint[] = new Array(t);
  const dens: bigint[] = new Array(t);
  for (let i = 0; i < t; i++) {
    let num = 1n;
    let den = 1n;
    const xi = BigInt(xs[i]!);
    for (let j = 0; j < t; j++) {
      if (j === i) continue;
      const xj = BigInt(xs[j]!);
      num = fmul(num, xj);
      den = fmul(den, fsub(xj, xi));
    }
    nums[i] = num;
    dens[i] = den;
  }
  // prefix[i] = dens[0] · … · dens[i − 1]; one inversion of the whole product, then walk back.
  const prefix: bigint[] = new Array(t);
  let acc = 1n;
  for (let i = 0; i < t; i++) {
    prefix[i] = acc;
    acc = fmul(acc, dens[i]!);
  }
  let inv = finv(acc);
  const out: bigint[] = new Array(t);
  for (let i = t - 1; i >= 0; i--) {
    out[i] = fmul(nums[i]!, fmul(inv, prefix[i]!));
    inv = fmul(inv, dens[i]!);
  }
  if (lagrangeCache.size >= LAGRANGE_CACHE_SIZE) lagrangeCache.delete(lagrangeCache.keys().next().value as string);
  lagrangeCache.set(key, out);
  return out;
}

/**
 * Reconstructs a secret of `length` bytes (big-endian) from the first `t` shares with distinct
 * x (Lagrange interpolation at 0). Repeated identical shares are skipped.
 * Throws {@link CoreInputError}: `t` / `length` when out of range; `shares` when a share is
 * malformed, when two shares give different y for the same x, or when fewer than t distinct
 * shares are present; `shares` also when the interpolated value does not fit in `length` bytes
 * (wrong shares, wrong t or wrong length — reconstruction never silently truncates).
 */
export function combineShares(shares: Share[], t: number, length: number): Uint8Array {
  if (!Number.isInteger(t) || t < 1 || t > MAX_SHARES) {
    throw new CoreInputError(`t must be an integer in [1, ${MAX_SHARES}], got ${t}`, 't');
  }
  if (!Number.isInteger(length) || length < 1 || length > MAX_SECRET_BYTES) {
    throw new CoreInputError(`length must be an integer in [1, ${MAX_SECRET_BYTES}], got ${length}`, 'length');
  }
  const chosen: Share[] = [];
  const seen = new Map<number, bigint>();
  for (const s of shares) {
    if (chosen.length === t) break;
    checkShare(s, 'shares');
    const prev = seen.get(s.x);
    if (prev !== undefined) {
      if (prev !== s.y) throw new CoreInputError(`shares disagree at x = ${s.x}`, 'shares');
      continue;
    }
    seen.set(s.x, s.y);
    chosen.push(s);
  }
  if (chosen.length < t) {
    throw new CoreInputError(`need ${t} shares with distinct x, got ${chosen.length}`, 'shares');
  }
  // chosen.length === t from here on, so every chosen[i] below exists.
  const coefficients = lagrangeAtZero(chosen.map((c) => c.x));
  let secret = 0n;
  for (let i = 0; i < t; i++) secret = fadd(secret, fmul(chosen[i]!.y, coefficients[i]!));
  if (secret >> BigInt(8 * length) !== 0n) {
    throw new CoreInputError(`reconstructed value does not fit in ${length} bytes: shares, t or length are wrong`, 'shares');
  }
  return bigintToBytes(secret, length);
}

/** The 68-byte wire form of a share: x as uint16 big-endian, then y as 66 bytes big-endian. */
export function encodeShare(s: Share): Uint8Array {
  checkShare(s, 's');
  const out = new Uint8Array(SHARE_BYTES);
  out[0] = s.x >>> 8;
  out[1] = s.x & 0xff;
  out.set(bigintToBytes(s.y, FIELD_BYTES), 2);
  return out;
}

/**
 * Parses the wire form written by {@link encodeShare}. Throws {@link CoreInputError} (`b`) unless
 * it is exactly 68 bytes with x ≥ 1 and y < P.
 */
export function decodeShare(b: Uint8Array): Share {
  if (!(b instanceof Uint8Array) || b.length !== SHARE_BYTES) {
    throw new CoreInputError(`an encoded share must be ${SHARE_BYTES} bytes`, 'b');
  }
  const x = (b[0]! << 8) | b[1]!; // both exist: the length is SHARE_BYTES
  const y = bytesToBigint(b.subarray(2));
  if (x < 1) throw new CoreInputError('share x must be at least 1', 'b');
  if (y >= SHAMIR_PRIME) throw new CoreInputError('share y must be below the field prime', 'b');
  return { x, y };
}

function checkShare(s: Share, parameter: string): void {
  if (!Number.isInteger(s?.x) || s.x < 1 || s.x > MAX_SHARES) {
    throw new CoreInputError(`share x must be an integer in [1, ${MAX_SHARES}], got ${s?.x}`, parameter);
  }
  if (typeof s.y !== 'bigint' || s.y < 0n || s.y >= SHAMIR_PRIME) {
    throw new CoreInputError(`share y must be a bigint in [0, P) (x = ${s.x})`, parameter);
  }
}
