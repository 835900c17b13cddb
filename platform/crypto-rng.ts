/**
 * The participant's source of secret randomness: node:crypto's CSPRNG behind the core's
 * {@link Rng} port. Secure-aggregation keys, seeds and rounding, and DP-SGD's sampling and noise
 * all draw from it in production; tests inject seeded generators instead.
 */
import { randomBytes } from 'node:crypto';
import type { Rng } from '../core/types.ts';

/** `n` bytes from node:crypto's CSPRNG. */
export const cryptoRng: Rng = (n) => new Uint8Array(randomBytes(n));
