/**
 * Hex and byte helpers shared by the secure-aggregation modules and their known-answer tests
 * (RFC 7748, RFC 8439 and RFC 5869 print their vectors in hex). Pure functions, no I/O.
 */
import { CoreInputError } from '../types.ts';

/**
 * Decodes a hex string (case-insensitive; spaces, newlines and `:` separators ignored, as in the
 * RFC listings) into bytes. Throws {@link CoreInputError} (`hex`) on an odd digit count or a
 * non-hex character.
 */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0) throw new CoreInputError('hex must have an even number of digits', 'hex');
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new CoreInputError('hex contains a non-hex character', 'hex');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lower-case hex encoding of `bytes`, two digits per byte, no separators. */
export function toHex(bytes: Uint8Array): string {
  // A Buffer view over the same memory (no copy); its encoder builds the string in one piece.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Concatenation of byte arrays into one fresh Uint8Array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Byte-wise equality whose running time depends only on the lengths, not on where the first
 * difference is (for comparing MACs, keys and context fields).
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
