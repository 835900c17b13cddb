/**
 * The ledger spend of DP-SGD local training (record-level DP). The spend itself is built by
 * core/privacy/job-cost.ts, the same function the job's planned cost lists its rounds with;
 * this takes the trainer's settings as they are.
 */
import type { DpSgdConfig } from '../trainer/dp-sgd.ts';
import type { MechanismSpend } from '../../core/privacy/ledger-format.ts';
import { dpSgdSpend as spendOf } from '../../core/privacy/job-cost.ts';

/** The ledger spend of `steps` DP-SGD steps with these settings. */
export function dpSgdSpend(dp: DpSgdConfig, steps: number): MechanismSpend {
  return spendOf(dp, steps);
}
