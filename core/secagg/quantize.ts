/**
 * Quantization of real-valued updates into Z_{2^bits} for secure aggregation (Bonawitz et al.,
 * CCS 2017, §3: inputs are vectors in Z_R; here R = 2^bits with bits ≤ 32), with unbiased
 * stochastic rounding (as in Kairouz, Liu, Steinke, ICML 2021, "The Distributed Discrete
 * Gaussian Mechanism for Federated Learning with Secure Aggregation", §4).
 *
 * Mapping. A coordinate v is clipped to c ∈ [−clip, clip], then mapped to r = (c + clip)/(2·clip)·L
 * ∈ [0, L] and rounded stochastically to ⌊r⌋ or ⌊r⌋ + 1 with P(up) = r − ⌊r⌋, so E[q] = r. The
 * quantization step is 2·clip / L. A sum of k quantized vectors is Σq ∈ [0, k·L]; it is exact mod
 * 2^bits only while k·L ≤ 2^bits − 1, so {@link quantParamsFor} picks L = ⌊(2^bits − 1)/n⌋ for at
 * most n summands and refuses (loudly) when that leaves fewer than 2 levels — the "n·range
 * overflowing the modulus" pitfall. Clipped coordinates are counted, never
 * silently saturated. Quantize the update (delta), not the weights, to keep the range small.
 *
 * Rounding draws one 32-bit uniform per coordinate from the injected {@link Rng}: P(up) differs
 * from r − ⌊r⌋ by less than 2^−32, far below any other error here.
 */
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';

/**
 * Configured quantization of one aggregated vector: coordinates clipped to [−clip, clip] and
 * encoded in Z_{2^bits}. `scale` optionally fixes the number of levels L (steps across
 * [−clip, clip]); by default {@link resolveQuantParams} takes the largest L that cannot overflow.
 */
export interface QuantizeParams {
  clip: number;
  bits: number;
  /** Optional explicit number of levels L (integer ≥ 2); must still satisfy n·L ≤ 2^bits − 1. */
  scale?: number;
}

/** Fully resolved quantization: clip range, modulus bits and levels L (see module header). */
export interface QuantParams {
  clip: number;
  bits: number;
  levels: number;
}

/** Result of {@link quantize}: the integer vector and how many coordinates were clipped. */
export interface Quantized {
  values: Uint32Array;
  clipped: number;
}

const CHUNK = 16384; // coordinates per rng call
const TWO_TO_MINUS_33 = 2 ** -33;

/**
 * Largest-resolution parameters for summing at most `maxSummands` vectors without wrapping mod
 * 2^bits: levels = ⌊(2^bits − 1) / maxSummands⌋. Throws {@link CoreInputError}: `clip` unless
 * finite and > 0, `bits` unless an integer in [1, 32], `maxSummands` unless a positive integer or
 * when levels < 2 (n · levels would not fit the modulus).
 */
export function quantParamsFor(clip: number, bits: number, maxSummands: number): QuantParams {
  checkClipBits(clip, bits);
  if (!Number.isSafeInteger(maxSummands) || maxSummands < 1) {
    throw new CoreInputError(`maxSummands must be a positive integer, got ${maxSummands}`, 'maxSummands');
  }
  const levels = Math.floor((2 ** bits - 1) / maxSummands);
  if (levels < 2) {
    throw new CoreInputError(
      `n·range overflows the modulus: n = ${maxSummands} summands × levels = ${levels} needs at least ` +
        `n·2 ≤ 2^${bits} − 1; raise bits or lower the number of participants`,
      'maxSummands',
    );
  }
  return { clip, bits, levels };
}

/**
 * Resolves configured {@link QuantizeParams} for at most `maxSummands` summands: the explicit
 * `scale` when given (checked to be an integer ≥ 2 with maxSummands·scale ≤ 2^bits − 1, else
 * CoreInputError `scale`), otherwise {@link quantParamsFor}.
 */
export function resolveQuantParams(p: QuantizeParams, maxSummands: number): QuantParams {
  const auto = quantParamsFor(p.clip, p.bits, maxSummands);
  if (p.scale === undefined) return auto;
  if (!Number.isInteger(p.scale) || p.scale < 2 || p.scale > auto.levels) {
    throw new CoreInputError(
      `scale (levels) must be an integer in [2, ${auto.levels}] so that n = ${maxSummands} × levels ` +
        `fits 2^${p.bits} − 1, got ${p.scale}`,
      'scale',
    );
  }
  return { clip: p.clip, bits: p.bits, levels: p.scale };
}

/**
 * Clips `v` to [−q.clip, q.clip] and stochastically rounds it to integers in [0, q.levels]
 * (unbiased; randomness from `rng`). Returns the integers and the number of clipped coordinates
 * (|v_i| > clip). Throws {@link CoreInputError}: `v` naming the index of a non-finite value,
 * `q` when the parameters are inconsistent (levels must be an integer in [2, 2^bits − 1]).
 */
