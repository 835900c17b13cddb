// Reducing hash_to_field's 48 bytes to a field element modulo p = 2^255 − 19, in plain
// JavaScript for the PSI worker threads, with 32-bit limbs in ordinary numbers (BigInt
// conversions cost more than the arithmetic).

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
 * Writes OS2IP(`b[0..48)`) mod p (RFC 9380 hash_to_field for curve25519 and edwards25519, one
 * element) as 32 canonical little-endian bytes into the Buffer `out` at `at`. `limbs` is scratch
 * space of 8 numbers.
 */
export function reduce48(b, out, limbs = new Float64Array(8), at = 0) {
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
  for (let k = 0; k < 8; k++) out.writeUInt32LE(r[k], at + 4 * k);
}
