/**
 * Which aggregates of a job carry differential-privacy noise that every participant draws afresh
 * for each attempt: with record-level DP, every aggregate (training updates through DP-SGD, and
 * preprocessing statistics and evaluation histograms through discrete Gaussian noise inside the
 * secure sum); with client-level DP and distributed noise, the training update. Everything else —
 * any aggregate of a job without DP, and the statistics and histograms of a client-level job —
 * is exact, so a participant releases it at most once (participant/releases/guard.ts), and the
 * coordinator reruns an interrupted exact stage only over the survivor set it was unmasked over.
 *
 * Pure.
 */
import type { JobSpec } from '../job.ts';
import type { TaskKind } from '../types.ts';

/**
 * True when participants add fresh DP noise to their input of `kind` in this job. A training
 * input that also carries the previous round's evaluation (`carriesEvaluation`,
 * core/round/carried-evaluation.ts) is noised only when both parts are: one exact part makes the
 * whole input exact.
 */
export function stageNoised(job: Pick<JobSpec, 'privacy'>, kind: TaskKind, carriesEvaluation = false): boolean {
  const p = job.privacy;
  if (p.mode === 'record') return true;
  if (p.mode === 'client') return kind === 'train' && p.noise === 'distributed' && !carriesEvaluation;
  return false;
}
