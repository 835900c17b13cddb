/**
 * Xᵀ·v where party "a" holds the matrix X (rows × k, row-major, fixed point) in clear and party
 * "b" holds the vector v (rows, a share of some secret vector), with the result going to a, and
 * neither learning the other's input: a two-party product with correlated randomness from a
 * dealer (Beaver's trick for a matrix–vector product, as in SecureML, Mohassel & Zhang 2017).
 *
 * The dealer draws A (rows × k) and c_a (k) from a seed it gives a, and β (rows) from a seed it
 * gives b, with c_b = Aᵀ·β − c_a given to b in clear. Then:
 *
 *   a → b:  E = X − A             (uniformly random to b: A is a fresh one-time pad)
 *   b → a:  f = v − β,  t = Eᵀ·v + c_b   (f is padded by β; t by c_b, uniform since c_a is)
 *   a:      Xᵀ·v = t + Aᵀ·f + c_a
 *
 * since t + Aᵀf + c_a = Eᵀv + Aᵀv − Aᵀβ + (c_a + c_b) = (E + A)ᵀ·v. Everything is in Z_2^64,
 * so the result is exact; a value at scale 2^(2f) decodes with {@link decodeProduct}. The
 * dealer must not see E or f: they travel sealed between a and b.
 */
import { chacha20Keystream } from '../secagg/prg.ts';
import { CoreInputError } from '../types.ts';

/** Bytes of a dealer seed. */
export const SEED_BYTES = 32;
const NONCE_A = new Uint8Array(12);
const NONCE_B = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function words(key: Uint8Array, nonce: Uint8Array, n: number): BigUint64Array {
  if (key.length !== SEED_BYTES) throw new CoreInputError(`a dealer seed has ${SEED_BYTES} bytes, got ${key.length}`, 'seed');
  const bytes = chacha20Keystream(key, nonce, 0, 8 * n);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}

/** What a's seed expands to: the pad A (rows × k) and c_a (k). */
export function expandSeedA(seed: Uint8Array, rows: number, k: number): { a: BigUint64Array; ca: BigUint64Array } {
  const all = words(seed, NONCE_A, rows * k + k);
  return { a: all.subarray(0, rows * k), ca: all.subarray(rows * k) };
}

/** What b's seed expands to: the pad β (rows). */
export function expandSeedB(seed: Uint8Array, rows: number): BigUint64Array {
  return words(seed, NONCE_B, rows);
}

/** Mᵀ·v for M (rows × k, row-major) in Z_2^64. */
export function transposeTimes(m: BigUint64Array, v: BigUint64Array, rows: number, k: number): BigUint64Array {
  if (m.length !== rows * k || v.length !== rows) throw new CoreInputError(`a ${rows} × ${k} matrix needs ${rows * k} words and a vector of ${rows}, got ${m.length} and ${v.length}`, 'transposeTimes');
  const out = new BigUint64Array(k);
  for (let r = 0; r < rows; r++) {
    const x = v[r]!;
    if (x === 0n) continue;
    const base = r * k;
    for (let j = 0; j < k; j++) out[j] = out[j]! + m[base + j]! * x;
  }
  return out;
}

/** The dealer's word for b: c_b = Aᵀ·β − c_a, from both seeds. */
export function dealerCorrection(seedA: Uint8Array, seedB: Uint8Array, rows: number, k: number): BigUint64Array {
  const { a, ca } = expandSeedA(seedA, rows, k);
  const atb = transposeTimes(a, expandSeedB(seedB, rows), rows, k);
  for (let j = 0; j < k; j++) atb[j] = atb[j]! - ca[j]!;
  return atb;
}

/** a's first message: E = X − A. */
export function padMatrix(x: BigUint64Array, seedA: Uint8Array, rows: number, k: number): BigUint64Array {
  if (x.length !== rows * k) throw new CoreInputError(`X must have ${rows} × ${k} = ${rows * k} words, got ${x.length}`, 'x');
  const { a } = expandSeedA(seedA, rows, k);
  const e = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) e[i] = x[i]! - a[i]!;
  return e;
}

/** b's answer to E: f = v − β and t = Eᵀ·v + c_b. */
export function answerPadded(e: BigUint64Array, v: BigUint64Array, seedB: Uint8Array, cb: BigUint64Array, rows: number, k: number): { f: BigUint64Array; t: BigUint64Array } {
  if (cb.length !== k) throw new CoreInputError(`c_b must have ${k} words, got ${cb.length}`, 'cb');
  const beta = expandSeedB(seedB, rows);
  const f = new BigUint64Array(rows);
  for (let r = 0; r < rows; r++) f[r] = v[r]! - beta[r]!;
  const t = transposeTimes(e, v, rows, k);
  for (let j = 0; j < k; j++) t[j] = t[j]! + cb[j]!;
  return { f, t };
}

/** a's result: Xᵀ·v = t + Aᵀ·f + c_a. */
export function finishProduct(f: BigUint64Array, t: BigUint64Array, seedA: Uint8Array, rows: number, k: number): BigUint64Array {
  if (f.length !== rows || t.length !== k) throw new CoreInputError(`expected f of ${rows} and t of ${k} words, got ${f.length} and ${t.length}`, 'answer');
  const { a, ca } = expandSeedA(seedA, rows, k);
  const out = transposeTimes(a, f, rows, k);
  for (let j = 0; j < k; j++) out[j] = out[j]! + t[j]! + ca[j]!;
  return out;
}

/** A product of two fixed-point values (scale 2^(2f)) as numbers. */
export function decodeProduct(words: BigUint64Array, fracBits: number): Float64Array {
  const scale = 2 ** (2 * fracBits);
  const out = new Float64Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = Number(BigInt.asIntN(64, words[i]!)) / scale;
  return out;
}
