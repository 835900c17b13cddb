import { describe, it, expect } from 'vitest';
import { CoreInputError } from '../types.ts';
import { bytesEqual, concatBytes, fromHex, toHex } from './hex.ts';

describe('hex helpers', () => {
  it('decodes RFC-style listings with spaces, newlines and colons', () => {
    expect(Array.from(fromHex('00:01 0a\n FF'))).toEqual([0, 1, 10, 255]);
    expect(toHex(new Uint8Array([0, 1, 10, 255]))).toBe('00010aff');
    expect(fromHex('').length).toBe(0);
  });

  it('encodes exactly the bytes of a view, not the rest of its buffer', () => {
    const whole = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(whole.subarray(250, 253))).toBe('fafbfc');
    expect(toHex(whole.subarray(7, 7))).toBe('');
    expect(fromHex(toHex(whole))).toEqual(whole);
  });

  it('rejects odd lengths and non-hex characters', () => {
    expect(() => fromHex('abc')).toThrow(CoreInputError);
    expect(() => fromHex('zz')).toThrow(/non-hex/);
  });

  it('concatenates and compares bytes', () => {
    const ab = concatBytes(new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3]));
    expect(Array.from(ab)).toEqual([1, 2, 3]);
    expect(bytesEqual(ab, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(bytesEqual(ab, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(bytesEqual(ab, new Uint8Array([1, 2]))).toBe(false);
  });
});
