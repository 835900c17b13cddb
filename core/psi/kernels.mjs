// The arithmetic of ECDH private set intersection, in plain JavaScript so that worker threads
// can load it without a TypeScript loader (types: kernels.d.mts).
//
// An ID becomes a point by RFC 9380 encode_to_curve with the suite
// edwards25519_XMD:SHA-512_ELL2_NU_ (expand_message_xmd with SHA-512, one field element, the
// Elligator 2 map, cofactor cleared), of which only the Montgomery u-coordinate
// u = (1 + y) / (1 − y) is kept; "blinding" is X25519 (RFC 7748) with a secret scalar. For points
// of the prime-order subgroup X25519 commutes: X25519(a, X25519(b, u)) = X25519(b, X25519(a, u)).
// The Elligator 2 map and X25519 run in libsodium (sodium-native).
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';

const sodium = createRequire(import.meta.url)('sodium-native');

const P = 2n ** 255n - 19n;
/** Bytes of a point's u-coordinate, little-endian. */
export const POINT_BYTES = 32;

/** expand_message_xmd (RFC 9380 §5.3.1) with SHA-512 (b = 64, s = 128 bytes). */
export function expandMessageXmd(msg, dst, len) {
  if (dst.length > 255) throw new RangeError('DST longer than 255 bytes');
  const ell = Math.ceil(len / 64);
  if (ell > 255 || len > 65535) throw new RangeError('requested length too large');
  const dstPrime = Buffer.concat([dst, Buffer.from([dst.length])]);
  // b_0 = H(Z_pad || msg || I2OSP(len, 2) || I2OSP(0, 1) || DST_prime), in one buffer.
  const first = Buffer.alloc(128 + msg.length + 3 + dstPrime.length);
  first.set(msg, 128);
  first[128 + msg.length] = len >> 8;
  first[129 + msg.length] = len & 255;
  first.set(dstPrime, 131 + msg.length);
  const b0 = hash('sha512', first, 'buffer');
  const block = Buffer.alloc(64 + 1 + dstPrime.length);
  block.set(dstPrime, 65);
  const out = Buffer.alloc(ell * 64);
  let prev = b0;
  for (let i = 1; i <= ell; i++) {
    // b_1 = H(b_0 || 1 || DST'), b_i = H((b_0 XOR b_(i-1)) || i || DST').
    for (let j = 0; j < 64; j++) block[j] = i === 1 ? b0[j] : b0[j] ^ prev[j];
    block[64] = i;
    prev = hash('sha512', block, 'buffer');
    out.set(prev, (i - 1) * 64);
  }
  return out.subarray(0, len);
}

const M64 = (1n << 64n) - 1n;

/** The 32 bytes at `off` as a little-endian integer. */
function leBytesToBigInt(b, off) {
  const v = new DataView(b.buffer, b.byteOffset + off, 32);
  return v.getBigUint64(0, true) | (v.getBigUint64(8, true) << 64n) | (v.getBigUint64(16, true) << 128n) | (v.getBigUint64(24, true) << 192n);
}

/** The 48 bytes at `off` as a big-endian integer (RFC 9380 OS2IP). */
function beBytes48ToBigInt(b) {
  const v = new DataView(b.buffer, b.byteOffset, 48);
  let n = 0n;
  for (let i = 0; i < 48; i += 8) n = (n << 64n) | v.getBigUint64(i, false);
  return n;
}

/** Writes `n` (< 2^256) as 32 little-endian bytes at `off`. */
function bigIntToLe(n, out, off) {
  const v = new DataView(out.buffer, out.byteOffset + off, 32);
  v.setBigUint64(0, n & M64, true);
  v.setBigUint64(8, (n >> 64n) & M64, true);
  v.setBigUint64(16, (n >> 128n) & M64, true);
  v.setBigUint64(24, n >> 192n, true);
}

function modPow(b, e) {
  let r = 1n;
  let x = b % P;
  while (e > 0n) {
    if (e & 1n) r = (r * x) % P;
    x = (x * x) % P;
    e >>= 1n;
  }
  return r;
}

/**
 * The u-coordinates (n × 32 bytes) of encode_to_curve of each message under `dst`. Edwards
 * points are converted with one shared inversion (Montgomery's trick).
 */
export function encodeToU(messages, dst) {
  const n = messages.length;
  const out = new Uint8Array(n * POINT_BYTES);
  const fe = Buffer.alloc(32);
  const ed = Buffer.alloc(32);
  const ys = new Array(n);
  for (let i = 0; i < n; i++) {
    const u0 = beBytes48ToBigInt(expandMessageXmd(messages[i], dst, 48)) % P;
    bigIntToLe(u0, fe, 0);
    sodium.crypto_core_ed25519_from_uniform(ed, fe);
    ys[i] = leBytesToBigInt(ed, 0) & ((1n << 255n) - 1n);
  }
  // u = (1 + y) / (1 − y): invert every (1 − y) at the cost of one exponentiation.
  const prefix = new Array(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    const d = (1n - ys[i] + P) % P;
    if (d === 0n) throw new RangeError(`message ${i} encodes to the identity point`);
    prefix[i] = acc;
    acc = (acc * d) % P;
  }
  let inv = modPow(acc, P - 2n);
  for (let i = n - 1; i >= 0; i--) {
    const d = (1n - ys[i] + P) % P;
    const dInv = (inv * prefix[i]) % P;
    inv = (inv * d) % P;
    bigIntToLe(((1n + ys[i]) * dInv) % P, out, i * POINT_BYTES);
  }
  return out;
}

/** X25519 of every 32-byte u-coordinate in `points` with `scalar` (32 bytes). */
export function blindPoints(points, scalar) {
  if (points.length % POINT_BYTES !== 0) throw new RangeError(`points has ${points.length} bytes, not a multiple of ${POINT_BYTES}`);
  const out = new Uint8Array(points.length);
  for (let off = 0; off < points.length; off += POINT_BYTES) {
    sodium.crypto_scalarmult(out.subarray(off, off + POINT_BYTES), scalar, points.subarray(off, off + POINT_BYTES));
  }
  return out;
}
