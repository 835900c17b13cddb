/**
 * Pseudorandom mask expansion with ChaCha20 (RFC 8439, "ChaCha20 and Poly1305 for IETF
 * Protocols", §2.3–§2.4), the PRG of Bonawitz et al., CCS 2017 (y_u = x_u + PRG(b_u) +
 * Σ ±PRG(s_uv)).
 *
 * The block function is OpenSSL's, reached through `node:crypto` (`createCipheriv('chacha20',
 * key, iv)`); it is deterministic and does no I/O, so it is allowed in the pure core. OpenSSL's
 * 16-byte IV is the RFC 8439 state words 12–15: a 32-bit little-endian block counter followed by
 * the 96-bit nonce. Encrypting zeros yields the raw keystream.
 *
 * {@link expandMask} keys ChaCha20 with the full 32-byte derived key (never a folded seed — a
 * 32-bit fold of a secret is brute-forceable), a fixed all-zero nonce and counter 0. That is safe only because every mask key is
 * single-use: `deriveKey` binds it to run, round, pair and purpose, so no (key, nonce) pair ever
 * repeats. Keystream bytes are read as little-endian uint32 words.
 */
import { createCipheriv } from 'node:crypto';
import { CoreInputError } from '../types.ts';
import { assertBytes } from './keys.ts';

/** ChaCha20 key length in bytes (RFC 8439 §2.3). */
export const CHACHA_KEY_BYTES = 32;
/** ChaCha20 nonce length in bytes (RFC 8439 §2.3, 96-bit IETF nonce). */
export const CHACHA_NONCE_BYTES = 12;
/** ChaCha20 block length in bytes. */
export const CHACHA_BLOCK_BYTES = 64;
/**
 * Most uint32 words one {@link expandMask} call may produce: 2^28 words = 1 GiB of keystream,
 * far inside the 2^32-block counter space and far above any model size.
 */
export const MAX_MASK_WORDS = 2 ** 28;

const ZERO_NONCE = new Uint8Array(CHACHA_NONCE_BYTES);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `bytes` bytes of ChaCha20 keystream for `key` (32 bytes) and `nonce` (12 bytes), starting at
 * block `counter` (RFC 8439 §2.4: block j of the keystream uses counter + j).
 *
 * Throws {@link CoreInputError}: `key` / `nonce` on a wrong length, `counter` unless it is an
 * integer in [0, 2^32), `bytes` unless it is a non-negative integer whose blocks fit before the
 * 32-bit counter would wrap (RFC 8439 §2.4 limits one nonce to 2^32 blocks; OpenSSL would
 * otherwise carry into the nonce).
 */
export function chacha20Keystream(key: Uint8Array, nonce: Uint8Array, counter: number, bytes: number): Uint8Array {
  assertBytes(key, CHACHA_KEY_BYTES, 'key');
  assertBytes(nonce, CHACHA_NONCE_BYTES, 'nonce');
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) {
    throw new CoreInputError(`counter must be an integer in [0, 2^32), got ${counter}`, 'counter');
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new CoreInputError(`bytes must be a non-negative integer, got ${bytes}`, 'bytes');
  }
  if (counter + Math.ceil(bytes / CHACHA_BLOCK_BYTES) > 2 ** 32) {
    throw new CoreInputError(`bytes=${bytes} from counter ${counter} would wrap the 32-bit block counter`, 'bytes');
  }
  return keystreamUnchecked(key, nonce, counter, bytes);
}

/**
 * `words` pseudorandom uint32 words: the ChaCha20 keystream of `key` with the all-zero nonce and
 * counter 0, read little-endian (word i = keystream bytes 4i..4i+3). `key` must be a single-use
 * 32-byte key from `deriveKey`.
 * Throws {@link CoreInputError}: `key` unless 32 bytes, `words` unless an integer in
 * [0, {@link MAX_MASK_WORDS}].
 */
