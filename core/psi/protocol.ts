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
 * neither learns the other's IDs outside it. H is RFC 9380 encode_to_curve (kernels.mjs) of the
 * salted, canonical ID; a and b are fresh secret scalars of each run. The result is a common row
 * order: the label holder's order of the shared rows.
 */
import { POINT_BYTES } from './kernels.mjs';

/** Domain separation tag of fedcredit's ID hashing (RFC 9380 suite name after "-with-"). */
export const PSI_DST = 'FEDCREDIT-PSI-V01-CS01-with-edwards25519_XMD:SHA-512_ELL2_NU_';

/** The message hashed for an ID: length-prefixed consortium salt, then the canonical ID (UTF-8). */
export function idMessage(salt: string, id: string): Uint8Array {
  const s = Buffer.from(salt, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(s.length);
  return Buffer.concat([head, s, Buffer.from(id, 'utf8')]);
}

/**
 * Step 3 at the label holder: for each of its rows (in order), the position in F's shuffled list
 * that matched, or −1. `doubleL` = b·a·H(x) in L's order, `doubleF` = a·b·H(y) in F's order.
 */
export function matchPositions(doubleL: Uint8Array, doubleF: Uint8Array): Int32Array {
  const m = doubleF.length / POINT_BYTES;
  const index = new Map<string, number>();
  for (let j = 0; j < m; j++) index.set(Buffer.from(doubleF.buffer, doubleF.byteOffset + j * POINT_BYTES, POINT_BYTES).toString('base64'), j);
  const n = doubleL.length / POINT_BYTES;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = index.get(Buffer.from(doubleL.buffer, doubleL.byteOffset + i * POINT_BYTES, POINT_BYTES).toString('base64')) ?? -1;
  return out;
}

/** Reorders 32-byte points by `order` (new position k holds old position order[k]). */
export function permutePoints(points: Uint8Array, order: Uint32Array): Uint8Array {
  const out = new Uint8Array(points.length);
  order.forEach((from, k) => out.set(points.subarray(from * POINT_BYTES, (from + 1) * POINT_BYTES), k * POINT_BYTES));
  return out;
}
