// The arithmetic of ECDH private set intersection, in plain JavaScript so that worker threads
// can load it without a TypeScript loader (types: kernels.d.mts).
//
// An ID becomes a point Q by RFC 9380's suite curve25519_XMD:SHA-512_ELL2_NU_ without its last
// step: hash_to_field (expand_message_xmd with SHA-512, one field element) and the Elligator 2
// map, of which only the Montgomery u-coordinate is kept. "Blinding" is X25519 (RFC 7748) with a
// secret scalar k. X25519 clamps k to a multiple of 8, so X25519(k, u(Q)) = u([k/8]·[8]Q), where
// [8]Q = clear_cofactor(Q) is exactly the suite's encode_to_curve output: blinding the map's point
// with k is blinding the RFC's point with k/8, and every blinded point lies in the prime-order
// subgroup, where X25519 commutes: X25519(a, X25519(b, u)) = X25519(b, X25519(a, u)).
// hash_to_field is in xmd.mjs and field.mjs, the map in elligator.mjs (WebAssembly field
// arithmetic), X25519 in libsodium (sodium-native).
import { createRequire } from 'node:module';
import { Elligator2U } from './elligator.mjs';
import { reduce48 } from './field.mjs';
import { expandMessageXmd, Xmd64 } from './xmd.mjs';

export { expandMessageXmd };

const sodium = createRequire(import.meta.url)('sodium-native');

/** Bytes of a point's u-coordinate, little-endian. */
export const POINT_BYTES = 32;
/** Bytes of hash_to_field output for one curve25519 field element (L = 48). */
const FIELD_BYTES = 48;
/** Field elements mapped per batch (each batch shares one inversion). */
const BATCH = 2048;

/** Canonical 32-byte little-endian encoding of OS2IP(`b[0..48)`) mod 2^255 − 19. */
export function fieldElement(b) {
  const out = Buffer.alloc(32);
  reduce48(Buffer.from(b.buffer, b.byteOffset, FIELD_BYTES), out);
  return out;
}

/** This thread's map (one WebAssembly instance, made on first use). */
let elligator;

/**
 * The u-coordinates (n × 32 bytes) of the map of each message `prefix || rest` under `dst`, for
 * rests given as bytes or as strings (hashed as UTF-8).
 */
function encode(rests, dst, prefix) {
  elligator ??= new Elligator2U(BATCH);
  const n = rests.length;
  const xmd = new Xmd64(dst, FIELD_BYTES, prefix);
  const limbs = new Float64Array(8);
  const points = new Uint8Array(n * POINT_BYTES);
  for (let from = 0; from < n; from += BATCH) {
    const m = Math.min(BATCH, n - from);
    for (let i = 0; i < m; i++) reduce48(xmd.expand(rests[from + i]), elligator.input, limbs, i * 32);
    points.set(elligator.run(m), from * POINT_BYTES);
  }
  return points;
}

/** The u-coordinates (n × 32 bytes) of the Elligator 2 point of each message under `dst`. */
export function encodeToU(messages, dst) {
  return encode(messages, dst);
}

/**
 * The u-coordinates (n × 32 bytes) of the Elligator 2 point of `prefix || UTF-8(id)` for each
 * id: the same as {@link encodeToU} of those messages, without building them.
 */
export function encodeIdsToU(prefix, ids, dst) {
  return encode(ids, dst, prefix);
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
