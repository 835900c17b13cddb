/**
 * Client-level DP (job privacy mode "client") in a round: the public plan both sides derive from
 * the job, the train stage's shape (one more vector, the clip bit) and the coordinator's reading
 * of the summed round (core/privacy/client-dp.ts has the mechanism).
 */
import type { JobSpec } from '../job.ts';
import type { ClientDpPlan, ClientDpSettings } from '../privacy/client-dp.ts';
import { clientDpPlan, decodeClientSum, nextClipNorm } from '../privacy/client-dp.ts';
import { trainShape } from '../aggregate/train.ts';
import type { Contribution, ContributionShape, Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { standardNormal } from '../random.ts';

/** Name of the clip-bit vector of a client-DP train contribution. */
export const CLIP_BIT = 'clipBit';

type ClientPrivacy = Extract<JobSpec['privacy'], { mode: 'client' }>;

/** The job's client-level DP settings, or undefined when it has none. */
export function clientPrivacy(job: Pick<JobSpec, 'privacy'>): ClientPrivacy | undefined {
  return job.privacy.mode === 'client' ? job.privacy : undefined;
}

/** The round's plan for a model of `dimension` parameters with t = `survivors`, or undefined without client DP. */
export function clientPlanFor(job: Pick<JobSpec, 'privacy' | 'rounds'>, dimension: number, survivors: number): ClientDpPlan | undefined {
  const p = clientPrivacy(job);
  if (!p) return undefined;
  const settings: ClientDpSettings = {
    noise: p.noise,
    delta: p.delta,
    ...(p.epsilon !== undefined ? { epsilon: p.epsilon } : { noiseMultiplier: p.noiseMultiplier }),
    ...(p.adaptiveClipping ? { adaptiveClipping: p.adaptiveClipping } : {}),
    secureNoise: p.secureNoise,
  };
  // Central noise does not depend on t (the coordinator adds it to whatever sum it forms).
  return clientDpPlan(settings, job.rounds, dimension, p.noise === 'central' ? 1 : survivors);
}

/** Shape of a train contribution: {@link trainShape}, plus {@link CLIP_BIT} under client DP. */
export function trainShapeFor(job: Pick<JobSpec, 'privacy'>, paramCount: number): ContributionShape {
  return clientPrivacy(job) ? { ...trainShape(paramCount), [CLIP_BIT]: 1 } : trainShape(paramCount);
}

/** A client-DP train contribution: the encoded update, FedAvg weight 1 (every institution counts once), no loss. */
export function clientContribution(update: Float64Array, clipBit: Float64Array): Contribution {
  return { update, weight: Float64Array.of(1), loss: Float64Array.of(0, 0), [CLIP_BIT]: clipBit };
}

/** The coordinator's reading of a client-DP train sum. */
export interface ClientTrainSum {
  updateSum: Float64Array;
  /** Number of contributors (each weighs 1). */
  weightSum: number;
  /** The clip norm S for the next round. */
  nextClipNorm: number;
  unclippedFraction?: number;
}

/**
 * Decodes a summed client-DP round of `contributors` participants trained with clip norm
 * `clipNorm`, adds central noise from the coordinator's randomness `rng` when the job says so
 * (exact discrete Gaussian, the default; Box–Muller normals with secureNoise false), and adapts S.
 * Throws {@link CoreInputError} when the sum does not match the plan.
 */
export function readClientTrainSum(
  sum: Contribution,
  job: Pick<JobSpec, 'privacy' | 'rounds'>,
  plan: ClientDpPlan,
  clipNorm: number,
  rng?: Rng,
): ClientTrainSum {
  const { update, weight } = sum;
  const bit = sum[CLIP_BIT];
  if (!update || !weight || weight.length !== 1 || !bit || bit.length !== 1) {
    throw new CoreInputError('a client-DP train sum needs "update", "weight" and "clipBit" vectors', 'sum');
  }
  const contributors = Math.round(weight[0]);
  const decoded = decodeClientSum(update, bit[0], contributors, clipNorm, plan, rng && (() => standardNormal(rng)), rng);
  const adaptive = clientPrivacy(job)?.adaptiveClipping;
  const next = adaptive && decoded.unclippedFraction !== undefined ? nextClipNorm(clipNorm, decoded.unclippedFraction, adaptive) : clipNorm;
  return {
    updateSum: decoded.updateSum,
    weightSum: contributors,
    nextClipNorm: next,
    ...(decoded.unclippedFraction !== undefined ? { unclippedFraction: decoded.unclippedFraction } : {}),
  };
}
