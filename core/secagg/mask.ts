/**
 * Additive masking of quantized inputs (Bonawitz et al., CCS 2017, §4, "Practical Secure
 * Aggregation for Privacy-Preserving Machine Learning"):
 *
 *     y_u = x_u + PRG(b_u) + Σ_{v ≠ u} ±PRG(s_uv)   (mod 2^bits)
 *
 * with sign +1 when u < v and −1 when u > v, so every pairwise mask cancels in Σ_u y_u and the
 * server is left with Σ_u x_u + Σ_u PRG(b_u), from which it subtracts the self-masks it
 * reconstructs for the survivors. PRG is {@link expandMask} (ChaCha20, RFC 8439) keyed by
 * single-use keys from `deriveKey`. Masks are reduced mod 2^bits by keeping the low bits of each
 * uniform uint32 word, which stays uniform.
 */
import { CoreInputError } from '../types';
import { expandMask } from './prg';
import { addMod, subMod } from './quantize';

/** One PRG mask term: a single-use 32-byte key and whether PRG(key) is added (1) or subtracted (−1). */
export interface MaskTerm {
  key: Uint8Array;
  sign: 1 | -1;
}

/**
 * Returns a new vector x + Σ sign·expandMask(key, x.length) mod 2^bits; `x` is left untouched.
 * The same call with every sign flipped removes the masks again ({@link removeMask}).
 * Throws {@link CoreInputError}: `bits` unless an integer in [1, 32], `x` when a value is not
 * below 2^bits, `masks` when a sign is not ±1; key errors are reported as `key` by expandMask.
 */
export function applyMask(x: Uint32Array, masks: MaskTerm[], bits: number): Uint32Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
    throw new CoreInputError(`bits must be an integer in [1, 32], got ${bits}`, 'bits');
  }
  if (bits < 32) {
    const limit = 2 ** bits;
    for (let i = 0; i < x.length; i++) {
      if (x[i] >= limit) throw new CoreInputError(`x[${i}] = ${x[i]} is not below 2^${bits}`, 'x');
    }
  }
  const y = Uint32Array.from(x);
  for (const m of masks) {
    if (m.sign !== 1 && m.sign !== -1) throw new CoreInputError(`mask sign must be 1 or -1, got ${m.sign}`, 'masks');
    const prg = expandMask(m.key, x.length);
    if (m.sign === 1) addMod(y, prg, bits);
    else subMod(y, prg, bits);
  }
  return y;
}

/** Inverse of {@link applyMask}: y − Σ sign·expandMask(key) mod 2^bits, as a new vector. */
export function removeMask(y: Uint32Array, masks: MaskTerm[], bits: number): Uint32Array {
  return applyMask(
    y,
    masks.map((m) => ({ key: m.key, sign: m.sign === 1 ? -1 : 1 })),
    bits,
  );
}

/**
 * The sign of the pairwise mask s_uv in y_u: +1 when `self` sorts before `peer` (JavaScript `<`
 * on the ids, the same canonical order `deriveKey` uses for `mask`), −1 otherwise, so the two
 * terms cancel in the sum. Throws {@link CoreInputError} (`peer`) when the ids are equal.
 */
export function pairSign(self: string, peer: string): 1 | -1 {
  if (self === peer) throw new CoreInputError(`a participant has no pairwise mask with itself (${self})`, 'peer');
  return self < peer ? 1 : -1;
}
