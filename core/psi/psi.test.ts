import { randomBytes } from 'node:crypto';
import { _map_to_curve_elligator2_curve25519, ed25519, ed25519_hasher } from '@noble/curves/ed25519.js';
import { expand_message_xmd, hash_to_field } from '@noble/curves/abstract/hash-to-curve.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { canonicalId, canonicalizeIds } from './ids.ts';
import { blindPoints, encodeIdsToU, encodeToU, expandMessageXmd, fieldElement, POINT_BYTES } from './kernels.mjs';
import { idMessage, idPrefix, matchPositions, permutePoints } from './protocol.ts';

const P = 2n ** 255n - 19n;
const RFC_DST = Buffer.from('QUUX-V01-CS02-with-curve25519_XMD:SHA-512_ELL2_NU_');
/** The messages of RFC 9380's test vectors. */
const RFC_MSGS = ['', 'abc', 'abcdef0123456789', `q128_${'q'.repeat(128)}`, `a512_${'a'.repeat(512)}`].map((m) => Buffer.from(m));

/** x^(p − 2) mod p by plain modular arithmetic (an independent path). */
function inverse(x: bigint): bigint {
  let inv = 1n;
  let b = ((x % P) + P) % P;
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) inv = (inv * b) % P;
    b = (b * b) % P;
  }
  return inv;
}
/** u = (1 + y)/(1 − y) of an edwards25519 point. */
const uOf = (y: bigint) => ((1n + y) * inverse(1n - y)) % P;
const leToBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);

