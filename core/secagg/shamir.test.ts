import { describe, it, expect } from 'vitest';
import { CoreInputError } from '../types.ts';
import { seededRng, shuffleInPlace } from '../random.ts';
import { toHex } from './hex.ts';
import { SHAMIR_PRIME, bigintToBytes, bytesToBigint, fadd, finv, fmod, fmul, fsub, randomFieldElement } from './field.ts';
import { SHARE_BYTES, combineShares, decodeShare, encodeShare, lagrangeAtZero, splitSecret } from './shamir.ts';
import type { Share } from './shamir.ts';
import { errorOf } from '../../test/support/core.ts';

function pick(shares: Share[], k: number, seed: number): Share[] {
  const idx = Array.from({ length: shares.length }, (_, i) => i);
  shuffleInPlace(idx, seededRng(seed));
  return idx.slice(0, k).map((i) => shares[i]!);
}

describe('field GF(2^521 − 1)', () => {
  const P = SHAMIR_PRIME;

  it('is the Mersenne prime M521', () => {
    expect(P).toBe(2n ** 521n - 1n);
    // Fermat check with base 3: 3^(P−1) ≡ 1 (mod P).
    let acc = 1n;
    let base = 3n;
    let e = P - 1n;
    while (e > 0n) {
      if (e & 1n) acc = fmul(acc, base);
      base = fmul(base, base);
      e >>= 1n;
    }
    expect(acc).toBe(1n);
  });

  it('reduces, adds, subtracts, multiplies and inverts consistently with %', () => {
    const rng = seededRng(21);
    for (let i = 0; i < 50; i++) {
      const a = randomFieldElement(rng);
      const b = randomFieldElement(rng);
      expect(fadd(a, b)).toBe((a + b) % P);
      expect(fsub(a, b)).toBe((((a - b) % P) + P) % P);
      expect(fmul(a, b)).toBe((a * b) % P);
      if (a !== 0n) expect(fmul(a, finv(a))).toBe(1n);
    }
    expect(fmod(-1n)).toBe(P - 1n);
    expect(fmod(-P)).toBe(0n);
    expect(fmod(P)).toBe(0n);
    expect(fmod(P * P + 5n)).toBe(5n);
    expect(errorOf(() => finv(P)).parameter).toBe('a');
  });

  it('randomFieldElement rejects the one out-of-range value', () => {
    const draws = [new Uint8Array(66).fill(0xff), new Uint8Array(66).fill(0x01)];
    let i = 0;
    const v = randomFieldElement(() => draws[i++]!);
    expect(i).toBe(2); // all-ones = P was rejected
    expect(v).toBe(bytesToBigint(new Uint8Array(66).fill(1)) & P);
  });

  it('bigintToBytes round-trips and refuses overflow', () => {
    const bytes = seededRng(2)(64);
    expect(toHex(bigintToBytes(bytesToBigint(bytes), 64))).toBe(toHex(bytes));
    expect(errorOf(() => bigintToBytes(256n, 1)).parameter).toBe('value');
    expect(errorOf(() => bigintToBytes(-1n, 4)).parameter).toBe('value');
  });

  it('converts the edge cases: zero, empty, odd digit counts, exact fits and views', () => {
    expect(Array.from(bigintToBytes(0n, 3))).toEqual([0, 0, 0]);
    expect(bigintToBytes(0n, 0)).toEqual(new Uint8Array(0));
    expect(bytesToBigint(new Uint8Array(0))).toBe(0n);
    expect(bytesToBigint(new Uint8Array([0, 0, 1]))).toBe(1n);
    expect(Array.from(bigintToBytes(0xabcn, 3))).toEqual([0, 0x0a, 0xbc]); // three hex digits
    expect(Array.from(bigintToBytes(0xffffn, 2))).toEqual([0xff, 0xff]);
    expect(errorOf(() => bigintToBytes(0x10000n, 2)).parameter).toBe('value');
    expect(errorOf(() => bigintToBytes(1n, 0)).parameter).toBe('value');
    const whole = Uint8Array.from([9, 9, 1, 2, 9]);
    expect(bytesToBigint(whole.subarray(2, 4))).toBe(0x0102n);
    expect(bytesToBigint(bigintToBytes(SHAMIR_PRIME, 66))).toBe(SHAMIR_PRIME);
  });
});

