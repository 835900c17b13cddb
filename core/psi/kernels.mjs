// The arithmetic of ECDH private set intersection, in plain JavaScript so that worker threads
// can load it without a TypeScript loader (types: kernels.d.mts).
//
// An ID becomes a point by RFC 9380 encode_to_curve with the suite
// edwards25519_XMD:SHA-512_ELL2_NU_ (expand_message_xmd with SHA-512, one field element, the
// Elligator 2 map, cofactor cleared), of which only the Montgomery u-coordinate
// u = (1 + y) / (1 − y) is kept; "blinding" is X25519 (RFC 7748) with a secret scalar. For points
// of the prime-order subgroup X25519 commutes: X25519(a, X25519(b, u)) = X25519(b, X25519(a, u)).
// The Elligator 2 map and X25519 run in libsodium (sodium-native).
import { createHash } from 'node:crypto';
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
  const b0 = createHash('sha512').update(Buffer.alloc(128)).update(msg).update(Buffer.from([len >> 8, len & 255, 0])).update(dstPrime).digest();
  const blocks = [];
  let prev = createHash('sha512').update(b0).update(Buffer.from([1])).update(dstPrime).digest();
  blocks.push(prev);
  for (let i = 2; i <= ell; i++) {
    const x = Buffer.alloc(64);
    for (let j = 0; j < 64; j++) x[j] = b0[j] ^ prev[j];
    prev = createHash('sha512').update(x).update(Buffer.from([i])).update(dstPrime).digest();
    blocks.push(prev);
  }
  return Buffer.concat(blocks).subarray(0, len);
}

function leBytesToBigInt(b, off) {
  let hex = '';
  for (let i = off + 31; i >= off; i--) hex += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return BigInt(`0x${hex}`);
}

function bigIntToLe(n, out, off) {
  const hex = n.toString(16).padStart(64, '0');
  for (let i = 0; i < 32; i++) out[off + i] = Number.parseInt(hex.slice(62 - 2 * i, 64 - 2 * i), 16);
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
    const u0 = BigInt(`0x${expandMessageXmd(messages[i], dst, 48).toString('hex')}`) % P;
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
