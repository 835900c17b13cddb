// RFC 9380's Elligator 2 map to curve25519 (map_to_curve_elligator2_curve25519, §6.7.1 with
// J = 486662, K = 1, Z = 2), keeping only the Montgomery u-coordinate of the point, for many field
// elements at a time on the WebAssembly field arithmetic of fe25519-wasm.mjs.
//
// For a field element r: tv1 = 2r², xd = 1 + tv1 (never 0, as −1/2 is not a square mod p), and
// x1 = −J/xd. If g(x1) = x1³ + J·x1² + x1 is a square (zero counts as one), u = x1; otherwise
// u = x2 = −x1 − J = tv1·x1. Whether g(x1) is a square is the Legendre symbol of
// g(x1)·xd⁴ = J·(J²·tv1 − xd²)·xd, one exponentiation without any inversion; the divisions by
// xd of a whole batch share one inversion (Montgomery's trick). The y-coordinate, and so its
// sign, is never needed: X25519 reads only u.

import { instantiateFe25519 } from './fe25519-wasm.mjs';

const FE = 80;
const J = 486662n;
const P = 2n ** 255n - 19n;
/** Bytes of one input field element or output u-coordinate. */
const BYTES = 32;

// Fixed slots: constants, then scratch registers, then one 32-byte output of tobytes.
const ONE = 0, JJ = FE, J2 = 2 * FE, NEG_J = 3 * FE;
const [T0, T1, T2, T3, T4, Z2, Z9, Z11, Z5, Z10, Z20, Z50, Z100, W, INV, U] = Array.from({ length: 16 }, (_, i) => (4 + i) * FE);
const TB = 20 * FE;
/** The rest of the addition chain to z^(2^250 − 1): [into, from, squarings, times]. */
const CHAIN = [[Z10, Z5, 5, Z5], [Z20, Z10, 10, Z10], [W, Z20, 20, Z20], [Z50, W, 10, Z10], [Z100, Z50, 50, Z50], [W, Z100, 100, Z100], [W, W, 50, Z50]];
const BASE = TB + BYTES;
/** Per element: input bytes, output bytes, and three field elements (xd, numerator, running product). */
const PER_ELEMENT = 2 * BYTES + 3 * FE;

function le32(v) {
  const out = new Uint8Array(BYTES);
  for (let i = 0; i < BYTES; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Elligator 2 to curve25519 u-coordinates, for batches of up to `capacity` field elements. */
export class Elligator2U {
  constructor(capacity = 4096) {
    this.capacity = capacity;
    this.fe = instantiateFe25519(Math.ceil((BASE + capacity * PER_ELEMENT) / 65536));
    this.bytes = new Uint8Array(this.fe.memory.buffer);
    this.inputs = Buffer.from(this.fe.memory.buffer, BASE, capacity * BYTES);
    this.out = BASE + capacity * BYTES;
    this.xd = this.out + capacity * BYTES;
    this.num = this.xd + capacity * FE;
    this.pre = this.num + capacity * FE;
    for (const [slot, v] of [[ONE, 1n], [JJ, J], [J2, J * J], [NEG_J, P - J]]) {
      this.bytes.set(le32(v), TB);
      this.fe.frombytes(slot, TB);
    }
  }

  /**
   * Where field element i of the next batch goes: 32 little-endian bytes, canonical (below p),
   * at byte `32·i` of this buffer.
   */
  get input() {
    return this.inputs;
  }

  /** z^(2^250 − 1) into W, leaving z^11 in Z11 (the common start of both exponentiations). */
  pow2p250m1(z) {
    const f = this.fe;
    f.sq(Z2, z);
    f.sqn(W, Z2, 2);
    f.mul(Z9, W, z);
    f.mul(Z11, Z9, Z2);
    f.sq(W, Z11);
    f.mul(Z5, W, Z9); // z^(2^5 − 1)
    // into = from^(2^n) · by: exponents 2^10 − 1, 2^20 − 1, 2^40 − 1, 2^50 − 1, 2^100 − 1,
    // 2^200 − 1 and 2^250 − 1.
    for (const [into, from, n, by] of CHAIN) {
      f.sqn(W, from, n);
      f.mul(into, W, by);
    }
  }

  /** Whether z is a non-zero non-square: z^((p − 1)/2) = z^(2^254 − 10) is then p − 1. */
  isNonSquare(z) {
    const f = this.fe;
    this.pow2p250m1(z);
    f.sqn(W, W, 4); // 2^254 − 16
    f.mul(T4, Z2, z);
    f.sq(T4, T4); // z^6
    f.mul(T4, W, T4);
    f.tobytes(TB, T4);
    // 1 and 0 begin with byte 0x01 or 0x00, p − 1 = 2^255 − 20 with 0xec.
    return this.bytes[TB] === 0xec;
  }

  /** z^(p − 2) = z^(2^255 − 21), the inverse of z, into `o`. */
  invert(o, z) {
    this.pow2p250m1(z);
    this.fe.sqn(W, W, 5);
    this.fe.mul(o, W, Z11);
  }

  /**
   * Maps the first `n` field elements of {@link input} and returns their u-coordinates
   * (n × 32 bytes, canonical little-endian).
   */
  run(n) {
    if (n > this.capacity) throw new RangeError(`batch of ${n} field elements exceeds capacity ${this.capacity}`);
    const f = this.fe;
    const { xd, num, pre } = this;
    for (let i = 0; i < n; i++) {
      const xdi = xd + i * FE;
      f.frombytes(T0, BASE + i * BYTES);
      f.sq(T1, T0);
      f.add(T1, T1, T1); // tv1 = 2r²
      f.add(xdi, ONE, T1);
      f.sq(T2, xdi);
      f.mul(T3, J2, T1);
      f.sub(T3, T3, T2);
      f.mul(T3, T3, JJ);
      f.mul(T3, T3, xdi);
      if (this.isNonSquare(T3)) f.mul(num + i * FE, NEG_J, T1);
      else this.bytes.copyWithin(num + i * FE, NEG_J, NEG_J + FE);
      if (i === 0) this.bytes.copyWithin(pre, xdi, xdi + FE);
      else f.mul(pre + i * FE, pre + (i - 1) * FE, xdi);
    }
    if (n === 0) return new Uint8Array(0);
    // INV = 1 / (xd_0 ⋯ xd_i) walking back from i = n − 1; times xd_0 ⋯ xd_(i−1) it is 1 / xd_i.
    this.invert(INV, pre + (n - 1) * FE);
    for (let i = n - 1; i >= 0; i--) {
      if (i > 0) {
        f.mul(U, INV, pre + (i - 1) * FE);
        f.mul(U, U, num + i * FE);
        f.mul(INV, INV, xd + i * FE);
      } else {
        f.mul(U, INV, num);
      }
      f.tobytes(this.out + i * BYTES, U);
    }
    return this.bytes.slice(this.out, this.out + n * BYTES);
  }
}