describe('splitSecret / combineShares', () => {
  const secret = seededRng(99)(32);

  it('any t of n shares reconstruct (random subsets, several (t, n))', () => {
    const rng = seededRng(100);
    const cases: [t: number, n: number][] = [[1, 1], [1, 4], [2, 3], [3, 5], [5, 5], [7, 12]];
    for (const [t, n] of cases) {
      const shares = splitSecret(secret, t, n, rng);
      expect(shares.map((s) => s.x)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      for (let trial = 0; trial < 5; trial++) {
        const k = t + (trial % (n - t + 1));
        const subset = pick(shares, k, 1000 * t + 10 * n + trial);
        expect(toHex(combineShares(subset, t, 32))).toBe(toHex(secret));
      }
    }
  });

  it('t − 1 shares do not give the secret', () => {
    const shares = splitSecret(secret, 4, 6, seededRng(3));
    const partial = shares.slice(0, 3);
    // Interpolating a degree-2 polynomial through 3 points is a well-defined wrong answer.
    let guess: Uint8Array | null = null;
    try {
      guess = combineShares(partial, 3, 32);
    } catch (e) {
      expect(e).toBeInstanceOf(CoreInputError); // typically does not even fit in 32 bytes
    }
    if (guess) expect(toHex(guess)).not.toBe(toHex(secret));
    expect(errorOf(() => combineShares(partial, 4, 32)).message).toMatch(/need 4 shares/);
  });

  it('handles 64-byte secrets, leading zeros and the maximum value', () => {
    const rng = seededRng(4);
    for (const s of [new Uint8Array(64).fill(0xff), new Uint8Array([0, 0, 7]), rng(64), new Uint8Array(1)]) {
      const shares = splitSecret(s, 3, 4, rng);
      expect(toHex(combineShares(pick(shares, 3, s.length), 3, s.length))).toBe(toHex(s));
    }
  });

  it('skips repeated identical shares but rejects conflicting ones', () => {
    const shares = splitSecret(secret, 2, 3, seededRng(5));
    expect(toHex(combineShares([shares[0]!, shares[0]!, shares[2]!], 2, 32))).toBe(toHex(secret));
    expect(errorOf(() => combineShares([shares[0]!, shares[0]!], 2, 32)).parameter).toBe('shares');
    const forged = { x: shares[0]!.x, y: fadd(shares[0]!.y, 1n) };
    expect(errorOf(() => combineShares([shares[0]!, forged, shares[1]!], 2, 32)).message).toMatch(/disagree/);
  });

  it('different rng draws give different shares of the same secret', () => {
    const a = splitSecret(secret, 3, 3, seededRng(6));
    const b = splitSecret(secret, 3, 3, seededRng(7));
    expect(a[0]!.y).not.toBe(b[0]!.y);
  });

  it('rejects bad parameters, naming them', () => {
    const rng = seededRng(8);
    expect(errorOf(() => splitSecret(secret, 0, 3, rng)).parameter).toBe('t');
    expect(errorOf(() => splitSecret(secret, 4, 3, rng)).parameter).toBe('t');
    expect(errorOf(() => splitSecret(secret, 1.5, 3, rng)).parameter).toBe('t');
    expect(errorOf(() => splitSecret(secret, 1, 0, rng)).parameter).toBe('n');
    expect(errorOf(() => splitSecret(secret, 1, 65536, rng)).parameter).toBe('n');
    expect(errorOf(() => splitSecret(new Uint8Array(65), 2, 3, rng)).parameter).toBe('secret');
    expect(errorOf(() => splitSecret(new Uint8Array(0), 2, 3, rng)).parameter).toBe('secret');
    const shares = splitSecret(secret, 2, 3, rng);
    expect(errorOf(() => combineShares(shares, 0, 32)).parameter).toBe('t');
    expect(errorOf(() => combineShares(shares, 2, 65)).parameter).toBe('length');
    expect(errorOf(() => combineShares([{ x: 0, y: 1n }, shares[1]!], 2, 32)).parameter).toBe('shares');
    expect(errorOf(() => combineShares([{ x: 1, y: SHAMIR_PRIME }, shares[1]!], 2, 32)).parameter).toBe('shares');
  });
});

describe('encodeShare / decodeShare', () => {
  it('round-trips through the 68-byte wire form', () => {
    const shares = splitSecret(seededRng(9)(32), 3, 300, seededRng(10));
    for (const s of [shares[0], shares[255], shares[299]]) {
      const b = encodeShare(s!);
      expect(b.length).toBe(SHARE_BYTES);
      expect(decodeShare(b)).toEqual(s);
    }
    expect(Array.from(encodeShare(shares[299]!).subarray(0, 2))).toEqual([1, 44]);
  });

  it('rejects malformed encodings', () => {
    expect(errorOf(() => decodeShare(new Uint8Array(67))).parameter).toBe('b');
    expect(errorOf(() => decodeShare(new Uint8Array(68))).message).toMatch(/x must be at least 1/);
    const big = new Uint8Array(68).fill(0xff);
    expect(errorOf(() => decodeShare(big)).message).toMatch(/below the field prime/);
    expect(errorOf(() => encodeShare({ x: 70000, y: 1n })).parameter).toBe('s');
  });
});

describe('lagrangeAtZero', () => {
  it('equals the coefficients computed one inversion at a time, sums to 1, and is the same list when asked again', () => {
    const rng = seededRng(41);
    for (const t of [1, 2, 3, 7, 40]) {
      const xs = Array.from({ length: 200 }, (_, i) => i + 1);
      shuffleInPlace(xs, rng);
      const points = xs.slice(0, t);
      const got = lagrangeAtZero(points);
      let sum = 0n;
      for (let i = 0; i < t; i++) {
        // L_i(0) = Π_{j≠i} x_j / (x_j − x_i), with a field inversion per term.
        let num = 1n;
        let den = 1n;
        for (let j = 0; j < t; j++) {
          if (j === i) continue;
          num = fmul(num, BigInt(points[j]!));
          den = fmul(den, fsub(BigInt(points[j]!), BigInt(points[i]!)));
        }
        expect(got[i]).toBe(fmul(num, finv(den)));
        sum = fadd(sum, got[i]!);
      }
      // Interpolating the constant polynomial 1 gives 1.
      expect(sum).toBe(1n);
      expect(lagrangeAtZero([...points])).toBe(got);
    }
  });
});
