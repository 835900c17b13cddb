/**
 * Uniform random bits, 16-bit digits and exact uniform integers for the table-free sampler of
 * ./karney-dgauss.ts. Every decision is an integer comparison: a uniform integer below m is drawn
 * by rejection — a 16-bit digit (m ≤ 2^16) or 32-bit word w kept when w < 2^b − (2^b mod m), then
 * reduced modulo m — so every residue has exactly the same number of preimages (fewer than 2
 * draws on average). Bytes come only from the injected {@link Rng},
 * `chunk` bytes per call, so a crypto-backed Rng is called once per two thousand digits. The
 * stream is read as little-endian 16-bit digits (so a seeded Rng gives the same draws on every
 * platform); a word is two digits (low first), 16 bits come from one digit. Every digit is used
 * for one purpose only, so all draws are independent. Unused buffered bytes are discarded.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Uniform bits, digits, words and integers drawn exactly from an {@link Rng}. */
export interface WordSource {
  /** A uniform integer in [0, 2^32). */
  readonly word: () => number;
  /** A uniform integer in [0, 2^16). */
  readonly digit: () => number;
  /** A uniform bit, 0 or 1. */
  readonly bit: () => number;
  /** A uniform integer in [0, m) for an integer 1 ≤ m ≤ 2^32 (unchecked: this is the hot path). */
  readonly below: (m: number) => number;
  /** Bytes taken from the Rng so far (whole chunks). */
  readonly bytesDrawn: () => number;
}

/** Bytes per Rng call unless told otherwise: 2048 digits. */
export const DEFAULT_WORD_CHUNK = 4096;

const TWO16 = 65536;
const TWO32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Wraps `rng` into a {@link WordSource} that reads it `chunk` bytes at a time. Throws
 * {@link CoreInputError} `chunk` unless a positive multiple of 4; `rng` (on use) when it returns
 * the wrong number of bytes.
 */
export function wordSource(rng: Rng, chunk: number = DEFAULT_WORD_CHUNK): WordSource {
  if (!Number.isSafeInteger(chunk) || chunk < 4 || chunk % 4 !== 0) {
    throw new CoreInputError(`chunk must be a positive multiple of 4, got ${chunk}`, 'chunk');
  }
  const perChunk = chunk / 2;
  let digits: Uint16Array = new Uint16Array(0);
  let pos = 0;
  let drawn = 0;
  const refill = (): void => {
    const b = rng(chunk);
    if (!(b instanceof Uint8Array) || b.length !== chunk) throw new CoreInputError('rng returned the wrong number of bytes', 'rng');
    if (LITTLE_ENDIAN && b.byteOffset % 2 === 0) {
      digits = new Uint16Array(b.buffer, b.byteOffset, perChunk);
    } else {
      digits = new Uint16Array(perChunk);
      for (let i = 0; i < perChunk; i++) digits[i] = b[2 * i]! | (b[2 * i + 1]! << 8);
    }
    pos = 0;
    drawn += chunk;
  };
  const digit = (): number => {
    if (pos === digits.length) refill();
    return digits[pos++]!; // pos < digits.length after a refill
  };
  const word = (): number => digit() + digit() * TWO16;
  let bits = 0;
  let bitsLeft = 0;
  const bit = (): number => {
    if (bitsLeft === 0) {
      bits = digit();
      bitsLeft = 16;
    }
    bitsLeft--;
    const b = bits & 1;
    bits >>>= 1;
    return b;
  };
  const below = (m: number): number => {
    if (m <= TWO16) {
      const limit = TWO16 - (TWO16 % m);
      for (;;) {
        const d = digit();
        if (d < limit) return d % m;
      }
    }
    const limit = TWO32 - (TWO32 % m);
    for (;;) {
      const w = word();
      if (w < limit) return w % m;
    }
  };
  return { word, digit, bit, below, bytesDrawn: () => drawn };
}
