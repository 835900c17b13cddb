/** The `privacy` field of a job, validated with zod wherever a job is. */
import { z } from 'zod';

/**
 * Differential privacy of the job. `record`: DP-SGD inside every participant's local training
 * (Abadi et al. 2016) — Poisson sampling at rate q = min(1, batchSize / the participant's rows),
 * per-example gradients clipped to `clipNorm`, Gaussian noise of standard deviation z·clipNorm.
 * Each participant sets its own z: the given `noiseMultiplier`, or the smallest z for which the
 * whole job (rounds × localEpochs × round(1/q) steps) costs at most `epsilon` at `delta`
 * (core/privacy). The participant's ledger has the last word: it refuses a task that would
 * exceed the institution's budget.
 *
 * `client`: DP-FedAvg (core/privacy/client-dp.ts) — each participant's whole model delta is
 * clipped to `clipNorm` and noise is added to the sum, either by the participants inside the
 * secure sum (`distributed`, needs aggregation "secagg") or by a trusted coordinator (`central`).
 */
export const PrivacySpecSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }).strict(),
  z
    .object({
      mode: z.literal('record'),
      epsilon: z.number().positive().max(1000).optional(),
      noiseMultiplier: z.number().min(1e-3).max(1e6).optional(),
      delta: z.number().gt(0).lt(1).default(1e-5),
      clipNorm: z.number().positive().max(1e6).default(1),
      /**
       * true: exact discrete Gaussian noise on a fine lattice (core/privacy/lattice-noise.ts), immune
       * to floating-point precision attacks; false: float Box–Muller noise (faster for large models).
       */
      secureNoise: z.boolean().default(true),
    })
    .strict()
    .refine((p) => (p.epsilon === undefined) !== (p.noiseMultiplier === undefined), {
      message: 'record-level privacy needs exactly one of "epsilon" (a target for the whole job) and "noiseMultiplier"',
    }),
  z
    .object({
      mode: z.literal('client'),
      /**
       * Where the noise is added: "distributed" — each participant adds discrete Gaussian noise
       * inside the secure sum, calibrated so the sum of any t survivors carries it (no one is
       * trusted); "central" — the coordinator adds Gaussian noise to the sum (a TRUSTED coordinator).
       */
      noise: z.enum(['distributed', 'central']).default('distributed'),
      /** Target ε for the whole job (every round), XOR `noiseMultiplier`. */
      epsilon: z.number().positive().max(1000).optional(),
      /** z: the sum's noise standard deviation over the clip norm. */
      noiseMultiplier: z.number().min(1e-3).max(1e6).optional(),
      delta: z.number().gt(0).lt(1).default(1e-5),
      /** S: each participant's model delta is clipped to this L2 norm (the initial S with adaptive clipping). */
      clipNorm: z.number().positive().max(1e6).default(1),
      /** Adaptive clipping (Andrew et al. 2021): S tracks a quantile of the update norms. */
      adaptiveClipping: z
        .object({
          targetQuantile: z.number().gt(0).lt(1).default(0.5),
          learningRate: z.number().positive().max(10).default(0.2),
          /** σ_b: noise standard deviation on the count of unclipped participants. */
          countNoise: z.number().positive().max(1e6).default(1),
        })
        .strict()
        .optional(),
      /**
       * Central noise: true — the coordinator adds exact discrete Gaussian noise to the integer sum
       * (immune to floating-point precision attacks); false — float Box–Muller noise. Distributed
       * noise is always the exact discrete Gaussian.
       */
      secureNoise: z.boolean().default(true),
    })
    .strict()
    .refine((p) => (p.epsilon === undefined) !== (p.noiseMultiplier === undefined), {
      message: 'client-level privacy needs exactly one of "epsilon" (a target for the whole job) and "noiseMultiplier"',
    }),
]);
export type PrivacySpec = z.infer<typeof PrivacySpecSchema>;
