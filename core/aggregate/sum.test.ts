import { describe, it, expect } from 'vitest';
import { CoreInputError } from '../types.ts';
import type { Contribution } from '../types.ts';
import { checkShape, sumContributions, validateContribution, zeroContribution } from './sum.ts';
import { errorOf } from '../../test/support/core.ts';

const SHAPE = { a: 3, b: 1 };

function contrib(a: number[], b: number[]): Contribution {
  return { a: Float64Array.from(a), b: Float64Array.from(b) };
}

describe('sumContributions', () => {
  it('sums element-wise per vector', () => {
    const s = sumContributions([contrib([1, 2, 3], [10]), contrib([0.5, -2, 4], [5]), contrib([0, 0, 1], [1])], SHAPE);
    expect(Array.from(s.a!)).toEqual([1.5, 0, 8]);
    expect(Array.from(s.b!)).toEqual([16]);
    expect(Object.keys(s).sort()).toEqual(['a', 'b']);
  });

  it('returns fresh arrays and leaves the inputs untouched', () => {
    const c0 = contrib([1, 2, 3], [4]);
    const c1 = contrib([1, 1, 1], [1]);
    const s = sumContributions([c0, c1], SHAPE);
    expect(Array.from(c0.a!)).toEqual([1, 2, 3]);
    expect(Array.from(c1.b!)).toEqual([1]);
    const single = sumContributions([c0], SHAPE);
    expect(single.a).not.toBe(c0.a);
    single.a![0] = 99;
    expect(c0.a![0]).toBe(1);
    expect(s.a![0]).toBe(2);
  });

  it('throws on an empty list', () => {
    expect(errorOf(() => sumContributions([], SHAPE)).parameter).toBe('contribs');
  });

  it('names the contribution index and vector on a wrong length', () => {
    const e = errorOf(() => sumContributions([contrib([1, 2, 3], [1]), contrib([1, 2], [1])], SHAPE));
    expect(e.parameter).toBe('contribs[1].a');
    expect(e.message).toMatch(/contribs\[1\]\.a has length 2, expected 3/);
  });

  it('names the contribution on a missing or extra vector', () => {
    const missing = { a: Float64Array.of(1, 2, 3) };
    expect(errorOf(() => sumContributions([contrib([1, 2, 3], [1]), missing], SHAPE)).parameter).toBe('contribs[1].b');
    const extra = { ...contrib([1, 2, 3], [1]), c: Float64Array.of(0) };
    const e = errorOf(() => sumContributions([extra], SHAPE));
    expect(e.parameter).toBe('contribs[0].c');
    expect(e.message).toMatch(/unexpected vector "c"/);
  });

  it('rejects non-finite values and non-Float64Array vectors', () => {
    const nan = contrib([1, NaN, 3], [1]);
    const e = errorOf(() => sumContributions([contrib([1, 2, 3], [1]), contrib([1, 2, 3], [1]), nan], SHAPE));
    expect(e.parameter).toBe('contribs[2].a');
    expect(e.message).toMatch(/\[1\] is not finite/);
    const inf = contrib([1, 2, 3], [-Infinity]);
    expect(errorOf(() => sumContributions([inf], SHAPE)).parameter).toBe('contribs[0].b');
    const f32 = { a: Float32Array.of(1, 2, 3) as unknown as Float64Array, b: Float64Array.of(1) };
    expect(errorOf(() => sumContributions([f32], SHAPE)).message).toMatch(/Float64Array/);
  });

  it('rejects a malformed shape', () => {
    expect(errorOf(() => sumContributions([contrib([1, 2, 3], [1])], {})).parameter).toBe('shape');
    expect(() => checkShape({ a: -1 })).toThrow(CoreInputError);
    expect(() => checkShape({ a: 1.5 })).toThrow(CoreInputError);
  });
});

describe('validateContribution / zeroContribution', () => {
  it('accepts a matching contribution and uses the given label', () => {
    expect(() => validateContribution(contrib([0, 0, 0], [0]), SHAPE)).not.toThrow();
    const e = errorOf(() => validateContribution(contrib([0, 0], [0]), SHAPE, 'party-bank-a'));
    expect(e.parameter).toBe('party-bank-a.a');
  });

  it('builds the zero of the sum', () => {
    const z = zeroContribution(SHAPE);
    expect(Array.from(z.a!)).toEqual([0, 0, 0]);
    expect(Array.from(z.b!)).toEqual([0]);
    const c = contrib([1, 2, 3], [4]);
    expect(sumContributions([z, c], SHAPE)).toEqual(sumContributions([c], SHAPE));
  });
});
