import { randomBytes } from 'node:crypto';
import { ed25519_hasher } from '@noble/curves/ed25519.js';
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { canonicalId, canonicalizeIds } from './ids.ts';
import { blindPoints, encodeToU, expandMessageXmd, POINT_BYTES } from './kernels.mjs';
import { idMessage, matchPositions, permutePoints } from './protocol.ts';

const P = 2n ** 255n - 19n;
const RFC_DST = Buffer.from('QUUX-V01-CS02-with-edwards25519_XMD:SHA-512_ELL2_NU_');
/** The messages of RFC 9380's test vectors. */
const RFC_MSGS = ['', 'abc', 'abcdef0123456789', `q128_${'q'.repeat(128)}`, `a512_${'a'.repeat(512)}`].map((m) => Buffer.from(m));

/** u = (1 + y)/(1 − y) of an edwards25519 point, by plain modular arithmetic (an independent path). */
function uOf(y: bigint): bigint {
  let inv = 1n;
  let b = (1n - y + P) % P;
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) inv = (inv * b) % P;
    b = (b * b) % P;
  }
  return ((1n + y) * inv) % P;
}
const leToBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);

describe('PSI arithmetic', () => {
  it('expand_message_xmd agrees with noble-curves (RFC 9380 §5.3.1)', () => {
    for (const [m, len] of [['', 32], ['abc', 48], ['a'.repeat(300), 130]] as const) {
      expect(Buffer.from(expandMessageXmd(Buffer.from(m), RFC_DST, len)).toString('hex')).toBe(Buffer.from(expand_message_xmd(Buffer.from(m), RFC_DST, len, sha512)).toString('hex'));
    }
  });

  it('hashes to the u-coordinate of RFC 9380 encode_to_curve (edwards25519_XMD:SHA-512_ELL2_NU_), as noble-curves computes it', () => {
    const random = Array.from({ length: 20 }, () => randomBytes(1 + (randomBytes(1)[0] ?? 0)));
    const msgs = [...RFC_MSGS, ...random];
    const u = encodeToU(msgs, RFC_DST);
    msgs.forEach((m, i) => {
      const expected = uOf(ed25519_hasher.encodeToCurve(m, { DST: RFC_DST }).toAffine().y);
      expect(leToBig(u.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES)), `message ${i}`).toBe(expected);
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
