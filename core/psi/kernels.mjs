// The arithmetic of ECDH private set intersection, in plain JavaScript so that worker threads
// can load it without a TypeScript loader (types: kernels.d.mts).
//
// An ID becomes a point by RFC 9380 encode_to_curve with the suite
// edwards25519_XMD:SHA-512_ELL2_NU_ (expand_message_xmd with SHA-512, one field element, the
// Elligator 2 map, cofactor cleared), of which only the Montgomery u-coordinate
// u = (1 + y) / (1 − y) is kept; "blinding" is X25519 (RFC 7748) with a secret scalar. For points
// of the prime-order subgroup X25519 commutes: X25519(a, X25519(b, u)) = X25519(b, X25519(a, u)).
// The Elligator 2 map with cofactor clearing and X25519 run in libsodium (sodium-native); the
// hashing to a field element and the conversion to u are in xmd.mjs and field.mjs.
import { createRequire } from 'node:module';
import { edwardsToMontgomeryU, reduce48 } from './field.mjs';
import { expandMessageXmd, Xmd64 } from './xmd.mjs';

export { expandMessageXmd };

const sodium = createRequire(import.meta.url)('sodium-native');

/** Bytes of a point's u-coordinate, little-endian. */
export const POINT_BYTES = 32;
/** Bytes of hash_to_field output for one edwards25519 field element (L = 48). */
const FIELD_BYTES = 48;

/** Canonical 32-byte little-endian encoding of OS2IP(`b[0..48)`) mod 2^255 − 19. */
export function fieldElement(b) {
  const out = Buffer.alloc(32);
  reduce48(Buffer.from(b.buffer, b.byteOffset, FIELD_BYTES), out);
  return out;
}

/**
 * The u-coordinates (n × 32 bytes) of encode_to_curve of each message `prefix || rest` under
 * `dst`, for rests given as bytes or as strings (hashed as UTF-8).
 */
function encode(rests, dst, prefix) {
  const n = rests.length;
  const xmd = new Xmd64(dst, FIELD_BYTES, prefix);
  const fe = Buffer.alloc(32);
  const limbs = new Float64Array(8);
  const points = Buffer.alloc(n * POINT_BYTES);
  for (let i = 0; i < n; i++) {
    reduce48(xmd.expand(rests[i]), fe, limbs);
    // map_to_curve (Elligator 2) and clear_cofactor, giving the compressed Edwards point.
    sodium.crypto_core_ed25519_from_uniform(points.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES), fe);
  }
  edwardsToMontgomeryU(points);
  return new Uint8Array(points.buffer, points.byteOffset, points.length);
}

/** The u-coordinates (n × 32 bytes) of encode_to_curve of each message under `dst`. */
export function encodeToU(messages, dst) {
  return encode(messages, dst);
}

/**
 * The u-coordinates (n × 32 bytes) of encode_to_curve of `prefix || UTF-8(id)` for each id: the
 * same as {@link encodeToU} of those messages, without building them.
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
