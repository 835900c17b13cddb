/**
 * The random parts of DP-SGD (Abadi et al., CCS 2016, "Deep Learning with Differential Privacy"):
 * Poisson sampling of each batch and the Gaussian noise vector. Both draw from an injected
 * {@link Rng}. Production MUST pass crypto randomness ({@link cryptoRng}, the
 * default of `trainLocal`): the privacy guarantee assumes that nobody can predict which rows a
 * batch holds (amplification by subsampling) nor the noise. A seeded Rng is for tests only —
 * with the job's seed, the coordinator could replay and subtract the noise.
 *
 * Sampling matches the Rényi DP accountant (Poisson-subsampled Gaussian at rate q): every
 * row joins every batch independently, so batch sizes vary and a batch may be empty. An epoch is
 * {@link dpStepsPerEpoch} = round(1/q) steps, which visits about N rows in expectation.
 *
 * {@link gaussianVector} is float Gaussian noise (Box–Muller over 53-bit uniforms), used only
 * when a job sets `secureNoise: false`. Float samplers leak through the low-order bits of their
 * outputs (Mironov, CCS 2012; Jin et al., IEEE S&P 2022); the default is exact lattice noise
 * (core/privacy/lattice-noise.ts), drawn from the same Rng.
 */
import type { Rng } from '../../core/types.ts';
import { cryptoRng } from '../../platform/crypto-rng.ts';

export { cryptoRng };

/** Steps of one DP-SGD epoch at sampling rate q: round(1/q), at least 1. */
export function dpStepsPerEpoch(sampleRate: number): number {
  return Math.max(1, Math.round(1 / sampleRate));
}

/**
 * Poisson sampling: the ascending indices of the rows in [0, n) that join the batch, each
 * independently. Row i joins when its 32-bit word from `rng` is below ⌊q·2³²⌋, so the actual
 * inclusion probability is ⌊q·2³²⌋/2³² ∈ (q − 2⁻³², q] — never above the q the accountant is
 * given (and exactly 1 for q = 1). The result may be empty.
 */
export function poissonSample(rng: Rng, n: number, sampleRate: number): Uint32Array {
  if (n === 0) return new Uint32Array(0);
  const threshold = Math.floor(sampleRate * 4294967296);
  const b = rng(4 * n);
  const hits = new Uint32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const word = (b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24)) >>> 0;
    if (word < threshold) hits[count++] = i;
  }
  return hits.slice(0, count);
}

/** The batches of one DP-SGD epoch: {@link dpStepsPerEpoch} independent Poisson samples of n rows. */
export function* poissonBatches(n: number, sampleRate: number, rng: Rng): Generator<Uint32Array> {
  for (let s = dpStepsPerEpoch(sampleRate); s > 0; s--) yield poissonSample(rng, n, sampleRate);
}

/** A uniform double in (0, 1] from the 8 bytes of `b` at `off` (53 random bits). */
function uniformOpen0(b: Uint8Array, off: number): number {
  const hi = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 5; // 27 bits
  const lo = (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 6; // 26 bits
  return (hi * 67108864 + lo + 1) / 9007199254740992;
}

/**
 * `n` independent N(0, std²) draws as float32, by Box–Muller (both outputs of each pair), from
 * one `rng` call of 16·⌈n/2⌉ bytes. Computed in float64 and rounded once.
 */
export function gaussianVector(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  const pairs = Math.ceil(n / 2);
  if (pairs === 0) return out;
  const b = rng(16 * pairs);
  for (let k = 0; k < pairs; k++) {
    const r = std * Math.sqrt(-2 * Math.log(uniformOpen0(b, 16 * k)));
    const theta = 2 * Math.PI * uniformOpen0(b, 16 * k + 8);
    out[2 * k] = r * Math.cos(theta);
    if (2 * k + 1 < n) out[2 * k + 1] = r * Math.sin(theta);
  }
  return out;
}
