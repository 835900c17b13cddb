/**
 * Matrix–vector products of secret-shared fixed-point values with a dealt matrix triple
 * (SecureML's vectorised Beaver triples): for X (n × k, row-major) and w (k), the dealer shares
 * A (n × k), B (k) and C = A·B; the parties open E = X − A and F = w − B, and party i sets
 * Z_i = C_i + E·B_i + A_i·F (+ E·F for party 0), so Z₀ + Z₁ = X·w, then truncates its share
 * (ring.ts). In training X stays fixed, so E can be opened once and reused with the same A across
 * iterations, while B, C and F are fresh each time.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { openShares, randomWords, share, subWords, truncateShare } from './ring.ts';

/** One party's share of a matrix triple for an n × k matrix times a k-vector. */
export interface MatrixTripleShare {
  rows: number;
  cols: number;
  a: BigUint64Array;
  b: BigUint64Array;
  c: BigUint64Array;
}

/** (n × k, row-major) · (k) in Z_2^64. */
export function matVecWords(m: BigUint64Array, v: BigUint64Array, rows: number, cols: number): BigUint64Array {
  if (m.length !== rows * cols || v.length !== cols) throw new CoreInputError(`a ${rows} × ${cols} matrix needs ${rows * cols} words and a vector of ${cols}, got ${m.length} and ${v.length}`, 'matVec');
  const out = new BigUint64Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = 0n;
    for (let j = 0; j < cols; j++) acc += m[r * cols + j]! * v[j]!;
    out[r] = acc;
  }
  return out;
}

/** The dealer: a random matrix triple, split into two shares. */
export function dealMatrixTriple(rows: number, cols: number, rng: Rng): [MatrixTripleShare, MatrixTripleShare] {
  const a = randomWords(rows * cols, rng);
  const b = randomWords(cols, rng);
  const c = matVecWords(a, b, rows, cols);
  const [a0, a1] = share(a, rng);
  const [b0, b1] = share(b, rng);
  const [c0, c1] = share(c, rng);
  return [
    { rows, cols, a: a0, b: b0, c: c0 },
    { rows, cols, a: a1, b: b1, c: c1 },
  ];
}

/** A party's share of X·w (truncated to the fixed-point scale) from the opened E and F. */
export function matVecProductShare(e: BigUint64Array, f: BigUint64Array, t: MatrixTripleShare, party: 0 | 1): BigUint64Array {
  const { rows, cols } = t;
  const z = matVecWords(e, t.b, rows, cols);
  const af = matVecWords(t.a, f, rows, cols);
  const ef = party === 0 ? matVecWords(e, f, rows, cols) : undefined;
  for (let r = 0; r < rows; r++) z[r] = t.c[r]! + z[r]! + af[r]! + (ef ? ef[r]! : 0n);
  return truncateShare(z, party);
}

/** X·w for shared X and w, both parties' steps in one call (tests, simulation). */
export function matVecShared(
  x: [BigUint64Array, BigUint64Array],
  w: [BigUint64Array, BigUint64Array],
  rows: number,
  cols: number,
  rng: Rng,
): [BigUint64Array, BigUint64Array] {
  for (const [m, v] of [[x[0], w[0]], [x[1], w[1]]] as const) {
    if (m.length !== rows * cols || v.length !== cols) throw new CoreInputError(`a ${rows} × ${cols} matrix needs ${rows * cols} words and a vector of ${cols}, got ${m.length} and ${v.length}`, 'matVec');
  }
  const [t0, t1] = dealMatrixTriple(rows, cols, rng);
  const e = openShares(subWords(x[0], t0.a), subWords(x[1], t1.a));
  const f = openShares(subWords(w[0], t0.b), subWords(w[1], t1.b));
  return [matVecProductShare(e, f, t0, 0), matVecProductShare(e, f, t1, 1)];
}
