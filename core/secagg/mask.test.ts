import { createHash } from 'node:crypto';
import { describe, it, expect, vi } from 'vitest';
import { seededRng } from '../random.ts';
import { generateKeyPair, sharedSecret } from './keys.ts';
import { deriveKey } from './kdf.ts';
import { applyMask, maskKernel, pairSign, removeMask, startMask } from './mask.ts';
import { MASK_CHUNK_WORDS, expandMask } from './prg.ts';
import type { MaskTerm } from './mask.ts';
import { addMod, subMod } from './quantize.ts';
import { errorOf } from '../../test/support/core.ts';

function randomVector(len: number, bits: number, seed: number): Uint32Array {
  const bytes = seededRng(seed)(4 * len);
  const out = new Uint32Array(len);
  const m = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  for (let i = 0; i < len; i++) {
    out[i] = ((bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)) & m) >>> 0;
  }
  return out;
}

describe('pairwise masks cancel in the sum', () => {
  for (const bits of [32, 20]) {
    it(`two parties with ± PRG(s_uv) sum to the plain sum (bits = ${bits})`, () => {
      const rng = seededRng(bits);
      const u = generateKeyPair(rng);
      const v = generateKeyPair(rng);
      const ctx = { run: 'r', round: 1, purpose: 'mask' as const };
      const kU = deriveKey(sharedSecret(u.secretKey, v.publicKey), { ...ctx, a: 'u', b: 'v' });
      const kV = deriveKey(sharedSecret(v.secretKey, u.publicKey), { ...ctx, a: 'v', b: 'u' });
      const xU = randomVector(1000, bits, 1);
      const xV = randomVector(1000, bits, 2);
      const yU = applyMask(xU, [{ key: kU, sign: pairSign('u', 'v') }], bits);
      const yV = applyMask(xV, [{ key: kV, sign: pairSign('v', 'u') }], bits);
      expect(Array.from(yU.subarray(0, 20))).not.toEqual(Array.from(xU.subarray(0, 20)));
      const plain = Uint32Array.from(xU);
      addMod(plain, xV, bits);
      const masked = Uint32Array.from(yU);
      addMod(masked, yV, bits);
      expect(Array.from(masked)).toEqual(Array.from(plain));
    });
  }

  it('three parties with self-masks: removing the self-masks leaves the plain sum', () => {
    const ids = ['bank-a', 'customs', 'platform'];
    const rng = seededRng(30);
    const pairs = ids.map(() => generateKeyPair(rng));
    const seeds = ids.map(() => rng(32));
    const xs = ids.map((_, i) => randomVector(257, 32, 40 + i));
    const total = new Uint32Array(257);
    const plain = new Uint32Array(257);
    const selfKeys = seeds.map((s, i) => deriveKey(s, { run: 'r', round: 2, purpose: 'self-mask', a: ids[i]!, b: ids[i]! }));
    ids.forEach((id, i) => {
      const masks: MaskTerm[] = [{ key: selfKeys[i]!, sign: 1 }];
      ids.forEach((peer, j) => {
        if (i === j) return;
        const s = sharedSecret(pairs[i]!.secretKey, pairs[j]!.publicKey);
        masks.push({ key: deriveKey(s, { run: 'r', round: 2, purpose: 'mask', a: id, b: peer }), sign: pairSign(id, peer) });
      });
      addMod(total, applyMask(xs[i]!, masks, 32), 32);
      addMod(plain, xs[i]!, 32);
    });
    for (const k of selfKeys) subMod(total, applyMask(new Uint32Array(257), [{ key: k, sign: 1 }], 32), 32);
    expect(Array.from(total)).toEqual(Array.from(plain));
  });
});

