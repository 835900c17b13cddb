import { describe, expect, it } from 'vitest';
import type { Tensor__Output } from './generated/fedcredit/v1/Tensor.ts';
import { MAX_CONTRIBUTION_VECTORS, MAX_NAME_CHARS, MAX_TENSOR_ELEMENTS, MAX_TENSOR_RANK } from './limits.ts';
import { WireFormatError, checkedCount, contributionFromWire, contributionToWire, decodeFloat32, decodeFloat64, float32Tensor, float64Tensor } from './tensor.ts';

const wire = (t: { name: string; dtype: unknown; shape: number[]; data: Buffer }) => t as unknown as Tensor__Output;
const f64 = (name: string, values: number[], shape = [values.length]) => wire({ name, dtype: 'FLOAT64', shape, data: Buffer.from(Float64Array.from(values).buffer) });
const f32 = (name: string, values: number[], shape = [values.length]) => wire({ name, dtype: 'FLOAT32', shape, data: Buffer.from(Float32Array.from(values).buffer) });

function wireError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WireFormatError);
    return (e as Error).message;
  }
  throw new Error('expected a WireFormatError');
}

describe('tensor decoding', () => {
  it('round-trips float vectors', () => {
    expect(Array.from(decodeFloat64(wire(float64Tensor('u', Float64Array.of(1.5, -2, 0)) as never)))).toEqual([1.5, -2, 0]);
    expect(Array.from(decodeFloat32(wire(float32Tensor('w', Float32Array.of(0.25, 3)) as never)))).toEqual([0.25, 3]);
    expect(Array.from(decodeFloat64(f32('w', [0.5, 2])))).toEqual([0.5, 2]);
    const c = contributionFromWire(contributionToWire({ update: Float64Array.of(1, 2), weight: Float64Array.of(3) }) as never);
    expect(Object.keys(c).sort()).toEqual(['update', 'weight']);
  });

  it('decodes from a Buffer that is a view into a larger pool at an odd offset', () => {
    const pool = Buffer.alloc(1 + 16);
    pool.set(new Uint8Array(Float64Array.of(7, 8).buffer), 1);
    expect(Array.from(decodeFloat64(wire({ name: 'v', dtype: 'FLOAT64', shape: [2], data: pool.subarray(1) })))).toEqual([7, 8]);
  });

  it('rejects NaN and ±Infinity naming the vector and the index', () => {
    expect(wireError(() => decodeFloat64(f64('update', [1, NaN])))).toBe('tensor "update": element 1 is NaN; only finite numbers are accepted');
    expect(wireError(() => decodeFloat64(f32('loss', [Infinity])))).toMatch(/"loss": element 0 is Infinity/);
    expect(wireError(() => decodeFloat32(f32('weights', [0, 0, -Infinity])))).toMatch(/"weights": element 2 is -Infinity/);
  });

  it('checks the shape before allocating: overflowing, negative, fractional and too many dimensions', () => {
    const empty = Buffer.alloc(0);
    expect(wireError(() => checkedCount(wire({ name: 'x', dtype: 'FLOAT64', shape: [2 ** 31, 2 ** 31], data: empty })))).toMatch(
      `has more than the limit of ${MAX_TENSOR_ELEMENTS} elements`,
    );
    expect(wireError(() => checkedCount(wire({ name: 'x', dtype: 'FLOAT32', shape: [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1], data: empty })))).toMatch(/more than the limit/);
    expect(wireError(() => checkedCount(wire({ name: 'x', dtype: 'FLOAT32', shape: [-1], data: empty })))).toMatch(/dimension 0 is -1/);
    expect(wireError(() => checkedCount(wire({ name: 'x', dtype: 'FLOAT32', shape: [1.5], data: empty })))).toMatch(/dimension 0 is 1.5/);
    expect(wireError(() => checkedCount(wire({ name: 'x', dtype: 'FLOAT32', shape: Array(MAX_TENSOR_RANK + 1).fill(1), data: empty })))).toMatch(/dimensions, at most 8/);
    // A zero dimension makes the tensor empty whatever the others claim.
    expect(checkedCount(wire({ name: 'x', dtype: 'FLOAT32', shape: [2 ** 31, 0], data: empty }))).toBe(0);
    expect(checkedCount(wire({ name: 'x', dtype: 'FLOAT32', shape: [], data: Buffer.alloc(4) }))).toBe(1);
  });

  it('rejects byte lengths that do not match shape × dtype, and truncated data', () => {
    expect(wireError(() => decodeFloat64(wire({ name: 'v', dtype: 'FLOAT64', shape: [3], data: Buffer.alloc(23) })))).toBe(
      'tensor "v": shape [3] FLOAT64 needs 24 bytes, got 23',
    );
    expect(wireError(() => decodeFloat64(wire({ name: 'v', dtype: 'FLOAT64', shape: [1e6], data: Buffer.alloc(8) })))).toMatch(/needs 8000000 bytes, got 8/);
  });

  it('rejects unknown and mismatched dtypes', () => {
    expect(wireError(() => decodeFloat64(wire({ name: 'v', dtype: 'DTYPE_UNSPECIFIED', shape: [0], data: Buffer.alloc(0) })))).toMatch(/unsupported dtype DTYPE_UNSPECIFIED/);
    expect(wireError(() => decodeFloat64(wire({ name: 'v', dtype: 7, shape: [0], data: Buffer.alloc(0) })))).toMatch(/unsupported dtype 7/);
    expect(wireError(() => decodeFloat64(wire({ name: 'v', dtype: 'toString', shape: [0], data: Buffer.alloc(0) })))).toMatch(/unsupported dtype toString/);
    expect(wireError(() => decodeFloat64(wire({ name: 'v', dtype: 'UINT32', shape: [1], data: Buffer.alloc(4) })))).toMatch(/expected a float tensor/);
    expect(wireError(() => decodeFloat32(f64('w', [1])))).toMatch(/expected FLOAT32, got FLOAT64/);
  });

  it('bounds names and quotes at most 64 characters of them', () => {
    const long = 'n'.repeat(MAX_NAME_CHARS + 1);
    const msg = wireError(() => decodeFloat64(f64(long, [1])));
    expect(msg).toMatch(`longer than ${MAX_NAME_CHARS} characters`);
    expect(msg.length).toBeLessThan(200);
  });
});

