/**
 * Client-level DP (job privacy mode "client") in a round: the train stage's shape (one more
 * vector, the clip bit) and the coordinator's reading of the summed round. The public plan both
 * sides derive from the job is core/privacy/job-cost.ts `clientPlanFor`; the mechanism core/privacy/client-dp.ts.
 */
import type { JobSpec } from '../job.ts';
import type { ClientDpPlan } from '../privacy/client-dp.ts';
import { decodeClientSum, nextClipNorm } from '../privacy/client-dp-codec.ts';
import { clientPrivacy } from '../privacy/job-cost.ts';
import { trainShape } from '../aggregate/train.ts';
import type { Contribution, ContributionShape, Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { standardNormal } from '../random.ts';

// The job's settings and round plan live with the mechanism; re-exported for the round's callers.
export { clientPlanFor, clientPrivacy } from '../privacy/job-cost.ts';

/** Name of the clip-bit vector of a client-DP train contribution. */
export const CLIP_BIT = 'clipBit';

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
  // Both lengths are checked above.
  const contributors = Math.round(weight[0]!);
  const decoded = decodeClientSum(update, bit[0]!, contributors, clipNorm, plan, rng && (() => standardNormal(rng)), rng);
  const adaptive = clientPrivacy(job)?.adaptiveClipping;
  const next = adaptive && decoded.unclippedFraction !== undefined ? nextClipNorm(clipNorm, decoded.unclippedFraction, adaptive) : clipNorm;
  return {
    updateSum: decoded.updateSum,
    weightSum: contributors,
    nextClipNorm: next,
    ...(decoded.unclippedFraction !== undefined ? { unclippedFraction: decoded.unclippedFraction } : {}),
  };
}
