/**
 * The DP-SGD parameters a participant uses for a job with record-level privacy (core/job.ts
 * PrivacySpecSchema): sampling rate q = min(1, batchSize / rows), the noise multiplier given by
 * the job or calibrated (core/privacy) so that the whole job — rounds × localEpochs × round(1/q)
 * steps — costs at most the job's ε at its δ, the clip norm, and the kind of noise (secureNoise). Deterministic in (job, rows), so
 * the ledger can preview a task's spend before it runs.
 */
import type { JobSpec } from '../../core/job';
import { calibrateNoiseMultiplier } from '../../core/privacy';
import { dpStepsPerEpoch } from '../trainer/dp-random';
import type { DpSgdConfig } from '../trainer/dp-sgd';
import type { MechanismSpend } from '../../core/privacy/ledger-format';

const calibrated = new Map<string, number>();

/** Steps of DP-SGD in one round (one train task) at sampling rate q. */
export function dpStepsPerRound(job: JobSpec, sampleRate: number): number {
  return job.train.localEpochs * dpStepsPerEpoch(sampleRate);
}

/** DP-SGD settings for a participant with `rows` training rows, or undefined when the job has no record-level DP. */
export function recordDpFor(job: JobSpec, rows: number): DpSgdConfig | undefined {
  const p = job.privacy;
  if (p.mode !== 'record' || rows === 0) return undefined;
  const sampleRate = Math.min(1, job.train.batchSize / rows);
  let z = p.noiseMultiplier;
  if (z === undefined) {
    const steps = job.rounds * dpStepsPerRound(job, sampleRate);
    const key = JSON.stringify([p.epsilon, p.delta, sampleRate, steps]);
    z = calibrated.get(key);
    if (z === undefined) {
      z = calibrateNoiseMultiplier({ epsilon: p.epsilon!, delta: p.delta, q: sampleRate, steps }).noiseMultiplier;
      calibrated.set(key, z);
    }
  }
  return { noiseMultiplier: z, clipNorm: p.clipNorm, sampleRate, secureNoise: p.secureNoise };
}

/** The ledger spend of `steps` DP-SGD steps with these settings. */
export function dpSgdSpend(dp: DpSgdConfig, steps: number): MechanismSpend {
  return { mechanism: 'dp-sgd', params: { sampleRate: dp.sampleRate, noiseMultiplier: dp.noiseMultiplier, steps, clipNorm: dp.clipNorm } };
}
