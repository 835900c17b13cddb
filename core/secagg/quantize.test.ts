import { describe, it, expect } from 'vitest';
import { seededRng, standardNormal } from '../random.ts';
import { addMod, dequantizeSum, quantParamsFor, quantize, resolveQuantParams, subMod } from './quantize.ts';
import { errorOf } from '../../test/support/core.ts';

describe('quantParamsFor', () => {
  it('takes the largest level count whose n-fold sum fits the modulus', () => {
    expect(quantParamsFor(1, 32, 10)).toEqual({ clip: 1, bits: 32, levels: 429496729 });
    expect(quantParamsFor(0.5, 16, 3)).toEqual({ clip: 0.5, bits: 16, levels: 21845 });
    const q = quantParamsFor(1, 20, 7);
    expect(7 * q.levels).toBeLessThanOrEqual(2 ** 20 - 1);
    expect(7 * (q.levels + 1)).toBeGreaterThan(2 ** 20 - 1);
  });

  it('fails loudly when n · range would overflow the modulus', () => {
    const e = errorOf(() => quantParamsFor(1, 8, 200));
    expect(e.parameter).toBe('maxSummands');
    expect(e.message).toMatch(/n = 200/);
    expect(e.message).toMatch(/levels = 1/);
    expect(e.message).toMatch(/2\^8/);
    expect(quantParamsFor(1, 8, 127).levels).toBe(2);
  });

  it('rejects bad clip, bits and summand counts', () => {
    expect(errorOf(() => quantParamsFor(0, 16, 2)).parameter).toBe('clip');
    expect(errorOf(() => quantParamsFor(Infinity, 16, 2)).parameter).toBe('clip');
    expect(errorOf(() => quantParamsFor(1, 33, 2)).parameter).toBe('bits');
    expect(errorOf(() => quantParamsFor(1, 0, 2)).parameter).toBe('bits');
    expect(errorOf(() => quantParamsFor(1, 16, 0)).parameter).toBe('maxSummands');
  });

  it('resolveQuantParams honours an explicit scale only when it fits', () => {
    expect(resolveQuantParams({ clip: 1, bits: 16 }, 4)).toEqual(quantParamsFor(1, 16, 4));
    expect(resolveQuantParams({ clip: 1, bits: 16, scale: 1000 }, 4).levels).toBe(1000);
    expect(errorOf(() => resolveQuantParams({ clip: 1, bits: 16, scale: 20000 }, 4)).parameter).toBe('scale');
    expect(errorOf(() => resolveQuantParams({ clip: 1, bits: 16, scale: 1 }, 4)).parameter).toBe('scale');
  });
});