describe('PSI arithmetic', () => {
  it('expand_message_xmd agrees with noble-curves (RFC 9380 §5.3.1)', () => {
    for (const [m, len] of [['', 32], ['abc', 48], ['a'.repeat(300), 130]] as const) {
      expect(Buffer.from(expandMessageXmd(Buffer.from(m), RFC_DST, len)).toString('hex')).toBe(Buffer.from(expand_message_xmd(Buffer.from(m), RFC_DST, len, sha512)).toString('hex'));
    }
  });

  it('reduces 48 bytes modulo p to canonical bytes, at the edges of the reduction too', () => {
    const beToBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
    const be48 = (n: bigint) => Buffer.from(n.toString(16).padStart(96, '0'), 'hex');
    const edges = [0n, 1n, P - 1n, P, P + 1n, 2n ** 255n - 1n, 2n ** 255n, 2n ** 256n - 1n, 2n ** 256n, 2n ** 256n + P - 38n, 2n * P, 2n ** 384n - 1n, (2n ** 128n - 1n) * 2n ** 256n + 2n ** 256n - 1n].map(be48);
    for (const b of [...edges, ...Array.from({ length: 200 }, () => randomBytes(48))]) {
      expect(leToBig(fieldElement(b)), b.toString('hex')).toBe(beToBig(b) % P);
    }
  });

  it('hashes IDs written straight into its buffer as it hashes the assembled messages, for any length', () => {
    const ids = ['', 'a', 'borrower-17', 'ünïcødé-✓', '𝔘', 'x'.repeat(1000), 'y'.repeat(40)];
    const prefix = idPrefix('consortium-salt');
    const direct = encodeIdsToU(prefix, ids, RFC_DST);
    expect(Buffer.from(direct)).toEqual(Buffer.from(encodeToU(ids.map((id) => idMessage('consortium-salt', id)), RFC_DST)));
  });

  it('hashes to the u-coordinate of RFC 9380 map_to_curve_elligator2_curve25519 of hash_to_field, as noble-curves computes it', () => {
    const random = Array.from({ length: 40 }, () => randomBytes(1 + (randomBytes(1)[0] ?? 0)));
    const msgs = [...RFC_MSGS, ...random];
    const u = encodeToU(msgs, RFC_DST);
    let nonSquare = 0;
    msgs.forEach((m, i) => {
      const [[r]] = hash_to_field(m, 1, { DST: RFC_DST, p: P, m: 1, k: 128, expand: 'xmd', hash: sha512 }) as [[bigint]];
      const { xMn, xMd } = _map_to_curve_elligator2_curve25519(r);
      const expected = (xMn * inverse(xMd)) % P;
      // x1 = −J/(1 + 2r²) is the map's result exactly when g(x1) is a square; count the other branch.
      if (expected !== ((P - 486662n) * inverse(1n + 2n * r * r)) % P) nonSquare++;
      expect(leToBig(u.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES)), `message ${i}`).toBe(expected);
    });
    expect(nonSquare).toBeGreaterThan(5);
    expect(nonSquare).toBeLessThan(msgs.length - 5);
  });

  it('blinding with k is blinding RFC 9380 encode_to_curve (cofactor cleared) with k/8', () => {
    const msgs = RFC_MSGS.slice(0, 3);
    const u = encodeToU(msgs, RFC_DST);
    const k = randomBytes(32);
    const blinded = blindPoints(u, k);
    // X25519's clamping: clear the low 3 bits and bit 255, set bit 254.
    const kc = Buffer.from(k);
    kc[0]! &= 248;
    kc[31] = (kc[31]! & 127) | 64;
    const s = (leToBig(kc) / 8n) % ed25519.Point.Fn.ORDER;
    msgs.forEach((m, i) => {
      const point = ed25519_hasher.encodeToCurve(m, { DST: RFC_DST }).multiply(s);
      expect(leToBig(blinded.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES)), `message ${i}`).toBe(uOf(point.toAffine().y));
    });
  });

  it('blinding commutes, and different keys or IDs give unrelated points', () => {
    const u = encodeToU(['a', 'b', 'c'].map((s) => idMessage('salt', s)), RFC_DST);
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(Buffer.from(blindPoints(blindPoints(u, a), b))).toEqual(Buffer.from(blindPoints(blindPoints(u, b), a)));
    expect(Buffer.from(blindPoints(u, a))).not.toEqual(Buffer.from(blindPoints(u, b)));
    const salted = encodeToU([idMessage('other-salt', 'a')], RFC_DST);
    expect(Buffer.from(salted)).not.toEqual(Buffer.from(u.subarray(0, POINT_BYTES)));
  });

  it('matches positions through a permutation', () => {
    const pts = encodeToU(['x', 'y', 'z', 'w'].map((s) => Buffer.from(s)), RFC_DST);
    const order = Uint32Array.from([2, 0, 3, 1]);
    const shuffled = permutePoints(pts, order);
    const l = encodeToU(['z', 'q', 'x'].map((s) => Buffer.from(s)), RFC_DST);
    expect(Array.from(matchPositions(l, shuffled))).toEqual([0, -1, 1]);
  });

  it('matches points that share their first bytes (same hash slot) only on all 32 bytes', () => {
    const f = new Uint8Array(5 * POINT_BYTES);
    for (let j = 0; j < 5; j++) f[j * POINT_BYTES + 31] = j + 1;
    const l = new Uint8Array(3 * POINT_BYTES);
    l[31] = 4;
    l[POINT_BYTES + 31] = 9;
    l[2 * POINT_BYTES + 31] = 1;
    expect(Array.from(matchPositions(l, f))).toEqual([3, -1, 0]);
    // Points at an offset that is not a multiple of 4 bytes are copied, not misread.
    const shifted = new Uint8Array(l.length + 1);
    shifted.set(l, 1);
    expect(Array.from(matchPositions(shifted.subarray(1), f))).toEqual([3, -1, 0]);
  });
});

describe('ID canonicalization', () => {
  it('meets IDs written differently, and reports empty, malformed and repeated ones with rows', () => {
    expect(canonicalId('  AB-123 ')).toBe('ab-123');
    expect(canonicalId('AB-1 23', { form: 'alnum' })).toBe('ab123');
    expect(canonicalId('ＡＢ１２３')).toBe('ab123');
    const r = canonicalizeIds(['A1', ' a1', '', 'b-2', '   ', '--', 'C3'], { form: 'alnum' });
    expect(r.ids).toEqual(['a1', 'b2', 'c3']);
    expect(Array.from(r.rows)).toEqual([0, 3, 6]);
    expect(r.duplicate).toEqual({ count: 1, firstRows: [1] });
    expect(r.empty).toEqual({ count: 2, firstRows: [2, 4] });
    expect(r.malformed).toEqual({ count: 1, firstRows: [5] });
  });
});
