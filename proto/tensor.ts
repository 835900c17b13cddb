/**
 * Serde between typed arrays and the wire `Tensor` message (raw little-endian bytes + dtype +
 * shape). Decoding checks everything before allocating — the name's length, a known dtype, the
 * rank, every dimension a non-negative integer, the element count (multiplied out with an early
 * stop, so a shape like [2^31, 2^31] cannot overflow) within a limit, and the byte length equal
 * to count × dtype size — and then rejects non-finite floats by vector name and index, so nothing
 * malformed reaches the core. Limits are in limits.ts.
 */
import type { Tensor } from './generated/fedcredit/v1/Tensor.ts';
import type { Tensor__Output } from './generated/fedcredit/v1/Tensor.ts';
import type { Contribution } from '../core/types.ts';
import { MAX_CONTRIBUTION_VECTORS, MAX_NAME_CHARS, MAX_TENSOR_ELEMENTS, MAX_TENSOR_RANK, headOf } from './limits.ts';

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

/** The tensor's name, quoted for an error message (at most 64 characters of it). */
function quoted(name: unknown): string {
  const s = typeof name === 'string' ? name : String(name);
  return JSON.stringify(s.length > 64 ? `${headOf(s, 64)}…` : s);
}

/** Encode a float32 vector (e.g. model weights). */
export function float32Tensor(name: string, v: Float32Array, shape: number[] = [v.length]): Tensor {
  return { name, dtype: 'FLOAT32', shape, data: copyBytes(v) };
}

/** Encode a float64 vector (e.g. a contribution). */
export function float64Tensor(name: string, v: Float64Array, shape: number[] = [v.length]): Tensor {
  return { name, dtype: 'FLOAT64', shape, data: copyBytes(v) };
}

/**
 * Checks a tensor's envelope without allocating anything and returns its element count. Throws
 * {@link WireFormatError} naming the tensor and the problem.
 */
export function checkedCount(t: Tensor__Output, maxElements = MAX_TENSOR_ELEMENTS): number {
  if (typeof t.name !== 'string' || t.name.length > MAX_NAME_CHARS) {
    throw new WireFormatError(`tensor name ${quoted(t.name)} is longer than ${MAX_NAME_CHARS} characters`);
  }
  const q = quoted(t.name);
  const bytesPer = typeof t.dtype === 'string' && Object.hasOwn(BYTES_PER, t.dtype) ? BYTES_PER[t.dtype] : undefined;
  if (bytesPer === undefined) {
    throw new WireFormatError(`tensor ${q}: unsupported dtype ${String(t.dtype)} (use FLOAT32, FLOAT64, INT32 or UINT32)`);
  }
  if (!Array.isArray(t.shape) || t.shape.length > MAX_TENSOR_RANK) {
    throw new WireFormatError(`tensor ${q}: shape has ${Array.isArray(t.shape) ? t.shape.length : 'no'} dimensions, at most ${MAX_TENSOR_RANK} are allowed`);
  }
  for (const [i, d] of t.shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0) throw new WireFormatError(`tensor ${q}: dimension ${i} is ${d}, not a non-negative integer`);
  }
  let count = t.shape.includes(0) ? 0 : 1;
  for (const d of t.shape) {
    if (count === 0) break;
    count *= d;
    if (count > maxElements) {
      throw new WireFormatError(`tensor ${q}: shape [${t.shape.join(',')}] has more than the limit of ${maxElements} elements`);
    }
  }
  if (!(t.data instanceof Uint8Array)) throw new WireFormatError(`tensor ${q}: data is missing`);
  const want = count * bytesPer;
  if (t.data.length !== want) {
    throw new WireFormatError(`tensor ${q}: shape [${t.shape.join(',')}] ${t.dtype} needs ${want} bytes, got ${t.data.length}`);
  }
  return count;
}

/** Throws unless every element is finite, naming the vector and the first bad index. */
function assertFinite(name: string, v: ArrayLike<number>): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new WireFormatError(`tensor ${quoted(name)}: element ${i} is ${v[i]}; only finite numbers are accepted`);
  }
}

/** The tensor's bytes in a fresh, aligned ArrayBuffer (one copy). */
function ownBuffer(data: Uint8Array): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

/** Decode a float tensor (FLOAT32 or FLOAT64) into a Float64Array; rejects NaN/Inf. */
export function decodeFloat64(t: Tensor__Output, maxElements = MAX_TENSOR_ELEMENTS): Float64Array {
  const count = checkedCount(t, maxElements);
  let out: Float64Array;
  if (t.dtype === 'FLOAT64') out = new Float64Array(ownBuffer(t.data), 0, count);
  else if (t.dtype === 'FLOAT32') out = Float64Array.from(new Float32Array(ownBuffer(t.data), 0, count));
  else throw new WireFormatError(`tensor ${quoted(t.name)}: expected a float tensor (FLOAT32 or FLOAT64), got ${t.dtype}`);
  assertFinite(t.name, out);
  return out;
}

/** Decode a FLOAT32 tensor into a Float32Array; rejects NaN/Inf. */
export function decodeFloat32(t: Tensor__Output, maxElements = MAX_TENSOR_ELEMENTS): Float32Array {
  const count = checkedCount(t, maxElements);
  if (t.dtype !== 'FLOAT32') throw new WireFormatError(`tensor ${quoted(t.name)}: expected FLOAT32, got ${t.dtype}`);
  const out = new Float32Array(ownBuffer(t.data), 0, count);
  assertFinite(t.name, out);
  return out;
}

/** Encode a contribution as a list of FLOAT64 tensors. */
export function contributionToWire(c: Contribution): Tensor[] {
  return Object.entries(c).map(([name, v]) => float64Tensor(name, v));
}

/**
 * Decode a contribution: at most {@link MAX_CONTRIBUTION_VECTORS} named, one-dimensional, finite
 * float vectors; empty, reserved and duplicate names are rejected. Whether the names and lengths
 * are the ones the task expects is checked at delivery (core/round/reply-check.ts).
 */
export function contributionFromWire(tensors: Tensor__Output[], maxElements?: number): Contribution {
  if (tensors.length > MAX_CONTRIBUTION_VECTORS) {
    throw new WireFormatError(`contribution has ${tensors.length} vectors, at most ${MAX_CONTRIBUTION_VECTORS} are allowed`);
  }
  const out: Contribution = {};
  for (const t of tensors) {
    if (!t.name) throw new WireFormatError('contribution vector without a name');
    if (t.name === '__proto__') throw new WireFormatError('contribution vector name "__proto__" is reserved');
    if (Object.hasOwn(out, t.name)) throw new WireFormatError(`contribution vector ${quoted(t.name)} appears twice`);
    const count = checkedCount(t, maxElements);
    if (t.shape.length !== 1) {
      throw new WireFormatError(`contribution vector ${quoted(t.name)} must be one-dimensional, got shape [${t.shape.join(',')}] (${count} elements)`);
    }
    out[t.name] = decodeFloat64(t, maxElements);
  }
  return out;
}
