import { describe, it, expect } from 'vitest';
import { seededRng } from '../random.ts';
import { fromHex, toHex } from './hex.ts';
import { deriveKey, hkdf, keyInfo } from './kdf.ts';
import type { KeyContext } from './kdf.ts';
import { errorOf } from '../../test/support/core.ts';

function range(from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from + 1);
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
}

describe('HKDF-SHA256 known answers (RFC 5869 Appendix A)', () => {
  it('test case 1: basic', () => {
    const okm = hkdf(new Uint8Array(22).fill(0x0b), range(0x00, 0x0c), range(0xf0, 0xf9), 42);
    expect(toHex(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('test case 2: longer inputs and outputs', () => {
    const okm = hkdf(range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82);
    expect(toHex(okm)).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
        '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
        'cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
  });

  it('test case 3: zero-length salt and info', () => {
    const okm = hkdf(new Uint8Array(22).fill(0x0b), new Uint8Array(0), new Uint8Array(0), 42);
    expect(toHex(okm)).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('rejects lengths outside [1, 8160]', () => {
    const ikm = new Uint8Array(32).fill(1);
    for (const bad of [0, -1, 8161, 1.5, NaN]) {
      expect(errorOf(() => hkdf(ikm, new Uint8Array(0), new Uint8Array(0), bad)).parameter).toBe('length');
    }
    expect(hkdf(ikm, new Uint8Array(0), new Uint8Array(0), 8160).length).toBe(8160);
  });
});

describe('deriveKey', () => {
  const secret = seededRng(11)(32);
  const base: KeyContext = { run: 'run-1', round: 3, purpose: 'mask', a: 'bank-a', b: 'platform' };

  it('returns 32 bytes, deterministically', () => {
    const k = deriveKey(secret, base);
    expect(k.length).toBe(32);
    expect(toHex(deriveKey(secret, base))).toBe(toHex(k));
  });

  it('is symmetric in the pair for mask keys', () => {
    expect(toHex(deriveKey(secret, { ...base, a: 'platform', b: 'bank-a' }))).toBe(toHex(deriveKey(secret, base)));
  });

  it('is directional for share-enc keys', () => {
    const ab = deriveKey(secret, { ...base, purpose: 'share-enc' });
    const ba = deriveKey(secret, { ...base, purpose: 'share-enc', a: 'platform', b: 'bank-a' });
    expect(toHex(ab)).not.toBe(toHex(ba));
  });

  it('binds run, round, purpose, each party and the secret', () => {
    const variants: KeyContext[] = [
      { ...base, run: 'run-2' },
      { ...base, round: 4 },
      { ...base, purpose: 'share-enc' },
      { ...base, purpose: 'self-mask' },
      { ...base, a: 'bank-b' },
      { ...base, b: 'customs' },
    ];
    const seen = new Set([toHex(deriveKey(secret, base))]);
    for (const v of variants) seen.add(toHex(deriveKey(secret, v)));
    const other = Uint8Array.from(secret);
    other[0]! ^= 1;
    seen.add(toHex(deriveKey(other, base)));
    expect(seen.size).toBe(variants.length + 2);
  });

  it('length-prefixing keeps field boundaries unambiguous', () => {
    const x = keyInfo({ ...base, purpose: 'share-enc', run: 'ab', a: 'c', b: 'd' });
    const y = keyInfo({ ...base, purpose: 'share-enc', run: 'a', a: 'bc', b: 'd' });
    expect(toHex(x)).not.toBe(toHex(y));
    const k1 = deriveKey(secret, { ...base, a: 'x|y', b: 'z' });
    const k2 = deriveKey(secret, { ...base, a: 'x', b: 'y|z' });
    expect(toHex(k1)).not.toBe(toHex(k2));
  });

  it('documents the exact info layout', () => {
    const info = keyInfo({ run: 'r', round: 258, purpose: 'mask', a: 'b', b: 'a' });
    const label = toHex(new TextEncoder().encode('fedcredit/secagg/v1/key'));
    // lp("mask") lp("r") u32be(258) lp("a") lp("b") — pair sorted
    expect(toHex(info)).toBe(label + '000000046d61736b' + '0000000172' + '00000102' + '0000000161' + '0000000162');
  });

  it('length-prefixes UTF-8 bytes, not characters, for ids outside ASCII', () => {
    // "ü" is 2 bytes and "€" 3 in UTF-8; the prefix counts bytes.
    const info = keyInfo({ run: 'ü', round: 1, purpose: 'share-enc', a: '€', b: 'b' });
    const label = toHex(new TextEncoder().encode('fedcredit/secagg/v1/key'));
    expect(toHex(info)).toBe(label + '00000009' + toHex(new TextEncoder().encode('share-enc')) + '00000002c3bc' + '00000001' + '00000003e282ac' + '0000000162');
  });

  it('matches HKDF with the documented salt and info', () => {
    const salt = new TextEncoder().encode('fedcredit/secagg/v1');
    expect(toHex(deriveKey(secret, base))).toBe(toHex(hkdf(secret, salt, keyInfo(base), 32)));
    expect(toHex(salt)).toBe(toHex(fromHex('6665646372656469742f7365636167672f7631')));
  });

  it('rejects bad secrets and contexts, naming the field', () => {
    expect(errorOf(() => deriveKey(new Uint8Array(15).fill(1), base)).parameter).toBe('secret');
    expect(errorOf(() => deriveKey(new Uint8Array(32), base)).parameter).toBe('secret');
    expect(errorOf(() => deriveKey(secret, { ...base, round: -1 })).parameter).toBe('ctx.round');
    expect(errorOf(() => deriveKey(secret, { ...base, round: 2 ** 32 })).parameter).toBe('ctx.round');
    expect(errorOf(() => deriveKey(secret, { ...base, run: '' })).parameter).toBe('ctx.run');
    expect(errorOf(() => deriveKey(secret, { ...base, a: '' })).parameter).toBe('ctx.a');
    expect(errorOf(() => deriveKey(secret, { ...base, b: 'bank-a' })).parameter).toBe('ctx.b');
    const badPurpose = { ...base, purpose: 'other' } as unknown as KeyContext;
    expect(errorOf(() => deriveKey(secret, badPurpose)).parameter).toBe('ctx.purpose');
  });

  it('allows a === b for self-mask keys', () => {
    expect(deriveKey(secret, { ...base, purpose: 'self-mask', b: 'bank-a' }).length).toBe(32);
  });
});
