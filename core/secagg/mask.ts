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
 *
 * Speed. Masking is the client's main cost: one ChaCha20 keystream per term plus one addition
 * per word and term. {@link applyMask} walks the vector in chunks of {@link MASK_CHUNK_WORDS}
 * words (64 KiB): for each chunk it reads the next piece of every term's keystream
 * ({@link openMaskStream}, the same words as {@link expandMask}) into one reused buffer and adds
 * it while both are still in cache. The additions run in a 174-byte WebAssembly SIMD kernel
 * (i32x4.add / i32x4.sub, then AND with 2^bits − 1) when this runtime has WebAssembly, and in
 * plain typed-array loops ({@link addMod}/{@link subMod}) otherwise (e.g. `node --jitless`); both
 * give the same words bit for bit. The kernel's scratch memory is zeroed after every call, so no
 * mask material outlives it there.
 *
 * The masks do not depend on x. {@link startMask} computes their sum alone, a chunk per call, so
 * that a client can compute it before its input exists (protocol/mask-ahead.ts) and then add it.
 * Everything stays deterministic and I/O-free.
 */
import { CoreInputError } from '../types.ts';
import { MASK_CHUNK_WORDS, MAX_MASK_WORDS, openMaskStream } from './prg.ts';
import type { MaskStream } from './prg.ts';
import { addMod, subMod } from './quantize.ts';

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
  checkBits(bits);
  if (bits < 32) {
    const limit = 2 ** bits;
    for (let i = 0; i < x.length; i++) {
      if (x[i]! >= limit) throw new CoreInputError(`x[${i}] = ${x[i]} is not below 2^${bits}`, 'x');
    }
  }
  const terms = openTerms(masks, x.length);
  const y = Uint32Array.from(x);
  if (terms.length > 0) maskChunks(y, terms, bits, 0, Number.POSITIVE_INFINITY);
  return y;
}

/**
 * A sum of mask terms, Σ sign·expandMask(key) mod 2^bits — what {@link applyMask} adds to its
 * input — computed a chunk at a time, so that the work can fill moments its owner would
 * otherwise spend waiting.
 */
export interface PendingMask {
  /** True once every chunk is computed. */
  readonly done: boolean;
  /** Computes up to `chunks` more chunks of {@link MASK_CHUNK_WORDS} words (every term of each); returns {@link PendingMask.done}. */
  advance(chunks: number): boolean;
  /** Computes what is left and returns the mask; the caller owns the array. */
  finish(): Uint32Array;
  /** Zeroes what has been computed; the mask cannot be used afterwards. */
  wipe(): void;
}

/**
 * Starts computing Σ sign·expandMask(key, length) mod 2^bits over `masks` (nothing is computed
 * until {@link PendingMask.advance} or {@link PendingMask.finish}). The keys are read now and
 * may be wiped by the caller right after. `applyMask(x, masks, bits)` equals x plus the finished
 * mask, mod 2^bits.
 * Throws {@link CoreInputError} as {@link applyMask} does: `bits`, `masks`, `key`; and `length`
 * unless an integer in [0, 2^28].
 */
export function startMask(length: number, masks: MaskTerm[], bits: number): PendingMask {
  checkBits(bits);
  if (!Number.isInteger(length) || length < 0 || length > MAX_MASK_WORDS) {
    throw new CoreInputError(`length must be an integer in [0, ${MAX_MASK_WORDS}], got ${length}`, 'length');
  }
  const terms = openTerms(masks, length);
  let acc: Uint32Array | undefined = new Uint32Array(length);
  let next = terms.length === 0 ? length : 0;
  const pending: PendingMask = {
    get done() {
      return next >= length;
    },
    advance(chunks: number): boolean {
      if (!acc) throw new CoreInputError('the mask was wiped', 'mask');
      if (next < length) next = maskChunks(acc, terms, bits, next, chunks);
      return next >= length;
    },
    finish(): Uint32Array {
      pending.advance(Number.POSITIVE_INFINITY);
      const out = acc!;
      acc = undefined;
      return out;
    },
    wipe(): void {
      acc?.fill(0);
      acc = undefined;
    },
  };
  return pending;
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

/** Which adder {@link applyMask} uses in this runtime: the WebAssembly SIMD kernel or plain loops. */
export function maskKernel(): 'wasm-simd' | 'js' {
  return simdKernel() ? 'wasm-simd' : 'js';
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const CHUNK_BYTES = 4 * MASK_CHUNK_WORDS;

/** A mask term whose keystream is open: read chunk by chunk, added (1) or subtracted (−1). */
interface OpenTerm {
  stream: MaskStream;
  sign: 1 | -1;
}

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
    throw new CoreInputError(`bits must be an integer in [1, 32], got ${bits}`, 'bits');
  }
}