describe('contribution decoding', () => {
  it('rejects duplicate, empty, reserved and multi-dimensional vectors, and too many vectors', () => {
    expect(wireError(() => contributionFromWire([f64('a', [1]), f64('a', [2])]))).toBe('contribution vector "a" appears twice');
    expect(wireError(() => contributionFromWire([f64('', [1])]))).toBe('contribution vector without a name');
    expect(wireError(() => contributionFromWire([f64('__proto__', [1])]))).toMatch(/reserved/);
    expect(wireError(() => contributionFromWire([f64('m', [1, 2, 3, 4], [2, 2])]))).toMatch(/"m" must be one-dimensional, got shape \[2,2\]/);
    const many = Array.from({ length: MAX_CONTRIBUTION_VECTORS + 1 }, (_, i) => f64(`v${i}`, [i]));
    expect(wireError(() => contributionFromWire(many))).toMatch(`has ${MAX_CONTRIBUTION_VECTORS + 1} vectors`);
  });

  it('rejects a non-finite element by vector and index', () => {
    expect(wireError(() => contributionFromWire([f64('weight', [1]), f64('update', [0, 0, NaN])]))).toBe('tensor "update": element 2 is NaN; only finite numbers are accepted');
  });

  it('accepts empty vectors (a schema without numeric features has an empty stats vector)', () => {
    expect(contributionFromWire([f64('stats', [])]).stats!.length).toBe(0);
  });
});
