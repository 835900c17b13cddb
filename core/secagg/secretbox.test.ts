import { describe, it, expect } from 'vitest';
import { seededRng } from '../random.ts';
import { toHex } from './hex.ts';
import { SEAL_OVERHEAD, open, seal } from './secretbox.ts';
import { errorOf } from '../../test/support/core.ts';

describe('seal / open', () => {
  const key = seededRng(1)(32);
  const msg = new TextEncoder().encode('run=r1 round=3 src=bank-a dst=platform stage=share-keys');

  it('round-trips and prefixes the rng nonce', () => {
    const rng = seededRng(2);
    const sealed = seal(key, msg, rng);
    expect(sealed.length).toBe(msg.length + SEAL_OVERHEAD);
    expect(toHex(sealed.subarray(0, 24))).toBe(toHex(seededRng(2)(24)));
    expect(toHex(open(key, sealed))).toBe(toHex(msg));
    expect(open(key, seal(key, new Uint8Array(0), rng)).length).toBe(0);
  });

  it('fresh nonces give different ciphertexts for the same message', () => {
    const rng = seededRng(3);
    expect(toHex(seal(key, msg, rng))).not.toBe(toHex(seal(key, msg, rng)));
  });

  it('detects tampering in every byte position class, truncation and a wrong key', () => {
    const sealed = seal(key, msg, seededRng(4));
    for (const pos of [0, 23, 24, 39, 40, sealed.length - 1]) {
      const bad = Uint8Array.from(sealed);
      bad[pos]! ^= 0x01;
      const e = errorOf(() => open(key, bad));
      expect(e.message).toBe('ciphertext failed authentication');
      expect(e.parameter).toBe('sealed');
    }
    expect(errorOf(() => open(key, sealed.subarray(0, sealed.length - 1))).message).toBe('ciphertext failed authentication');
    const other = seededRng(5)(32);
    expect(errorOf(() => open(other, sealed)).message).toBe('ciphertext failed authentication');
  });

  it('rejects bad keys, short inputs and a broken rng', () => {
    expect(errorOf(() => seal(new Uint8Array(16), msg, seededRng(6))).parameter).toBe('key');
    expect(errorOf(() => seal(key, msg, () => new Uint8Array(12))).parameter).toBe('rng');
    expect(errorOf(() => open(key, new Uint8Array(SEAL_OVERHEAD - 1))).parameter).toBe('sealed');
    expect(errorOf(() => open(new Uint8Array(31), new Uint8Array(64))).parameter).toBe('key');
  });
});
