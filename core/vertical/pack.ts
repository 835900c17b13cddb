/**
 * The byte format of the arrays vertical parties send each other inside sealed envelopes: a
 * 4-byte big-endian header length, a JSON header listing each array's name, element type and
 * length, then the arrays' bytes (little-endian, each padded to 8 bytes) in header order.
 * {@link unpackArrays} checks every length against the bytes present and names what is wrong.
 */
import { CoreInputError } from '../types.ts';

/** An array that can travel in a packed message. */
export type PackedArray = BigUint64Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

const TYPES = {
  u64: BigUint64Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  u8: Uint8Array,
} as const;
type TypeName = keyof typeof TYPES;

function typeOf(a: PackedArray): TypeName {
  if (a instanceof BigUint64Array) return 'u64';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  return 'u8';
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Packs named arrays into one byte string. */
export function packArrays(arrays: Record<string, PackedArray>): Uint8Array {
  const entries = Object.entries(arrays);
  const header = Buffer.from(JSON.stringify(entries.map(([name, a]) => [name, typeOf(a), a.length])), 'utf8');
  const start = pad8(4 + header.length);
  const total = entries.reduce((s, [, a]) => s + pad8(a.byteLength), start);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, header.length);
  out.set(header, 4);
  let at = start;
  for (const [, a] of entries) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += pad8(a.byteLength);
  }
  return out;
}

/** Unpacks what {@link packArrays} made; throws naming the field that does not fit. */
export function unpackArrays(bytes: Uint8Array, what = 'message'): Record<string, PackedArray> {
  if (bytes.length < 4) throw new CoreInputError(`${what}: ${bytes.length} bytes is too short for a packed message`, 'bytes');
  const headLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + headLen > bytes.length) throw new CoreInputError(`${what}: header of ${headLen} bytes runs past the end (${bytes.length} bytes)`, 'bytes');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(4, 4 + headLen)).toString('utf8'));
  } catch (err) {
    throw new CoreInputError(`${what}: the header is not JSON (${(err as Error).message})`, 'bytes');
  }
  if (!Array.isArray(header)) throw new CoreInputError(`${what}: the header is not a list`, 'bytes');
  const out: Record<string, PackedArray> = {};
  let at = pad8(4 + headLen);
  for (const entry of header as unknown[]) {
    const [name, type, length] = Array.isArray(entry) ? entry : [];
    if (typeof name !== 'string' || typeof type !== 'string' || !(type in TYPES) || !Number.isSafeInteger(length) || (length as number) < 0) {
      throw new CoreInputError(`${what}: malformed header entry ${JSON.stringify(entry)}`, 'bytes');
    }
    const Ctor = TYPES[type as TypeName];
    const byteLength = (length as number) * Ctor.BYTES_PER_ELEMENT;
    if (at + byteLength > bytes.length) throw new CoreInputError(`${what}: array "${name}" of ${length} ${type} runs past the end`, name);
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(at, at + byteLength));
    out[name] = new Ctor(copy.buffer, 0, length as number);
    at += pad8(byteLength);
  }
  return out;
}

/** The array `name` of `arrays`, checked to be of `type`'s kind and, when given, of `length`. */
export function field<T extends TypeName>(arrays: Record<string, PackedArray>, name: string, type: T, length?: number, what = 'message'): InstanceType<(typeof TYPES)[T]> {
  const a = arrays[name];
  if (!a) throw new CoreInputError(`${what}: field "${name}" is missing`, name);
  if (typeOf(a) !== type) throw new CoreInputError(`${what}: field "${name}" is ${typeOf(a)}, expected ${type}`, name);
  if (length !== undefined && a.length !== length) throw new CoreInputError(`${what}: field "${name}" has ${a.length} elements, expected ${length}`, name);
  return a as InstanceType<(typeof TYPES)[T]>;
}
