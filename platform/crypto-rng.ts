/**
 * The participant's source of secret randomness: node:crypto's CSPRNG behind the core's
 * {@link Rng} port. Secure-aggregation keys, seeds and rounding, and DP-SGD's sampling and noise
 * all draw from it in production; tests inject seeded generators instead.
 *
 * Every draw costs the operating system's generator nothing more than it must:
 * - small draws (at most {@link SMALL_DRAW_BYTES}: keys, nonces, Shamir coefficients) are cut
 *   from a pool that `randomFillSync` refills {@link POOL_BYTES} at a time; the bytes handed out
 *   are zeroed in the pool at once, so the pool never holds a byte someone else has;
 * - large draws (at least {@link STREAM_DRAW_BYTES}: stochastic rounding draws 4 bytes per model
 *   coordinate) are the ChaCha20 keystream (RFC 8439) of a fresh 32-byte key from the CSPRNG,
 *   read 64 KiB at a time. The keystream of a uniformly random, single-use key is
 *   indistinguishable from random bytes (the same construction the Linux kernel uses to expand
 *   its entropy pool), and OpenSSL produces it several times faster than `randomBytes`;
 * - anything in between comes from `randomBytes` directly.
 * A draw is always a fresh array the caller owns.
 */
import { createCipheriv, randomBytes, randomFillSync } from 'node:crypto';
import type { Rng } from '../core/types.ts';

/** Largest draw served from the pool. */
export const SMALL_DRAW_BYTES = 256;
/** Bytes the pool is refilled with at a time. */
export const POOL_BYTES = 4096;
/** Smallest draw expanded from a fresh ChaCha20 key. */
export const STREAM_DRAW_BYTES = 4096;

/** Keystream bytes produced per cipher call: small enough to stay in cache. */
const STREAM_CHUNK_BYTES = 65_536;
const ZERO_CHUNK = new Uint8Array(STREAM_CHUNK_BYTES);

const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;

function fromPool(n: number): Uint8Array {
  if (poolAt + n > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = pool.slice(poolAt, poolAt + n);
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

function fromStream(n: number): Uint8Array {
  // The key comes from the pool like any small draw: one system call per 4 KiB, not per stream.
  const key = fromPool(32);
  // Zero nonce and counter: the key is used for this one draw only.
  const cipher = createCipheriv('chacha20', key, new Uint8Array(16));
  key.fill(0);
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += STREAM_CHUNK_BYTES) {
    const len = Math.min(STREAM_CHUNK_BYTES, n - at);
    out.set(cipher.update(len === STREAM_CHUNK_BYTES ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, len)), at);
  }
  cipher.final();
  return out;
}

/** `n` bytes of cryptographically secure randomness, in a fresh Uint8Array (see the module header). */
export const cryptoRng: Rng = (n) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cryptoRng: n must be a non-negative integer, got ${n}`);
  if (n === 0) return new Uint8Array(0);
  if (n <= SMALL_DRAW_BYTES) return fromPool(n);
  if (n >= STREAM_DRAW_BYTES) return fromStream(n);
  const b = randomBytes(n);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

/**
 * node:crypto's CSPRNG drawn `poolBytes` at a time and handed out in order, for callers that
 * take a few bytes very often (a shuffle of a million rows): one system call per pool instead of
 * one per draw. Every byte is handed out once.
 */
export function bufferedCryptoRng(poolBytes = 65_536): Rng {
  let buffered = new Uint8Array(0);
  let at = 0;
  return (n) => {
    if (n > poolBytes) return cryptoRng(n);
    if (at + n > buffered.length) {
      buffered = new Uint8Array(randomBytes(poolBytes));
      at = 0;
    }
    at += n;
    return buffered.slice(at - n, at);
  };
}