export function quantize(v: Float32Array | Float64Array, q: QuantParams, rng: Rng): Quantized {
  checkParams(q);
  const { clip, levels } = q;
  const values = new Uint32Array(v.length);
  const perUnit = levels / (2 * clip);
  let clipped = 0;
  for (let start = 0; start < v.length; start += CHUNK) {
    const end = Math.min(v.length, start + CHUNK);
    const bytes = rng(4 * (end - start));
    if (!(bytes instanceof Uint8Array) || bytes.length !== 4 * (end - start)) {
      throw new CoreInputError('rng returned the wrong number of bytes', 'rng');
    }
    const uniforms = littleEndianWords(bytes);
    for (let i = start; i < end; i++) {
      let c = v[i]!;
      if (!Number.isFinite(c)) throw new CoreInputError(`v[${i}] is not finite (${c})`, 'v');
      if (c > clip) {
        c = clip;
        clipped++;
      } else if (c < -clip) {
        c = -clip;
        clipped++;
      }
      const r = Math.min(levels, (c + clip) * perUnit);
      const lo = Math.floor(r);
      // Up by one exactly when the draw u < (r − lo)·2^32. Their difference is exact in a double and
      // lies in (−2^32, 2^32), so scaled by 2^−33 it is in (−½, ½) and its ceiling is that 0 or 1:
      // the same result as a comparison, without a branch the processor mispredicts half the time.
      values[i] = lo + Math.ceil(((r - lo) * 4294967296 - uniforms[i - start]!) * TWO_TO_MINUS_33);
    }
  }
  return { values, clipped };
}

/** True where typed arrays store numbers little-endian (every platform Node supports today). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The bytes as little-endian 32-bit words: a view on the same memory when it is 4-byte aligned
 * and the platform is little-endian, otherwise a decoded copy. Either way word k is bytes
 * 4k..4k+3 read least significant first, so the draws do not depend on the platform.
 */
function littleEndianWords(bytes: Uint8Array): Uint32Array {
  const n = bytes.length >>> 2;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const b = 4 * k;
    out[k] = (bytes[b]! | (bytes[b + 1]! << 8) | (bytes[b + 2]! << 16) | (bytes[b + 3]! << 24)) >>> 0;
  }
  return out;
}

/**
 * Maps the (unmasked) sum of `summands` quantized vectors back to reals:
 * sum_i / levels · 2·clip − summands·clip. Throws {@link CoreInputError}: `summands` unless a
 * positive integer with summands·levels ≤ 2^bits − 1 (otherwise the sum may have wrapped and
 * cannot be decoded), `q` on inconsistent parameters.
 */
export function dequantizeSum(sum: Uint32Array, q: QuantParams, summands: number): Float64Array {
  checkParams(q);
  if (!Number.isSafeInteger(summands) || summands < 1 || summands * q.levels > 2 ** q.bits - 1) {
    throw new CoreInputError(
      `summands must be a positive integer with summands × levels ≤ 2^${q.bits} − 1 ` +
        `(levels = ${q.levels}), got ${summands}`,
      'summands',
    );
  }
  const step = (2 * q.clip) / q.levels;
  const offset = summands * q.clip;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! * step - offset;
  return out;
}

/** a ← (a + b) mod 2^bits, element-wise and in place. Throws {@link CoreInputError} on bad `bits`/`b` length. */
export function addMod(a: Uint32Array, b: Uint32Array, bits: number): void {
  const mask = modMask(bits, a, b);
  const n = a.length;
  // A Uint32Array store keeps the low 32 bits (ToUint32), i.e. reduces mod 2^32 by itself.
  if (bits === 32) for (let i = 0; i < n; i++) a[i]! += b[i]!;
  else for (let i = 0; i < n; i++) a[i] = (a[i]! + b[i]!) & mask;
}

/** a ← (a − b) mod 2^bits, element-wise and in place. Throws {@link CoreInputError} on bad `bits`/`b` length. */
export function subMod(a: Uint32Array, b: Uint32Array, bits: number): void {
  const mask = modMask(bits, a, b);
  const n = a.length;
  if (bits === 32) for (let i = 0; i < n; i++) a[i]! -= b[i]!;
  else for (let i = 0; i < n; i++) a[i] = (a[i]! - b[i]!) & mask;
}

/** 2^bits − 1 after checking `bits` ∈ [1, 32] and equal lengths (internal to add/sub). */
function modMask(bits: number, a: Uint32Array, b: Uint32Array): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
    throw new CoreInputError(`bits must be an integer in [1, 32], got ${bits}`, 'bits');
  }
  if (a.length !== b.length) throw new CoreInputError(`b has length ${b.length}, a has ${a.length}`, 'b');
  return bits === 32 ? 0xffffffff : 2 ** bits - 1;
}

function checkClipBits(clip: number, bits: number): void {
  if (!Number.isFinite(clip) || clip <= 0) throw new CoreInputError(`clip must be finite and > 0, got ${clip}`, 'clip');
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
    throw new CoreInputError(`bits must be an integer in [1, 32], got ${bits}`, 'bits');
  }
}

function checkParams(q: QuantParams): void {
  try {
    checkClipBits(q.clip, q.bits);
  } catch (e) {
    throw new CoreInputError(`q is invalid: ${(e as Error).message}`, 'q', { cause: e });
  }
  if (!Number.isInteger(q.levels) || q.levels < 2 || q.levels > 2 ** q.bits - 1) {
    throw new CoreInputError(`q.levels must be an integer in [2, 2^${q.bits} − 1], got ${q.levels}`, 'q');
  }
}
