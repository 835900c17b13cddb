/**
 * A vertical job's status on the Control API: the same JobStatus message as horizontal jobs,
 * with aggregation "vertical", training steps as rounds, the joint model's held-out metrics as
 * the one round report, and the outcome's public facts in `vertical_json`.
 */
import { verticalGuaranteeText } from '../core/vertical/guarantee.ts';
import { partiesOf } from '../core/vertical/spec.ts';
import type { JobStatus } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { VerticalJobRecord } from './vertical-jobs.ts';

/** Wire form of a vertical job's status. */
export function verticalStatusToWire(r: VerticalJobRecord): JobStatus {
  const o = r.outcome;
  return {
    jobId: r.id,
    name: r.job.name,
    state: r.state,
    roundsCompleted: r.progress.step,
    roundsTotal: r.progress.steps,
    rounds: o
      ? [{
          round: o.steps,
          participants: o.parties,
          metrics: { auc: o.metrics.auc, ks: o.metrics.ks, gini: 2 * o.metrics.auc - 1, logLoss: o.metrics.logLoss, n: o.rows.test },
          seconds: o.seconds.total,
          finishedUnixMs: r.finishedAt,
        }]
      : [],
    error: r.error,
    participants: partiesOf(r.job),
    aggregation: 'vertical',
    guarantee: verticalGuaranteeText(r.job),
    createdUnixMs: r.createdAt,
    finishedUnixMs: r.finishedAt,
    stage: r.stage,
    verticalJson: o ? JSON.stringify(o) : '',
  };
}
