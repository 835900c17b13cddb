/**
 * Persistence form of {@link StrategyState} (the saved state has a zod schema, so
 * a crash can resume or abort cleanly). Vectors become base64 (RFC 4648 §4, with padding) of
 * their little-endian IEEE-754 bytes — float32 for the weights, float64 for the optimiser
 * moments — so a round-trip is bit-exact and independent of the host's byte order.
 *
 * The base64 codec is written here rather than taken from Node's Buffer so the core stays free
 * of platform APIs.
 */
import { z } from 'zod';
import { CoreInputError } from '../types.ts';
import type { StrategyState } from './strategy.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Zod schema of a persisted strategy state (validate at the edge before decoding). */
export const EncodedStrategyStateSchema = z
  .object({
    version: z.literal(1),
    round: z.number().int().min(0),
    /** base64 of the little-endian float32 weights. */
    weights: z.string(),
    /** base64 of the little-endian float64 first moment. */
    m: z.string().optional(),
    /** base64 of the little-endian float64 second moment. */
    v: z.string().optional(),
  })
  .strict();

/** JSON-safe form of a {@link StrategyState}. */
export type EncodedStrategyState = z.infer<typeof EncodedStrategyStateSchema>;

/** Standard base64 with `=` padding of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const w = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[w >>> 18]! + ALPHABET[(w >>> 12) & 63]! + ALPHABET[(w >>> 6) & 63]! + ALPHABET[w & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const w = bytes[i]! << 16;
    out += ALPHABET[w >>> 18]! + ALPHABET[(w >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const w = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[w >>> 18]! + ALPHABET[(w >>> 12) & 63]! + ALPHABET[(w >>> 6) & 63]! + '=';
  }
  return out;
}

/** Bytes of a padded standard base64 string; throws {@link CoreInputError} (naming `parameter`) if malformed. */
export function base64ToBytes(text: string, parameter = 'text'): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new CoreInputError(`${parameter} is not padded base64 (length ${text.length})`, parameter);
  }
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let w = 0;
    for (let j = 0; j < 4; j++) {
      const pos = i + j;
      const isPad = pos >= text.length - pad;
      const code = text.charCodeAt(pos);
      const val = isPad ? (code === 61 ? 0 : -1) : code < 128 ? DECODE[code]! : -1;
      if (val < 0) throw new CoreInputError(`${parameter} has an invalid base64 character at ${pos}`, parameter);
      w = (w << 6) | val;
    }
    if (o < out.length) out[o++] = (w >>> 16) & 255;
    if (o < out.length) out[o++] = (w >>> 8) & 255;
    if (o < out.length) out[o++] = w & 255;
  }
  return out;
}

/** base64 of the little-endian bytes of a float32 or float64 vector. */
export function floatsToBase64(values: Float32Array | Float64Array): string {
  const size = values.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (size === 4) view.setFloat32(4 * i, values[i]!, true);
    else view.setFloat64(8 * i, values[i]!, true);
  }
  return bytesToBase64(bytes);
}

/** A float32 vector from base64 of its little-endian bytes. */
export function base64ToFloat32(text: string, parameter = 'text'): Float32Array {
  const bytes = base64ToBytes(text, parameter);
  if (bytes.length % 4 !== 0) {
    throw new CoreInputError(`${parameter} holds ${bytes.length} bytes, not whole float32s`, parameter);
  }
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** A float64 vector from base64 of its little-endian bytes. */
export function base64ToFloat64(text: string, parameter = 'text'): Float64Array {
  const bytes = base64ToBytes(text, parameter);
  if (bytes.length % 8 !== 0) {
    throw new CoreInputError(`${parameter} holds ${bytes.length} bytes, not whole float64s`, parameter);
  }
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}

/** The JSON-safe form of `state` (moments included only when present). */
export function encodeStrategyState(state: StrategyState): EncodedStrategyState {
  const out: EncodedStrategyState = { version: 1, round: state.round, weights: floatsToBase64(state.weights) };
  if (state.m !== undefined) out.m = floatsToBase64(state.m);
  if (state.v !== undefined) out.v = floatsToBase64(state.v);
  return out;
}

/**
 * Parses and decodes a persisted state (e.g. the result of `JSON.parse`). Throws
 * {@link CoreInputError} (with the zod error as `cause` for schema failures) on malformed data or
 * when a moment's length differs from the number of weights.
 */
export function decodeStrategyState(data: unknown): StrategyState {
  const parsed = EncodedStrategyStateSchema.safeParse(data);
  if (!parsed.success) {
    throw new CoreInputError(`invalid strategy state: ${parsed.error.message}`, 'data', { cause: parsed.error });
  }
  const enc = parsed.data;
  const weights = base64ToFloat32(enc.weights, 'data.weights');
  const state: StrategyState = { weights, round: enc.round };
  for (const key of ['m', 'v'] as const) {
    const text = enc[key];
    if (text === undefined) continue;
    const vec = base64ToFloat64(text, `data.${key}`);
    if (vec.length !== weights.length) {
      throw new CoreInputError(`data.${key} has ${vec.length} values but there are ${weights.length} weights`, `data.${key}`);
    }
    state[key] = vec;
  }
  return state;
}
