/**
 * The ledger spend of each kind of noised release — what a participant charges to its ledger and
 * signs in a receipt, and what the job's cost (./job-cost.ts) lists for the whole plan.
 *
 * Pure.
 */
import type { MechanismSpend } from './ledger-format.ts';
import type { NoisedRelease } from './record-plan.ts';
import { COUNT_RELEASE } from './record-plan.ts';

/** The spend of one noised secure-sum release (record-level statistics or evaluation). */
export function releaseSpend(r: NoisedRelease): MechanismSpend {
  return {
    mechanism: 'distributed-discrete-gaussian',
    params: { sigma2PerClient: r.sigma2PerClient, survivors: r.survivors, l2Sensitivity: r.l2Sensitivity, l1Sensitivity: r.l1Sensitivity, dimension: r.dimension },
  };
}

/** The spend of the noisy row count (local discrete Gaussian of variance `sigma2`, sensitivity 1). */
export function countSpend(sigma2: number): MechanismSpend {
  return { mechanism: 'distributed-discrete-gaussian', params: { ...COUNT_RELEASE, sigma2PerClient: sigma2 } };
}

/** DP-SGD settings a spend records: Poisson rate q, noise multiplier z and per-example clip norm. */
export interface DpSgdSettings {
  sampleRate: number;
  noiseMultiplier: number;
  clipNorm: number;
}

/** The spend of `steps` DP-SGD steps with these settings. */
export function dpSgdSpend(dp: DpSgdSettings, steps: number): MechanismSpend {
  return { mechanism: 'dp-sgd', params: { sampleRate: dp.sampleRate, noiseMultiplier: dp.noiseMultiplier, steps, clipNorm: dp.clipNorm } };
}