export function expandMask(key: Uint8Array, words: number): Uint32Array {
  assertBytes(key, CHACHA_KEY_BYTES, 'key');
  if (!Number.isInteger(words) || words < 0 || words > MAX_MASK_WORDS) {
    throw new CoreInputError(`words must be an integer in [0, ${MAX_MASK_WORDS}], got ${words}`, 'words');
  }
  const stream = keystreamUnchecked(key, ZERO_NONCE, 0, words * 4);
  if (LITTLE_ENDIAN && stream.byteOffset % 4 === 0) {
    return new Uint32Array(stream.buffer, stream.byteOffset, words);
  }
  const out = new Uint32Array(words);
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  for (let i = 0; i < words; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

/** Words per chunk of a {@link MaskStream} read that needs no allocated input (64 KiB of keystream). */
export const MASK_CHUNK_WORDS = 16384;

/** Shared all-zero cipher input for chunked reads; node:crypto only reads it, nothing writes it. */
const ZERO_CHUNK = new Uint8Array(4 * MASK_CHUNK_WORDS);

/**
 * A sequential reader of the mask {@link expandMask} would return for the same key and length:
 * consecutive {@link MaskStream.next} calls yield consecutive words of that mask, so a caller can
 * consume a long mask chunk by chunk while each chunk is still in cache, without materializing it.
 */
export interface MaskStream {
  /** Words not read yet. */
  readonly remaining: number;
  /**
   * The next `n` words of the mask as raw keystream bytes (4n bytes; word i is bytes 4i..4i+3,
   * little-endian), in a fresh buffer the caller owns. Throws {@link CoreInputError} (`n`) unless
   * `n` is an integer in [0, remaining].
   */
  next(n: number): Uint8Array;
  /**
   * Writes the next `out.length / 4` words of the mask into `out` as raw keystream bytes, as
   * {@link MaskStream.next} would return them. Throws {@link CoreInputError} (`out`) unless
   * `out.length` is a multiple of 4 of at most 4 · remaining.
   */
  fill(out: Uint8Array): void;
}

/**
 * Opens a {@link MaskStream} of `words` words for `key`: the same ChaCha20 keystream (zero nonce,
 * counter 0) as `expandMask(key, words)`, bit for bit, read in pieces. Reads of at most
 * {@link MASK_CHUNK_WORDS} words encrypt a shared zero buffer instead of allocating one.
 * Throws {@link CoreInputError} exactly as {@link expandMask} does: `key` unless 32 bytes, `words`
 * unless an integer in [0, {@link MAX_MASK_WORDS}].
 */
export function openMaskStream(key: Uint8Array, words: number): MaskStream {
  assertBytes(key, CHACHA_KEY_BYTES, 'key');
  if (!Number.isInteger(words) || words < 0 || words > MAX_MASK_WORDS) {
    throw new CoreInputError(`words must be an integer in [0, ${MAX_MASK_WORDS}], got ${words}`, 'words');
  }
  // counter 0 and the zero nonce: the whole 16-byte OpenSSL IV is zero (see keystreamUnchecked).
  const cipher = words === 0 ? null : createCipheriv('chacha20', key, new Uint8Array(16));
  let remaining = words;
  /** The next `bytes` keystream bytes (a multiple of 4, at most 4 · remaining) in a new buffer. */
  const read = (bytes: number): Uint8Array => {
    if (bytes === 0 || cipher === null) return new Uint8Array(0);
    const out = cipher.update(bytes <= ZERO_CHUNK.length ? ZERO_CHUNK.subarray(0, bytes) : new Uint8Array(bytes));
    // A stream cipher returns exactly as many bytes as it is given (OpenSSL keeps the position
    // inside a partial block between calls); anything else would desynchronize the mask.
    if (out.length !== bytes) throw new Error(`chacha20 returned ${out.length} bytes for ${bytes}`);
    remaining -= bytes / 4;
    if (remaining === 0) cipher.final();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
  return {
    get remaining() {
      return remaining;
    },
    next(n: number): Uint8Array {
      if (!Number.isInteger(n) || n < 0 || n > remaining) {
        throw new CoreInputError(`n must be an integer in [0, ${remaining}], got ${n}`, 'n');
      }
      return read(4 * n);
    },
    fill(out: Uint8Array): void {
      if (out.length % 4 !== 0 || out.length > 4 * remaining) {
        throw new CoreInputError(`out must hold a multiple of 4 bytes, at most ${4 * remaining}, got ${out.length}`, 'out');
      }
      for (let done = 0; done < out.length; ) {
        const piece = read(Math.min(ZERO_CHUNK.length, out.length - done));
        out.set(piece, done);
        done += piece.length;
      }
    },
  };
}

function keystreamUnchecked(key: Uint8Array, nonce: Uint8Array, counter: number, bytes: number): Uint8Array {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setUint32(0, counter, true);
  iv.set(nonce, 4);
  if (bytes === 0) return new Uint8Array(0);
  const cipher = createCipheriv('chacha20', key, iv);
  // A fresh, zero-filled buffer of exactly `bytes` (not from Node's shared pool); the cipher
  // output for a stream cipher is the same length, and final() adds nothing.
  const out = cipher.update(new Uint8Array(bytes));
  cipher.final();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