describe('quantize / dequantizeSum', () => {
  const q = quantParamsFor(2, 24, 8);
  const step = (2 * q.clip) / q.levels;

  it('round trip error is at most one quantization step', () => {
    const rng = seededRng(1);
    const v = Float64Array.from({ length: 5000 }, () => standardNormal(rng) * 0.7);
    const { values } = quantize(v, q, rng);
    const back = dequantizeSum(values, q, 1);
    for (let i = 0; i < v.length; i++) {
      const c = Math.max(-q.clip, Math.min(q.clip, v[i]!));
      expect(Math.abs(back[i]! - c)).toBeLessThanOrEqual(step * (1 + 1e-9));
      expect(values[i]).toBeLessThanOrEqual(q.levels);
    }
  });

  it('stochastic rounding is unbiased', () => {
    const coarse = quantParamsFor(1, 8, 100); // 2 levels: the step is the whole range
    const x = 0.3; // r = 1.3 → 1 w.p. 0.7, 2 w.p. 0.3
    const n = 40000;
    const v = new Float64Array(n).fill(x);
    const { values } = quantize(v, coarse, seededRng(2));
    const mean = dequantizeSum(values, coarse, 1).reduce((a, b) => a + b, 0) / n;
    // sd of one draw = step·sqrt(0.21) ≈ 0.458; sd of the mean ≈ 0.0023
    expect(Math.abs(mean - x)).toBeLessThan(0.012);
    expect(new Set(values)).toEqual(new Set([1, 2]));
  });

  it('reads each draw as 4 bytes, least significant first, whether or not the bytes are word-aligned', () => {
    const coarse = quantParamsFor(1, 8, 100); // 2 levels; x = 0 sits at r = 1.0 + 0 → always 1; x = 0.5 at r = 1.5
    const v = new Float64Array([0.5, 0.5, 0.5]);
    // Draw k rounds up iff u_k < 0.5 · 2^32. u_0 = 0x7fffffff (up), u_1 = 0x80000000 (down), u_2 = 0x00000001 (up).
    const drawn = [0xff, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00];
    const aligned = () => Uint8Array.from(drawn);
    const unaligned = () => new Uint8Array(new Uint8Array([9, ...drawn]).buffer, 1, drawn.length);
    expect(Array.from(quantize(v, coarse, aligned).values)).toEqual([2, 1, 2]);
    expect(Array.from(quantize(v, coarse, unaligned).values)).toEqual([2, 1, 2]);
  });

  it('rounds up exactly when the draw is below the fraction, at the boundary too', () => {
    const coarse = quantParamsFor(1, 8, 100); // 2 levels: x = 0 gives r = 1, x = 0.5 gives r = 1.5
    const draws = (words: number[]) => () => new Uint8Array(Uint32Array.from(words).buffer);
    const half = 2 ** 31; // (1.5 − 1) · 2^32
    const v = new Float64Array([0.5, 0.5, 0.5, 0.5, 0, 0]);
    expect(Array.from(quantize(v, coarse, draws([half - 1, half, half + 1, 0, 0, 2 ** 32 - 1])).values)).toEqual([2, 1, 1, 2, 1, 1]);
    // Against the plain comparison over many random values and draws.
    const rng = seededRng(7);
    const q16 = quantParamsFor(0.3, 32, 1000);
    const x = Float64Array.from({ length: 20000 }, () => standardNormal(rng) * 0.2);
    const bytes = rng(4 * x.length);
    const u = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    let at = 0;
    const got = quantize(x, q16, (n) => bytes.slice(at, (at += n))).values;
    const per = q16.levels / (2 * q16.clip);
    for (let i = 0; i < x.length; i++) {
      const c = Math.max(-q16.clip, Math.min(q16.clip, x[i]!));
      const r = Math.min(q16.levels, (c + q16.clip) * per);
      const lo = Math.floor(r);
      expect(got[i]).toBe(u[i]! < (r - lo) * 2 ** 32 ? lo + 1 : lo);
    }
  });

  it('maps the range ends exactly and counts clipped coordinates', () => {
    const v = new Float32Array([-5, -2, 0, 2, 2.0001, 7, -2.5]);
    const { values, clipped } = quantize(v, q, seededRng(3));
    expect(clipped).toBe(4);
    expect(values[0]).toBe(0);
    expect(values[1]).toBe(0);
    expect(values[3]).toBe(q.levels);
    expect(values[5]).toBe(q.levels);
    expect(quantize(new Float32Array([1, -1]), q, seededRng(4)).clipped).toBe(0);
  });

  it('sum of quantized vectors dequantizes to the sum of clipped inputs within summands·step', () => {
    const rng = seededRng(5);
    const parties = 8;
    const dim = 2000;
    const acc = new Uint32Array(dim);
    const truth = new Float64Array(dim);
    for (let p = 0; p < parties; p++) {
      const v = Float64Array.from({ length: dim }, () => standardNormal(rng) * 1.5);
      for (let i = 0; i < dim; i++) truth[i]! += Math.max(-q.clip, Math.min(q.clip, v[i]!));
      addMod(acc, quantize(v, q, rng).values, q.bits);
    }
    const sum = dequantizeSum(acc, q, parties);
    let maxErr = 0;
    for (let i = 0; i < dim; i++) maxErr = Math.max(maxErr, Math.abs(sum[i]! - truth[i]!));
    expect(maxErr).toBeLessThanOrEqual(parties * step);
    expect(maxErr).toBeGreaterThan(0);
  });

  it('refuses to decode a sum of more summands than the modulus holds', () => {
    const e = errorOf(() => dequantizeSum(new Uint32Array(3), q, 9));
    expect(e.parameter).toBe('summands');
  });

  it('rejects non-finite inputs by index and inconsistent parameters', () => {
    expect(errorOf(() => quantize(new Float64Array([0, NaN]), q, seededRng(6))).message).toMatch(/v\[1\]/);
    expect(errorOf(() => quantize(new Float64Array([Infinity]), q, seededRng(6))).parameter).toBe('v');
    expect(errorOf(() => quantize(new Float64Array(1), { ...q, levels: 2 ** 24 }, seededRng(6))).parameter).toBe('q');
    expect(errorOf(() => quantize(new Float64Array(1), { ...q, clip: -1 }, seededRng(6))).parameter).toBe('q');
  });
});

describe('addMod / subMod', () => {
  it('wraps mod 2^32', () => {
    const a = new Uint32Array([0xffffffff, 5, 0]);
    addMod(a, new Uint32Array([2, 0xfffffffe, 0]), 32);
    expect(Array.from(a)).toEqual([1, 3, 0]);
    subMod(a, new Uint32Array([2, 4, 1]), 32);
    expect(Array.from(a)).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
  });

  it('wraps mod 2^bits for bits < 32 (incl. 31 and 1)', () => {
    const a = new Uint32Array([0x7fffffff, 3]);
    addMod(a, new Uint32Array([1, 0x7ffffffe]), 31);
    expect(Array.from(a)).toEqual([0, 1]);
    subMod(a, new Uint32Array([1, 2]), 31);
    expect(Array.from(a)).toEqual([0x7fffffff, 0x7fffffff]);
    const b = new Uint32Array([1, 0]);
    addMod(b, new Uint32Array([1, 1]), 1);
    expect(Array.from(b)).toEqual([0, 1]);
    const c = new Uint32Array([10]);
    subMod(c, new Uint32Array([11]), 8);
    expect(c[0]).toBe(255);
  });

  it('rejects bad bits and mismatched lengths', () => {
    expect(errorOf(() => addMod(new Uint32Array(2), new Uint32Array(2), 0)).parameter).toBe('bits');
    expect(errorOf(() => subMod(new Uint32Array(2), new Uint32Array(2), 33)).parameter).toBe('bits');
    expect(errorOf(() => addMod(new Uint32Array(2), new Uint32Array(3), 16)).parameter).toBe('b');
  });
});
