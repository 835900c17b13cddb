/**
 * What the job manager does with the round engine's progress events: a stage starting, a
 * participant failing or not selected, a round completed — each recorded on the job, logged and
 * published to its watchers.
 */
import type { EngineEvent } from '../core/round/engine-types.ts';
import type { Logger } from '../platform/log.ts';
import type { JobRecord } from './job-records.ts';
import type { JobReporter } from './job-reporter.ts';
import { noDropoutWarning } from '../core/round/dropout-tolerance.ts';

/** Jobs whose first stage was seen (the no-dropout warning is given once, at the first secure stage). */
const firstStageSeen = new WeakSet<JobRecord>();

/** Applies one engine event to the job `rec`. */
export function onEngineEvent(rec: JobRecord, e: EngineEvent, report: JobReporter, log: Logger): void {
  if (e.type === 'stage') {
    if (!firstStageSeen.has(rec)) {
      firstStageSeen.add(rec);
      // The first secure stage: how many members may drop out is now known for certain.
      const n = e.participants.length;
      const w = noDropoutWarning(rec.job, n, `the ${n} participants of round ${e.round} ${e.stage}`);
      // Said once: not again when the submission already warned for these n members.
      const said = rec.warnings?.some((x) => x.startsWith('no dropout tolerance') && new RegExp(`\\bn = ${n}\\b`).test(x)) ?? false;
      if (w && !said) {
        // Kept with the job's warnings too: a watcher that attaches later (the job may start before
        // `run` attaches) receives it then.
        rec.warnings = [...(rec.warnings ?? []), w];
        log.warn(`job ${rec.id}: ${w}`);
        report.publish(rec, `warning: ${w}`);
      }
    }
    rec.stage = `round ${e.round}: ${e.stage}`;
    report.publish(rec, `${rec.stage} with ${e.participants.length} participant(s)`);
  } else if (e.type === 'failure') {
    rec.failures.push(e.failure);
    log.warn('participant failure', { job: rec.id, ...e.failure });
    report.publish(rec, `${e.failure.stage}: ${e.failure.participant} failed: ${e.failure.reason}`);
  } else if (e.type === 'excluded') {
    log.warn('participant not selected', { job: rec.id, participant: e.participant, reason: e.reason });
    report.publish(rec, `${e.participant} is not taking part: it ${e.reason}`);
  } else {
    rec.rounds.push(e.record);
    for (const p of e.record.participants) rec.participants.add(p);
    log.info('round complete', { job: rec.id, round: e.record.round, auc: e.record.metrics.auc, ks: e.record.metrics.ks });
    report.publish(rec, `round ${e.record.round} complete`, e.record);
  }
}
