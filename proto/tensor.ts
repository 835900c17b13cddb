/**
 * Serde between typed arrays and the wire `Tensor` message (raw little-endian bytes + dtype +
 * shape). Decoding validates size before allocating and rejects non-finite floats, so nothing
 * malformed reaches the core.
 */
import type { Tensor } from './generated/fedcredit/v1/Tensor';
import type { Tensor__Output } from './generated/fedcredit/v1/Tensor';
import type { Contribution } from '../core/types';

/** Error for a malformed tensor on the wire; the gRPC layer maps it to INVALID_ARGUMENT. */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

const BYTES_PER: Record<string, number> = { FLOAT32: 4, FLOAT64: 8, INT32: 4, UINT32: 4 };

function copyBytes(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
}

/** Encode a float32 vector (e.g. model weights). */
export function float32Tensor(name: string, v: Float32Array, shape: number[] = [v.length]): Tensor {
  return { name, dtype: 'FLOAT32', shape, data: copyBytes(v) };
}

/** Encode a float64 vector (e.g. a contribution). */
export function float64Tensor(name: string, v: Float64Array, shape: number[] = [v.length]): Tensor {
  return { name, dtype: 'FLOAT64', shape, data: copyBytes(v) };
}

function checkedCount(t: Tensor__Output, maxElements: number): number {
  if (!(t.dtype in BYTES_PER)) throw new WireFormatError(`tensor "${t.name}": unsupported dtype ${String(t.dtype)}`);
  let count = 1;
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 0) throw new WireFormatError(`tensor "${t.name}": bad dimension ${d}`);
    count *= d;
  }
  if (count > maxElements) throw new WireFormatError(`tensor "${t.name}": ${count} elements exceed the limit of ${maxElements}`);
  const want = count * BYTES_PER[t.dtype];
  if (t.data.length !== want) {
    throw new WireFormatError(`tensor "${t.name}": shape [${t.shape.join(',')}] ${t.dtype} needs ${want} bytes, got ${t.data.length}`);
  }
  return count;
}

function assertFinite(name: string, v: ArrayLike<number>): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new WireFormatError(`tensor "${name}": element ${i} is not a finite number (${v[i]})`);
  }
}

/** Decode a float tensor (FLOAT32 or FLOAT64) into a Float64Array; rejects NaN/Inf. */
export function decodeFloat64(t: Tensor__Output, maxElements = 1 << 28): Float64Array {
  const count = checkedCount(t, maxElements);
  const buf = new Uint8Array(t.data).slice().buffer;
  let out: Float64Array;
  if (t.dtype === 'FLOAT64') out = new Float64Array(buf, 0, count);
  else if (t.dtype === 'FLOAT32') out = Float64Array.from(new Float32Array(buf, 0, count));
  else throw new WireFormatError(`tensor "${t.name}": expected a float tensor, got ${t.dtype}`);
  assertFinite(t.name, out);
  return out;
}

/** Decode a FLOAT32 tensor into a Float32Array; rejects NaN/Inf. */
export function decodeFloat32(t: Tensor__Output, maxElements = 1 << 28): Float32Array {
  const count = checkedCount(t, maxElements);
  if (t.dtype !== 'FLOAT32') throw new WireFormatError(`tensor "${t.name}": expected FLOAT32, got ${t.dtype}`);
  const out = new Float32Array(new Uint8Array(t.data).slice().buffer, 0, count);
  assertFinite(t.name, out);
  return out;
}

/** Encode a contribution as a list of FLOAT64 tensors. */
export function contributionToWire(c: Contribution): Tensor[] {
  return Object.entries(c).map(([name, v]) => float64Tensor(name, v));
}

/** Decode a contribution; duplicate names are rejected. Lengths are checked by the aggregator. */
export function contributionFromWire(tensors: Tensor__Output[], maxElements?: number): Contribution {
  const out: Contribution = {};
  for (const t of tensors) {
    if (!t.name) throw new WireFormatError('contribution vector without a name');
    if (Object.hasOwn(out, t.name)) throw new WireFormatError(`contribution vector "${t.name}" appears twice`);
    out[t.name] = decodeFloat64(t, maxElements);
  }
  return out;
}