describe('applyMask', () => {
  it('returns a new array, and removeMask inverts it', () => {
    const x = randomVector(64, 16, 3);
    const copy = Array.from(x);
    const masks: MaskTerm[] = [
      { key: seededRng(4)(32), sign: 1 },
      { key: seededRng(5)(32), sign: -1 },
    ];
    const y = applyMask(x, masks, 16);
    expect(y).not.toBe(x);
    expect(Array.from(x)).toEqual(copy);
    for (const w of y) expect(w).toBeLessThan(2 ** 16);
    expect(Array.from(removeMask(y, masks, 16))).toEqual(copy);
  });

  it('masked constant input passes a chi-square uniformity test on the top byte', () => {
    const n = 256 * 400;
    const y = applyMask(new Uint32Array(n).fill(12345), [{ key: seededRng(6)(32), sign: 1 }], 32);
    const counts = new Float64Array(256);
    for (let i = 0; i < n; i++) counts[y[i]! >>> 24]!++;
    const expected = n / 256;
    let chi2 = 0;
    for (const c of counts) chi2 += ((c - expected) * (c - expected)) / expected;
    // 255 degrees of freedom: the 0.999 quantile is ≈ 330.5.
    expect(chi2).toBeLessThan(330.5);
    // and a non-uniform vector fails the same test
    const skew = new Uint32Array(n).map((_, i) => (i % 128) << 24);
    let chiSkew = 0;
    const skewCounts = new Float64Array(256);
    for (let i = 0; i < n; i++) skewCounts[skew[i]! >>> 24]!++;
    for (const c of skewCounts) chiSkew += ((c - expected) * (c - expected)) / expected;
    expect(chiSkew).toBeGreaterThan(330.5);
  });

  it('rejects out-of-range inputs, bad bits, signs and keys', () => {
    const key = seededRng(7)(32);
    expect(errorOf(() => applyMask(new Uint32Array([256]), [], 8)).parameter).toBe('x');
    expect(errorOf(() => applyMask(new Uint32Array(1), [], 0)).parameter).toBe('bits');
    const badSign = [{ key, sign: 0 }] as unknown as MaskTerm[];
    expect(errorOf(() => applyMask(new Uint32Array(1), badSign, 8)).parameter).toBe('masks');
    expect(errorOf(() => applyMask(new Uint32Array(1), [{ key: new Uint8Array(8), sign: 1 }], 8)).parameter).toBe('key');
    expect(errorOf(() => pairSign('a', 'a')).parameter).toBe('peer');
  });
});

const sha = (y: Uint32Array) => createHash('sha256').update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength)).digest('hex');
function fixture(len: number, bits: number, k: number) {
  const rng = seededRng(1000 + len + bits);
  const masks: MaskTerm[] = Array.from({ length: k }, (_, i) => ({ key: rng(32), sign: i % 3 === 1 ? -1 : 1 }));
  const v = new Uint32Array(seededRng(len * 7 + bits)(4 * len).buffer.slice(0));
  const m = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  for (let i = 0; i < len; i++) v[i] = (v[i]! & m) >>> 0;
  return { x: v, masks };
}

describe('applyMask is bit-for-bit the definition x + Σ sign·expandMask(key) mod 2^bits', () => {
  /** The definition, written out word by word with expandMask (independent of applyMask's chunking). */
  function reference(x: Uint32Array, masks: MaskTerm[], bits: number): Uint32Array {
    const y = Uint32Array.from(x);
    const m = bits === 32 ? 0xffffffff : 2 ** bits - 1;
    for (const t of masks) {
      const prg = expandMask(t.key, x.length);
      for (let i = 0; i < y.length; i++) y[i] = ((t.sign === 1 ? y[i]! + prg[i]! : y[i]! - prg[i]!) & m) >>> 0;
    }
    return y;
  }
  it('matches digests recorded with the previous (whole-mask) implementation', () => {
    // SHA-256 of applyMask's output bytes, recorded before masking was chunked and vectorized.
    const golden: [number, number, number, string][] = [
      [100_000, 32, 10, 'a09557080c8fcf6e560dbf3217235f10e1cf3d4d20985d3546c96e88f84e2102'],
      [40_000, 20, 5, '24f6aac75fbcf3315fb28aa3c4b15dea4b0ad19c97c9f71b8c8edd7e8827b087'],
      [16_385, 1, 3, '21c2bf37ab75831eddb53b28c939d8b3a3f8826c85d88dd726f8086c726b2bab'],
      [7, 31, 4, 'ad5d4f58462509bf3c7cdfc1a222b6947909183c123b91df21a6a11eb0194ef0'],
    ];
    for (const [len, bits, k, digest] of golden) {
      const { x, masks } = fixture(len, bits, k);
      expect(sha(applyMask(x, masks, bits))).toBe(digest);
    }
  });

  it('equals the definition around chunk boundaries, for several moduli and mixed signs', () => {
    const C = MASK_CHUNK_WORDS;
    for (const len of [1, 3, 4, 5, 17, C - 1, C, C + 1, 2 * C + 7]) {
      for (const bits of [32, 31, 20, 1]) {
        const { x, masks } = fixture(len, bits, 3);
        const y = applyMask(x, masks, bits);
        expect(sha(y)).toBe(sha(reference(x, masks, bits)));
        expect(Array.from(removeMask(y, masks, bits))).toEqual(Array.from(x));
      }
    }
  });

  it('uses the WebAssembly SIMD adder on this runtime', () => {
    expect(maskKernel()).toBe('wasm-simd');
  });

  it('the portable fallback (no WebAssembly) gives the same words', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const fresh = await import('./mask.ts');
      expect(fresh.maskKernel()).toBe('js');
      for (const [len, bits] of [[MASK_CHUNK_WORDS + 3, 32], [1000, 20], [5, 1]] as const) {
        const { x, masks } = fixture(len, bits, 4);
        const y = fresh.applyMask(x, masks, bits);
        expect(sha(y)).toBe(sha(reference(x, masks, bits)));
        expect(sha(y)).toBe(sha(applyMask(x, masks, bits)));
        expect(Array.from(fresh.removeMask(y, masks, bits))).toEqual(Array.from(x));
      }
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });

  it('an empty vector or no masks returns a copy', () => {
    const x = Uint32Array.of(1, 2, 3);
    const y = applyMask(x, [], 32);
    expect(y).not.toBe(x);
    expect(Array.from(y)).toEqual([1, 2, 3]);
    expect(applyMask(new Uint32Array(0), [{ key: seededRng(9)(32), sign: 1 }], 32).length).toBe(0);
  });
});