/** Opens every term's keystream over `length` words, checked term by term in order (sign, then key and length), as one expandMask per term would be. */
function openTerms(masks: MaskTerm[], length: number): OpenTerm[] {
  const terms: OpenTerm[] = [];
  for (const m of masks) {
    if (m.sign !== 1 && m.sign !== -1) throw new CoreInputError(`mask sign must be 1 or -1, got ${m.sign}`, 'masks');
    terms.push({ stream: openMaskStream(m.key, length), sign: m.sign });
  }
  return terms;
}

/**
 * Adds (or subtracts) every term's keystream into `y` in place, mod 2^bits, for up to `chunks`
 * chunks of {@link MASK_CHUNK_WORDS} words from word `from` (a chunk boundary); returns where the
 * next chunk starts. Each chunk is finished within the call: each term's keystream piece is
 * read into one reused buffer and added while both are in cache. With the SIMD kernel, the
 * chunk of y goes into its Y area and the keystream into its K area; the kernel's memory
 * (or the portable loops' buffer) is zeroed before returning, so no mask material outlives the call there.
 */
function maskChunks(y: Uint32Array, terms: OpenTerm[], bits: number, from: number, chunks: number): number {
  const k = simdKernel();
  const modMask = bits === 32 ? -1 : 2 ** bits - 1; // as an i32: 2^bits − 1
  const scratch = k ? k.bytes.subarray(CHUNK_BYTES, 2 * CHUNK_BYTES) : new Uint8Array(CHUNK_BYTES);
  const words = k ? undefined : new Uint32Array(MASK_CHUNK_WORDS);
  let start = from;
  try {
    for (let done = 0; done < chunks && start < y.length; done++, start += MASK_CHUNK_WORDS) {
      const len = Math.min(MASK_CHUNK_WORDS, y.length - start);
      const part = y.subarray(start, start + len);
      const keystream = scratch.subarray(0, 4 * len);
      if (k) k.words.set(part, 0);
      for (const { stream, sign } of terms) {
        stream.fill(keystream);
        if (k) {
          if (sign === 1) k.add(4 * len, modMask);
          else k.sub(4 * len, modMask);
        } else {
          const prg = wordsOf(keystream, len, words!);
          if (sign === 1) addMod(part, prg, bits);
          else subMod(part, prg, bits);
        }
      }
      if (k) part.set(k.words.subarray(0, len));
    }
  } finally {
    if (k) {
      k.bytes.fill(0);
    } else {
      scratch.fill(0);
      words!.fill(0);
    }
  }
  return Math.min(start, y.length);
}

/** The first `len` little-endian uint32 words of keystream bytes: a view when possible, else decoded into `into`. */
function wordsOf(bytes: Uint8Array, len: number, into: Uint32Array): Uint32Array {
  if (LITTLE_ENDIAN) return new Uint32Array(bytes.buffer, bytes.byteOffset, len);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < len; i++) into[i] = view.getUint32(4 * i, true);
  return into.subarray(0, len);
}

/** The instantiated kernel: its memory (Y = bytes [0, 64 KiB), K = [64 KiB, 128 KiB)) and functions. */
interface SimdKernel {
  bytes: Uint8Array;
  words: Uint32Array;
  /** Y[i] ← (Y[i] + K[i]) & modMask for the words in the first `byteLength` bytes (rounded up to 16). */
  add(byteLength: number, modMask: number): void;
  /** Y[i] ← (Y[i] − K[i]) & modMask, likewise. */
  sub(byteLength: number, modMask: number): void;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown, imports: object) => { exports: Record<string, unknown> };
}

let kernel: SimdKernel | null | undefined;

/** The kernel, instantiated and self-checked on first use; null when WebAssembly SIMD is unavailable. */
function simdKernel(): SimdKernel | null {
  if (kernel === undefined) kernel = loadKernel();
  return kernel;
}

