/**
 * Encoding of a {@link Contribution} (named float vectors) into one vector of words in Z_{2^32}
 * so that the secure sum of the words decodes to the sum of the contributions. Two encodings:
 *
 * - `quantized`: one word per coordinate, clipped to [−clip, clip] and stochastically rounded
 *   (quantize.ts). For model updates, where a small relative error is fine and size matters.
 * - `integer`: one word per coordinate holding an integer already (client-level DP: a rounded,
 *   noised update); `sumBound` bounds |sum| per coordinate over all summands, below 2^31.
 * - `fixed`: exact fixed point. A value becomes the integer round(v·2^fracBits), taken modulo
 *   2^(16·limbs) and split into 16-bit limbs, one per word. Each limb sums without wrapping for
 *   fewer than 2^16 summands, and the total is rebuilt with bigint, then read as a signed
 *   integer. For counts (histograms, example counts) and preprocessing statistics, which must be
 *   exact and can be large (sums of squares of incomes).
 *
 * The plan is derived from the stage's shape and is public (the coordinator and every
 * participant compute the same one); nothing in it depends on anyone's data.
 */
import type { Contribution, ContributionShape, Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { dequantizeSum, quantParamsFor, quantize } from './quantize.ts';

/** How one named vector is encoded. */
export type VectorEncoding =
  | { kind: 'quantized'; clip: number }
  | { kind: 'integer'; sumBound: number }
  | { kind: 'fixed'; fracBits: number; limbs: number };

/** Largest |sum| an `integer` vector may reach: the signed range of a 32-bit word. */
export const INTEGER_SUM_LIMIT = 2 ** 31 - 1;

/** Encoding of every vector of a stage, in name order, for at most `maxSummands` summands. */
export interface EncodingPlan {
  shape: ContributionShape;
  encodings: Record<string, VectorEncoding>;
  maxSummands: number;
}

const LIMB = 16;
const MAX_SUMMANDS = 2 ** LIMB - 1;

/** One vector of a checked plan: its name, number of coordinates and encoding. */
export interface PlannedVector {
  name: string;
  length: number;
  encoding: VectorEncoding;
}

/** Words a vector of `length` coordinates occupies under `e`. */
export function wordsOf(e: VectorEncoding, length: number): number {
  return e.kind === 'fixed' ? length * e.limbs : length;
}

/**
 * Checks a plan and returns its vectors in name order (the order of their words). Throws
 * {@link CoreInputError}: `maxSummands` when out of range, `encodings` when a vector of the shape
 * has no encoding or a fixed encoding has bad limbs/fracBits.
 */
export function planVectors(plan: EncodingPlan): PlannedVector[] {
  if (!Number.isInteger(plan.maxSummands) || plan.maxSummands < 1 || plan.maxSummands > MAX_SUMMANDS) {
    throw new CoreInputError(`maxSummands must be an integer in [1, ${MAX_SUMMANDS}], got ${plan.maxSummands}`, 'maxSummands');
  }
  const vectors: PlannedVector[] = [];
  for (const [name, length] of Object.entries(plan.shape).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const e = plan.encodings[name];
    if (!e) throw new CoreInputError(`no encoding for vector "${name}"`, 'encodings');
    if (e.kind === 'fixed' && (!Number.isInteger(e.limbs) || e.limbs < 1 || e.limbs > 8 || !Number.isInteger(e.fracBits) || e.fracBits < 0)) {
      throw new CoreInputError(`vector "${name}": fixed encoding needs 1–8 limbs and fracBits ≥ 0`, 'encodings');
    }
    vectors.push({ name, length, encoding: e });
  }
  return vectors;
}

/** Total number of words of checked plan vectors. */
function totalWords(vectors: PlannedVector[]): number {
  let words = 0;
  for (const { length, encoding } of vectors) words += wordsOf(encoding, length);
  return words;
}

/** Checks a plan and returns its total number of words. */
export function planWords(plan: EncodingPlan): number {
  return totalWords(planVectors(plan));
}

/** Largest |value| a fixed encoding can carry so that a sum of `n` of them cannot overflow. */
export function fixedLimit(e: { fracBits: number; limbs: number }, n: number): number {
  return 2 ** (LIMB * e.limbs - 1) / n / 2 ** e.fracBits;
}

/** Encodes a contribution; returns the words and how many coordinates were clipped. */
export function encodeContribution(c: Contribution, plan: EncodingPlan, rng: Rng): { words: Uint32Array; clipped: number } {
  const vectors = planVectors(plan);
  const out = new Uint32Array(totalWords(vectors));
  let off = 0;
  let clipped = 0;
  for (const { name, length: len, encoding: e } of vectors) {
    const v = c[name];
    if (!v || v.length !== len) throw new CoreInputError(`vector "${name}" must have ${len} elements, got ${v ? v.length : 'none'}`, name);
    if (e.kind === 'quantized') {
      const q = quantize(v, quantParamsFor(e.clip, 32, plan.maxSummands), rng);
      out.set(q.values, off);
      clipped += q.clipped;
      off += len;
      continue;
    }
    if (e.kind === 'integer') {
      for (let i = 0; i < len; i++) {
        const x = v[i]!; // i < len === v.length
        if (!Number.isSafeInteger(x) || Math.abs(x) > e.sumBound) {
          throw new CoreInputError(`vector "${name}"[${i}] = ${x} is not an integer within ±${e.sumBound}`, name);
        }
        out[off++] = x >>> 0;
      }
      continue;
    }
    const limit = fixedLimit(e, plan.maxSummands);
    const modulus = 1n << BigInt(LIMB * e.limbs);
    for (let i = 0; i < len; i++) {
      const value = v[i]!; // i < len === v.length
      if (!Number.isFinite(value) || Math.abs(value) >= limit) {
        throw new CoreInputError(`vector "${name}"[${i}] = ${value} is outside the fixed-point range ±${limit.toExponential(3)}`, name);
      }
      let x = BigInt(Math.round(value * 2 ** e.fracBits)) % modulus;
      if (x < 0n) x += modulus;
      for (let k = 0; k < e.limbs; k++) {
        out[off++] = Number(x & 0xffffn);
        x >>= 16n;
      }
    }
  }
  return { words: out, clipped };
}

/** Decodes the (mod 2^32) sum of `summands` encoded contributions. */
export function decodeSum(words: Uint32Array, plan: EncodingPlan, summands: number): Contribution {
  const vectors = planVectors(plan);
  const expected = totalWords(vectors);
  if (words.length !== expected) throw new CoreInputError(`expected ${expected} words, got ${words.length}`, 'words');
  if (!Number.isInteger(summands) || summands < 1 || summands > plan.maxSummands) {
    throw new CoreInputError(`summands must be an integer in [1, ${plan.maxSummands}], got ${summands}`, 'summands');
  }
  const out: Contribution = {};
  let off = 0;
  for (const { name, length: len, encoding: e } of vectors) {
    if (e.kind === 'quantized') {
      out[name] = dequantizeSum(words.subarray(off, off + len), quantParamsFor(e.clip, 32, plan.maxSummands), summands);
      off += len;
      continue;
    }
    if (e.kind === 'integer') {
      out[name] = Float64Array.from(words.subarray(off, off + len), (w) => w | 0);
      off += len;
      continue;
    }
    const bits = BigInt(LIMB * e.limbs);
    const modulus = 1n << bits;
    const half = 1n << (bits - 1n);
    const v = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      let x = 0n;
      // off < words.length: the plan's vectors fill exactly words.length words (checked above).
      for (let k = 0; k < e.limbs; k++) x += BigInt(words[off++]!) << BigInt(LIMB * k);
      x %= modulus;
      if (x >= half) x -= modulus;
      v[i] = Number(x) / 2 ** e.fracBits;
    }
    out[name] = v;
  }
  return out;
}