describe('startMask: the same mask, computed a chunk at a time', () => {
  it('finishes to what applyMask adds to a zero vector, however the work is split', () => {
    for (const [len, bits] of [[3 * MASK_CHUNK_WORDS + 11, 32], [MASK_CHUNK_WORDS, 24], [7, 1]] as const) {
      const { x, masks } = fixture(len, bits, 5);
      const expected = applyMask(new Uint32Array(len), masks, bits);
      for (const steps of [[], [1], [1, 1, 1, 1, 1], [2, 0, 9]]) {
        const pending = startMask(len, masks, bits);
        for (const n of steps) pending.advance(n);
        const mask = pending.finish();
        expect(sha(mask)).toBe(sha(expected));
        // x + mask is applyMask(x): masking from a mask computed ahead is the same masking.
        const y = Uint32Array.from(x);
        addMod(y, mask, bits);
        expect(sha(y)).toBe(sha(applyMask(x, masks, bits)));
      }
    }
  });

  it('reports progress chunk by chunk, and reads the keys when it starts', () => {
    const { masks } = fixture(2 * MASK_CHUNK_WORDS + 1, 32, 3);
    const expected = applyMask(new Uint32Array(2 * MASK_CHUNK_WORDS + 1), masks, 32);
    const pending = startMask(2 * MASK_CHUNK_WORDS + 1, masks, 32);
    for (const m of masks) m.key.fill(0); // the caller may wipe its keys once started
    expect(pending.done).toBe(false);
    expect(pending.advance(1)).toBe(false);
    expect(pending.advance(1)).toBe(false);
    expect(pending.advance(1)).toBe(true);
    expect(pending.done).toBe(true);
    expect(sha(pending.finish())).toBe(sha(expected));
    expect(startMask(0, masks, 32).done).toBe(true);
    expect(Array.from(startMask(4, [], 32).finish())).toEqual([0, 0, 0, 0]);
  });

  it('a wiped mask cannot be advanced, and bad arguments are named', () => {
    const { masks } = fixture(100, 32, 2);
    const pending = startMask(100, masks, 32);
    pending.wipe();
    expect(errorOf(() => pending.advance(1)).parameter).toBe('mask');
    expect(errorOf(() => startMask(-1, masks, 32)).parameter).toBe('length');
    expect(errorOf(() => startMask(1.5, masks, 32)).parameter).toBe('length');
    expect(errorOf(() => startMask(10, masks, 33)).parameter).toBe('bits');
    expect(errorOf(() => startMask(10, [{ key: masks[0]!.key, sign: 2 as 1 }], 32)).parameter).toBe('masks');
    expect(errorOf(() => startMask(10, [{ key: new Uint8Array(31), sign: 1 }], 32)).parameter).toBe('key');
  });
});
