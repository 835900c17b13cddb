/**
 * Two-party ECDH private set intersection (Meadows 1986; Huberman, Franklin & Hogg 1999) between
 * the label holder L and a feature party F, semi-honest:
 *
 *  1. L sends a·H(x) for its IDs x, in its row order;
 *  2. F sends b·(a·H(x)) in L's order, and b·H(y) for its IDs y in an order it shuffled;
 *  3. L computes a·(b·H(y)), matches it against b·a·H(x), and tells F, in L's row order, the
 *     shuffled positions that matched.
 *
 * Both learn the intersection (which of their own rows are shared) and the other's set size;
 * neither learns the other's IDs outside it. H is RFC 9380's hash to curve25519 (kernels.mjs) of
 * the salted, canonical ID; a and b are fresh secret scalars of each run. The result is a common
 * row order: the label holder's order of the shared rows.
 */
import { POINT_BYTES } from './kernels.mjs';

/** Domain separation tag of fedcredit's ID hashing (RFC 9380 suite name after "-with-"). */
export const PSI_DST = 'FEDCREDIT-PSI-V02-CS01-with-curve25519_XMD:SHA-512_ELL2_NU_';

/** The part of every ID's hashed message before the ID: the consortium salt (UTF-8), length-prefixed. */
export function idPrefix(salt: string): Uint8Array {
  const s = Buffer.from(salt, 'utf8');
  const out = new Uint8Array(4 + s.length);
  new DataView(out.buffer).setUint32(0, s.length);
  out.set(s, 4);
  return out;
}

/** The message hashed for an ID: {@link idPrefix} of the salt, then the canonical ID (UTF-8). */
export function idMessage(salt: string, id: string): Uint8Array {
  return Buffer.concat([idPrefix(salt), Buffer.from(id, 'utf8')]);
}

/** Whether the 32-byte points at word offsets `i` and `j` (8 words each) are equal. */
function samePoint(x: Uint32Array, i: number, y: Uint32Array, j: number): boolean {
  for (let k = 0; k < 8; k++) if (x[i + k] !== y[j + k]) return false;
  return true;
}

/** 32-bit words of `points` (copied when not 4-byte aligned). */
function words(points: Uint8Array): Uint32Array {
  const p = points.byteOffset % 4 === 0 ? points : points.slice();
  return new Uint32Array(p.buffer, p.byteOffset, p.length / 4);
}

/**
 * Step 3 at the label holder: for each of its rows (in order), the position in F's shuffled list
 * that matched, or −1. `doubleL` = b·a·H(x) in L's order, `doubleF` = a·b·H(y) in F's order.
 * An open-addressing table keyed by each point's first 32 bits (uniform, as the points are)
 * indexes F's points; a hit is confirmed on all 32 bytes.
 */
export function matchPositions(doubleL: Uint8Array, doubleF: Uint8Array): Int32Array {
  const m = doubleF.length / POINT_BYTES;
  const n = doubleL.length / POINT_BYTES;
  const f = words(doubleF);
  const l = words(doubleL);
  let size = 16;
  while (size < 2 * m) size *= 2;
  const mask = size - 1;
  // Slot value: 1 + position in F's list, 0 when empty.
  const table = new Int32Array(size);
  for (let j = 0; j < m; j++) {
    let s = f[8 * j]! & mask;
    while (table[s] !== 0) s = (s + 1) & mask;
    table[s] = j + 1;
  }
  const out = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let s = l[8 * i]! & mask; table[s] !== 0; s = (s + 1) & mask) {
      const j = table[s]! - 1;
      if (samePoint(l, 8 * i, f, 8 * j)) {
        out[i] = j;
        break;
      }
    }
  }
  return out;
}

/** Reorders 32-byte points by `order` (new position k holds old position order[k]). */
export function permutePoints(points: Uint8Array, order: Uint32Array): Uint8Array {
  const out = new Uint8Array(points.length);
  order.forEach((from, k) => out.set(points.subarray(from * POINT_BYTES, (from + 1) * POINT_BYTES), k * POINT_BYTES));
  return out;
}
