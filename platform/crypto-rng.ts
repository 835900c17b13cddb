/**
 * The participant's source of secret randomness: node:crypto's CSPRNG behind the core's
 * {@link Rng} port. Secure-aggregation keys, seeds and rounding, and DP-SGD's sampling and noise
 * all draw from it in production; tests inject seeded generators instead.
 */
import { randomBytes } from 'node:crypto';
import type { Rng } from '../core/types.ts';

/**
 * `n` bytes from node:crypto's CSPRNG, as a plain Uint8Array over the Buffer's own memory: no copy.
 * `randomBytes` allocates a fresh ArrayBuffer of exactly `n` bytes (never Node's shared pool), so
 * the view exposes nothing else.
 */
export const cryptoRng: Rng = (n) => {
  const b = randomBytes(n);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

/**
 * node:crypto's CSPRNG drawn `poolBytes` at a time and handed out in order, for callers that
 * take a few bytes very often (a shuffle of a million rows): one system call per pool instead of
 * one per draw. Every byte is handed out once.
 */
export function bufferedCryptoRng(poolBytes = 65_536): Rng {
  let pool = new Uint8Array(0);
  let at = 0;
  return (n) => {
    if (n > poolBytes) return cryptoRng(n);
    if (at + n > pool.length) {
      pool = new Uint8Array(randomBytes(poolBytes));
      at = 0;
    }
    at += n;
    return pool.slice(at - n, at);
  };
}
