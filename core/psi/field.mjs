// Arithmetic modulo p = 2^255 − 19 that hashing to the curve needs outside libsodium, in plain
// JavaScript for the PSI worker threads: reducing hash_to_field's 48 bytes to a field element
// (with 32-bit limbs in ordinary numbers, as BigInt conversions cost more than the arithmetic),
// and turning Edwards y-coordinates into Montgomery u-coordinates with one shared inversion.

const P = 2n ** 255n - 19n;
const TWO32 = 2 ** 32;

/** Adds `x` (a small non-negative integer) to limb 0 of `r` and propagates the carry; returns the carry out of limb 7. */
function addSmall(r, x) {
  let carry = x;
  for (let k = 0; k < 8 && carry !== 0; k++) {
    const s = r[k] + carry;
    r[k] = s % TWO32;
    carry = Math.floor(s / TWO32);
  }
  return carry;
}

/**
 * Writes OS2IP(`b[0..48)`) mod p (RFC 9380 hash_to_field for edwards25519, one element) as 32
 * canonical little-endian bytes into `out`. `limbs` is scratch space of 8 numbers.
 */
export function reduce48(b, out, limbs = new Float64Array(8)) {
  const r = limbs;
  // Limb k (32 bits, least significant first) of the 384-bit big-endian value sits at bytes
  // [44 − 4k, 48 − 4k). With 2^256 ≡ 38 (mod p), limbs 8..11 fold onto limbs 0..3.
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    let s = b.readUInt32BE(44 - 4 * k) + carry;
    if (k < 4) s += 38 * b.readUInt32BE(12 - 4 * k);
    r[k] = s % TWO32;
    carry = Math.floor(s / TWO32);
  }
  // What overflows 2^256 folds back as 38 per unit, until nothing does.
  while (carry !== 0) carry = addSmall(r, 38 * carry);
  // Bit 255 folds back as 19 (2^255 ≡ 19), twice at most; then at most one subtraction of p.
  for (let round = 0; round < 2; round++) {
    const top = r[7] >= 2 ** 31 ? 1 : 0;
    r[7] -= top * 2 ** 31;
    addSmall(r, 19 * top);
  }
  let atLeastP = r[7] === 2 ** 31 - 1 && r[0] >= TWO32 - 19;
  for (let k = 1; k < 7 && atLeastP; k++) atLeastP = r[k] === TWO32 - 1;
  if (atLeastP) {
    r[0] -= TWO32 - 19;
    for (let k = 1; k < 8; k++) r[k] = 0;
  }
  for (let k = 0; k < 8; k++) out.writeUInt32LE(r[k], 4 * k);
}

const M64 = (1n << 64n) - 1n;
const Y_MASK = (1n << 255n) - 1n;

/** The 32 bytes at `off` as a little-endian integer. */
function leToBigInt(b, off) {
  return b.readBigUInt64LE(off) | (b.readBigUInt64LE(off + 8) << 64n) | (b.readBigUInt64LE(off + 16) << 128n) | (b.readBigUInt64LE(off + 24) << 192n);
}

/** Writes `n` (< 2^256) as 32 little-endian bytes at `off`. */
function bigIntToLe(n, out, off) {
  out.writeBigUInt64LE(n & M64, off);
  out.writeBigUInt64LE((n >> 64n) & M64, off + 8);
  out.writeBigUInt64LE((n >> 128n) & M64, off + 16);
  out.writeBigUInt64LE(n >> 192n, off + 24);
}

/** x^(p − 2) mod p, the inverse of x. */
function invert(x) {
  let r = 1n;
  let b = x % P;
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
  }
  return r;
}

/**
 * Replaces each 32-byte compressed Edwards point in `points` (Buffer, n × 32 bytes, canonical
 * y as libsodium writes it) by the Montgomery u-coordinate u = (1 + y) / (1 − y) of the same
 * point, inverting every (1 − y) at the cost of one exponentiation and three multiplications each
 * (Montgomery's trick). Throws on the identity (y = 1), which has no u-coordinate.
 */
export function edwardsToMontgomeryU(points) {
  const n = points.length / 32;
  const ys = new Array(n);
  const prefix = new Array(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    // The top bit of the encoding is the sign of x, not part of y.
    const y = leToBigInt(points, 32 * i) & Y_MASK;
    if (y === 1n) throw new RangeError(`point ${i} is the identity`);
    ys[i] = y;
    prefix[i] = acc;
    acc = (acc * (P + 1n - y)) % P;
  }
  // inv = 1 / (product of all (1 − y)); walking back, inv · prefix_i = 1 / (1 − y_i).
  let inv = invert(acc);
  for (let i = n - 1; i >= 0; i--) {
    const y = ys[i];
    bigIntToLe(((((1n + y) * inv) % P) * prefix[i]) % P, points, 32 * i);
    inv = (inv * (P + 1n - y)) % P;
  }
}
