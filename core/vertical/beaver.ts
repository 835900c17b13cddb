/**
 * Multiplication of secret-shared fixed-point vectors with Beaver triples (Beaver, CRYPTO 1991)
 * dealt by a third party — in vertical training the coordinator, which must not collude with
 * either party. For x·y with x = x₀ + x₁ and y = y₀ + y₁ and a triple a, b, c = a·b shared the
 * same way, the parties open e = x − a and f = y − b (uniformly random, since a and b are) and
 * party i sets z_i = c_i + e·b_i + f·a_i (+ e·f for party 0), so z₀ + z₁ = x·y; each then
 * truncates its share back to the fixed-point scale (ring.ts).
 *
 * The dealer's, each party's and the opening steps are separate functions, so each runs where it
 * belongs; {@link multiplyShared} chains them in one place for tests.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { openShares, randomWords, share, subWords, truncateShare } from './ring.ts';

/** One party's share of a triple for n element-wise products. */
export interface TripleShare {
  a: BigUint64Array;
  b: BigUint64Array;
  c: BigUint64Array;
}

/** The dealer: n random triples (a, b, a·b), each split into two shares. */
export function dealTriples(n: number, rng: Rng): [TripleShare, TripleShare] {
  const a = randomWords(n, rng);
  const b = randomWords(n, rng);
  const c = new BigUint64Array(n);
  for (let i = 0; i < n; i++) c[i] = a[i]! * b[i]!;
  const [a0, a1] = share(a, rng);
  const [b0, b1] = share(b, rng);
  const [c0, c1] = share(c, rng);
  return [
    { a: a0, b: b0, c: c0 },
    { a: a1, b: b1, c: c1 },
  ];
}

/** What a party sends to be opened: its shares of e = x − a and f = y − b. */
export function maskedOperands(x: BigUint64Array, y: BigUint64Array, t: TripleShare): { e: BigUint64Array; f: BigUint64Array } {
  if (x.length !== t.a.length || y.length !== t.b.length) throw new CoreInputError(`operands of length ${x.length} and ${y.length} need a triple of the same length, got ${t.a.length}`, 'triple');
  return { e: subWords(x, t.a), f: subWords(y, t.b) };
}

/** A party's share of x·y (truncated back to the fixed-point scale) from the opened e and f. */
export function productShare(e: BigUint64Array, f: BigUint64Array, t: TripleShare, party: 0 | 1): BigUint64Array {
  const z = new BigUint64Array(e.length);
  for (let i = 0; i < e.length; i++) z[i] = t.c[i]! + e[i]! * t.b[i]! + f[i]! * t.a[i]! + (party === 0 ? e[i]! * f[i]! : 0n);
  return truncateShare(z, party);
}

/** Element-wise product of two shared vectors, both parties' steps in one call (tests, simulation). */
export function multiplyShared(x: [BigUint64Array, BigUint64Array], y: [BigUint64Array, BigUint64Array], rng: Rng): [BigUint64Array, BigUint64Array] {
  const [t0, t1] = dealTriples(x[0].length, rng);
  const m0 = maskedOperands(x[0], y[0], t0);
  const m1 = maskedOperands(x[1], y[1], t1);
  const e = openShares(m0.e, m1.e);
  const f = openShares(m0.f, m1.f);
  return [productShare(e, f, t0, 0), productShare(e, f, t1, 1)];
}
