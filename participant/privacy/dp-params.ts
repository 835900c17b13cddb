/**
 * The ledger spend of DP-SGD local training (record-level DP; the job's plan, with the sampling
 * rate and noise multiplier each node fixes, is core/privacy/record-plan.ts).
 */
import type { DpSgdConfig } from '../trainer/dp-sgd.ts';
import type { MechanismSpend } from '../../core/privacy/ledger-format.ts';

/** The ledger spend of `steps` DP-SGD steps with these settings. */
export function dpSgdSpend(dp: DpSgdConfig, steps: number): MechanismSpend {
  return { mechanism: 'dp-sgd', params: { sampleRate: dp.sampleRate, noiseMultiplier: dp.noiseMultiplier, steps, clipNorm: dp.clipNorm } };
}