function loadKernel(): SimdKernel | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  // Y is written through a Uint32Array (host byte order) and read by wasm as little-endian i32.
  if (!api || !LITTLE_ENDIAN) return null;
  try {
    const { exports } = new api.Instance(new api.Module(kernelBinary()), {});
    const memory = exports.mem as { buffer: ArrayBuffer };
    const k: SimdKernel = {
      bytes: new Uint8Array(memory.buffer, 0, 2 * CHUNK_BYTES),
      words: new Uint32Array(memory.buffer, 0, 2 * MASK_CHUNK_WORDS),
      add: exports.add as SimdKernel['add'],
      sub: exports.sub as SimdKernel['sub'],
    };
    // Self-check on a few words (wrap-around, borrow, reduction mod 2^bits) before trusting it.
    const kw = MASK_CHUNK_WORDS;
    k.words.set([0xffffffff, 5, 0x80000000, 7, 1], 0);
    k.words.set([2, 9, 0x80000000, 0xfffffff0, 3], kw);
    k.add(20, -1);
    const added = Array.from(k.words.subarray(0, 5));
    k.sub(20, 0xff);
    const subbed = Array.from(k.words.subarray(0, 5));
    k.bytes.fill(0);
    const ok =
      added.join() === [1, 14, 0, 0xfffffff7, 4].join() && subbed.join() === [(1 - 2) & 0xff, 5, 0, (0xfffffff7 - 0xfffffff0) & 0xff, 1].join();
    return ok ? k : null;
  } catch {
    return null; // no SIMD support in this engine: use the portable loops
  }
}

/**
 * The kernel's WebAssembly binary (core spec + fixed-width SIMD), assembled from this text:
 *
 *   (module
 *     (memory (export "mem") 2)                        ;; 128 KiB: Y at 0, K at 65536
 *     (func (export "add") (param $n i32) (param $m i32)
 *       (local $i i32) (local $mv v128)
 *       (local.set $mv (i32x4.splat (local.get $m)))
 *       (block $done (loop $next
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
 *         (v128.store (local.get $i)
 *           (v128.and (i32x4.add (v128.load (local.get $i)) (v128.load offset=65536 (local.get $i)))
 *                     (local.get $mv)))
 *         (local.set $i (i32.add (local.get $i) (i32.const 16)))
 *         (br $next))))
 *     (func (export "sub") ...the same with i32x4.sub...))
 *
 * i32x4 lanes wrap mod 2^32 and 2^bits divides 2^32, so AND-ing with 2^bits − 1 reduces mod 2^bits.
 * A call processes whole 16-byte groups; words past `n` bytes in the 64 KiB areas are never read back.
 */
function kernelBinary(): Uint8Array {
  const leb = (v: number): number[] => {
    const out: number[] = [];
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    return out;
  };
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const body = (op: number[]) => {
    const code = [
      0x02, 0x01, 0x7f, 0x01, 0x7b, // locals: 1 × i32 ($i = local 2), 1 × v128 ($mv = local 3)
      0x20, 0x01, 0xfd, 0x11, 0x21, 0x03, // local.get $m; i32x4.splat; local.set $mv
      0x02, 0x40, 0x03, 0x40, // block; loop
      0x20, 0x02, 0x20, 0x00, 0x4f, 0x0d, 0x01, // local.get $i; local.get $n; i32.ge_u; br_if 1
      0x20, 0x02, // local.get $i (store address)
      0x20, 0x02, 0xfd, 0x00, 0x04, 0x00, // local.get $i; v128.load align=16 offset=0
      0x20, 0x02, 0xfd, 0x00, 0x04, ...leb(CHUNK_BYTES), // local.get $i; v128.load align=16 offset=65536
      0xfd, ...op, // i32x4.add / i32x4.sub
      0x20, 0x03, 0xfd, 0x4e, // local.get $mv; v128.and
      0xfd, 0x0b, 0x04, 0x00, // v128.store align=16 offset=0
      0x20, 0x02, 0x41, 0x10, 0x6a, 0x21, 0x02, // $i += 16
      0x0c, 0x00, // br 0 (loop)
      0x0b, 0x0b, 0x0b, // end loop; end block; end func
    ];
    return [...leb(code.length), ...code];
  };
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00]), // types: (i32, i32) → ()
    ...section(3, [0x02, 0x00, 0x00]), // functions: add, sub of type 0
    ...section(5, [0x01, 0x00, (2 * CHUNK_BYTES) / 65536]), // memory: min 2 pages, no max
    ...section(7, [0x03, ...name('mem'), 0x02, 0x00, ...name('add'), 0x00, 0x00, ...name('sub'), 0x00, 0x01]), // exports
    ...section(10, [0x02, ...body([0xae, 0x01]), ...body([0xb1, 0x01])]), // code: i32x4.add = 0xfd 174, i32x4.sub = 0xfd 177
  ]);
}
