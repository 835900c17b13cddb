/**
 * Reports what happens to a job: its status file, the updates its watchers receive, the
 * coordinator's log and the audit log's job records. The job manager decides what happens to a
 * job; the reporter tells everyone who follows it, in the same words.
 */
import { EventEmitter } from 'node:events';
import type { RoundRecord } from '../core/round/engine.ts';
import { guaranteeText, secureFacts } from '../core/round/guarantee.ts';
import type { AuditLog } from './audit-log.ts';
import type { JobRecord } from './job-records.ts';
import type { Logger } from '../platform/log.ts';

/** What watchers receive. */
export interface JobUpdate {
  record: JobRecord;
  round?: RoundRecord;
  message: string;
  /** Set when the coordinator is stopping: the job is paused (or stays queued) and resumes when it restarts. */
  paused?: boolean;
}

/** How a job ended for good. */
export type FinalState = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Publishes a job's status and progress, and writes its audit records. */
export class JobReporter {
  private readonly events = new EventEmitter();

  /**
   * @param receiptsPinned whether privacy receipts are checked against the roster's member keys
   *   (asked each time: the coordinator sets its roster after the job manager exists).
   */
  constructor(
    private readonly log: Logger,
    private readonly audit: AuditLog | undefined,
    private readonly receiptsPinned: () => boolean,
  ) {
    this.events.setMaxListeners(1000);
  }

  /** Subscribes to a job's updates; returns the unsubscribe function. */
  watch(id: string, fn: (u: JobUpdate) => void): () => void {
    const ev = `job:${id}`;
    this.events.on(ev, fn);
    return () => this.events.off(ev, fn);
  }

  /** The guarantee in force for a job; with a roster, receipts are checked against its keys (coordinator/fleet-service.ts). */
  guarantee(rec: JobRecord): string {
    return guaranteeText(rec.job, rec.rounds, { receiptsPinned: this.receiptsPinned() });
  }

  /** Saves the job's status and tells its watchers, with `message` (and the round just completed, if any). */
  publish(rec: JobRecord, message: string, round?: RoundRecord, paused = false): void {
    rec.store.saveStatus({
      state: rec.state, stage: rec.stage, error: rec.error, finishedAt: rec.finishedAt,
      guarantee: this.guarantee(rec), secureAggregation: secureFacts(rec.job, rec.rounds),
    });
    this.events.emit(`job:${rec.id}`, { record: rec, round, message, ...(paused ? { paused } : {}) } satisfies JobUpdate);
  }

  /** Ends a job for good: its final state and error (empty on success) in the status, the log, the watchers' updates and the audit log. */
  end(rec: JobRecord, state: FinalState, error: string): void {
    rec.state = state;
    rec.stage = { SUCCEEDED: 'done', FAILED: rec.stage, CANCELLED: 'cancelled' }[state];
    rec.error = error;
    rec.finishedAt = Date.now();
    if (state === 'SUCCEEDED') this.log.info('job succeeded', { job: rec.id });
    else if (state === 'CANCELLED') this.log.warn('job cancelled', { job: rec.id, reason: error });
    else this.log.error('job failed', { job: rec.id, error });
    this.publish(rec, state === 'SUCCEEDED' ? 'job succeeded' : `job ${state === 'FAILED' ? 'failed' : 'cancelled'}: ${error}`);
    this.tryAudit(rec.id, 'job-finished', (a) => a.jobFinished(rec.id, state, error, rec.rounds.filter((r) => r.round > 0).length, this.guarantee(rec)));
  }

  /** Writes an audit record whose failure must not change the job (it is logged instead). */
  tryAudit(job: string, kind: string, write: (audit: AuditLog) => void): void {
    try {
      if (this.audit) write(this.audit);
    } catch (err) {
      this.log.error(`audit log: ${kind} not recorded`, { job, error: (err as Error).message });
    }
  }
}
