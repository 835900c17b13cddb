/**
 * Job manager: accepts validated jobs, runs them one at a time (FIFO) on the round engine,
 * keeps their status for the Control API and fans progress out to watchers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { DataSchema } from '../core/data/schema';
import { inputDim } from '../core/data/schema';
import type { JobSpec } from '../core/job';
import { modelLayout } from '../core/model/layout';
import { layoutSize } from '../core/types';
import { standardNormal } from '../core/random';
import { JobFailedError, runJob } from '../core/round/engine';
import type { ResumePoint, RoundRecord } from '../core/round/engine';
import type { StageFailure } from '../core/round/grid';
import { plainSum } from '../core/round/sum-protocol';
import { secureSum } from '../core/round/secure-sum';
import { guaranteeText, secureFacts } from '../core/round/guarantee';
import type { PreprocessingParams } from '../core/round/task-config';
import type { AuditLog } from './audit-log';
import type { FleetGrid } from './fleet-grid';
import { JobStore } from './store';
import type { Logger } from './log';

/** In-memory view of a job (mirrored to disk by {@link JobStore}). */
export interface JobRecord {
  id: string;
  job: JobSpec;
  schema: DataSchema;
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stage: string;
  error: string;
  rounds: RoundRecord[];
  participants: Set<string>;
  failures: StageFailure[];
  aggregation: string;
  createdAt: number;
  finishedAt: number;
  preprocessing?: PreprocessingParams;
  weights?: Float32Array;
  store: JobStore;
}

/** What watchers receive. */
export interface JobUpdate {
  record: JobRecord;
  round?: RoundRecord;
  message: string;
}

/** Runs jobs against the fleet. */
export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  /** Fresh per coordinator process: part of every secure-sum run id, so a resumed job never repeats one. */
  readonly incarnation = randomBytes(6).toString('hex');
  /**
   * The roster's member keys (name → Ed25519 public key), set when the coordinator has a roster:
   * secure sums then run authenticated (signed key adverts, consistency check), the
   * coordinator drops a participant whose signature does not verify, and privacy receipts are
   * reported as verified against these keys.
   */
  memberKeys?: ReadonlyMap<string, Uint8Array>;
  private readonly events = new EventEmitter();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly grid: FleetGrid,
    private readonly stateDir: string,
    private readonly log: Logger,
    /** The coordinator's audit log (coordinator/audit-log.ts), when it keeps one. */
    private readonly audit?: AuditLog,
  ) {
    this.events.setMaxListeners(1000);
  }

  /** Queues a job; returns its id immediately. */
  submit(job: JobSpec, schema: DataSchema): string {
    const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`;
    const store = new JobStore(this.stateDir, id);
    const rec: JobRecord = {
      id, job, schema, state: 'PENDING', stage: 'queued', error: '', rounds: [], participants: new Set(), failures: [],
      aggregation: job.aggregation, createdAt: Date.now(), finishedAt: 0, store,
    };
    this.audit?.jobSubmitted(id, job, schema); // throws (the submission fails, nothing is stored) when the log cannot be written
    store.init(job, schema, rec.aggregation, rec.createdAt);
    this.jobs.set(id, rec);
    this.log.info('job submitted', { job: id, name: job.name, rounds: job.rounds, model: job.model.type });
    this.queue = this.queue.then(() => this.execute(rec));
    return id;
  }

  /** The job, if known. */
  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /** Subscribes to a job's updates; returns the unsubscribe function. */
  watch(id: string, fn: (u: JobUpdate) => void): () => void {
    const ev = `job:${id}`;
    this.events.on(ev, fn);
    return () => this.events.off(ev, fn);
  }

  /** Resolves when every queued job has finished. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** The guarantee in force for a job; with a roster, receipts are checked against its keys (coordinator/fleet-service.ts). */
  guarantee(rec: JobRecord): string {
    return guaranteeText(rec.job, rec.rounds, { receiptsPinned: this.memberKeys !== undefined });
  }

  private publish(rec: JobRecord, message: string, round?: RoundRecord): void {
    rec.store.saveStatus({
      state: rec.state, stage: rec.stage, error: rec.error, finishedAt: rec.finishedAt,
      guarantee: this.guarantee(rec), secureAggregation: secureFacts(rec.job, rec.rounds),
    });
    this.events.emit(`job:${rec.id}`, { record: rec, round, message } satisfies JobUpdate);
  }

  /**
   * Loads the jobs stored under the state dir (after a restart): finished ones for status queries;
   * those that were queued or running are queued again and resume from their last stored round
   * (a round interrupted mid-way runs again, under new secure-sum run ids). A job whose files
   * cannot be read is marked FAILED with the reason; it never stops the coordinator.
   */
  resumeStored(): void {
    const root = path.join(this.stateDir, 'jobs');
    if (!existsSync(root)) return;
    const found = readdirSync(root).filter((id) => !this.jobs.has(id) && existsSync(path.join(root, id, 'job.json'))).sort();
    for (const id of found) {
      const store = new JobStore(this.stateDir, id);
      let rec: JobRecord;
      let resume: ResumePoint | undefined;
      try {
        const stored = store.readJob();
        const status = store.readStatus();
        rec = {
          id, job: stored.job, schema: stored.schema, state: status?.state ?? 'PENDING', stage: status?.stage ?? 'queued', error: status?.error ?? '',
          rounds: [], participants: new Set(), failures: [], aggregation: stored.aggregation, createdAt: stored.createdAt,
          finishedAt: status?.finishedAt ?? 0, store,
        };
        resume = store.resumePoint();
        rec.rounds = resume?.rounds ?? store.rounds();
        for (const r of rec.rounds) for (const p of r.participants) rec.participants.add(p);
        if (rec.preprocessing === undefined && resume) rec.preprocessing = resume.preprocessing;
        if (resume?.state) rec.weights = resume.state.weights;
      } catch (err) {
        this.log.error('stored job cannot be loaded', { job: id, error: (err as Error).message });
        continue;
      }
      this.jobs.set(id, rec);
      if (rec.state === 'SUCCEEDED' || rec.state === 'FAILED') continue;
      const from = resume?.rounds.length ? `after round ${resume.rounds[resume.rounds.length - 1].round}` : 'from the start';
      this.log.warn('resuming job after a coordinator restart', { job: id, from });
      rec.state = 'PENDING';
      rec.stage = `queued: resuming ${from} after a coordinator restart`;
      this.publish(rec, rec.stage);
      this.tryAudit(id, 'job-resumed', (a) => a.jobResumed(id, resume?.rounds.length ? resume.rounds[resume.rounds.length - 1].round : null));
      this.queue = this.queue.then(() => this.execute(rec, resume));
    }
  }

  private async execute(rec: JobRecord, resume?: ResumePoint): Promise<void> {
    rec.state = 'RUNNING';
    rec.stage = 'waiting for participants';
    this.grid.currentJobId = rec.id;
    const dim = inputDim(rec.schema);
    const params = layoutSize(modelLayout(rec.job.model, dim));
    this.publish(rec, `job started: ${rec.job.model.type} model, ${dim} inputs, ${params} parameters, aggregation ${rec.aggregation}`);
    try {
      const outcome = await runJob(rec.id, rec.job, rec.schema, {
        grid: this.grid,
        sum: rec.job.aggregation === 'plain' ? plainSum : secureSum(rec.id, rec.job, this.incarnation, this.memberKeys ? { authenticated: true, roster: this.memberKeys } : {}),
        now: () => Date.now(),
        // Central client-level DP noise: the coordinator's own CSPRNG (Box–Muller over node:crypto bytes).
        normal: () => standardNormal((n) => new Uint8Array(randomBytes(n))),
        store: {
          savePreprocessing: async (p) => {
            rec.preprocessing = p;
            await rec.store.savePreprocessing(p);
          },
          saveRound: async (r, state, next) => {
            await rec.store.saveRound(r, state, next);
            this.audit?.roundCompleted(rec.id, r); // a round that cannot be audited fails the job
            rec.weights = state.weights;
          },
        },
        emit: (e) => {
          if (e.type === 'stage') {
            rec.stage = `round ${e.round}: ${e.stage}`;
            this.publish(rec, `${rec.stage} with ${e.participants.length} participant(s)`);
          } else if (e.type === 'failure') {
            rec.failures.push(e.failure);
            this.log.warn('participant failure', { job: rec.id, ...e.failure });
            this.publish(rec, `${e.failure.stage}: ${e.failure.participant} failed: ${e.failure.reason}`);
          } else {
            rec.rounds.push(e.record);
            for (const p of e.record.participants) rec.participants.add(p);
            this.log.info('round complete', { job: rec.id, round: e.record.round, auc: e.record.metrics.auc, ks: e.record.metrics.ks });
            this.publish(rec, `round ${e.record.round} complete`, e.record);
          }
        },
      }, resume);
      rec.weights = outcome.weights;
      rec.state = 'SUCCEEDED';
      rec.stage = 'done';
      rec.finishedAt = Date.now();
      this.log.info('job succeeded', { job: rec.id });
      this.publish(rec, 'job succeeded');
    } catch (err) {
      rec.state = 'FAILED';
      rec.error = err instanceof JobFailedError ? err.message : `internal error: ${(err as Error).message}`;
      rec.finishedAt = Date.now();
      this.log.error('job failed', { job: rec.id, error: rec.error });
      this.publish(rec, `job failed: ${rec.error}`);
    }
    this.tryAudit(rec.id, 'job-finished', (a) => a.jobFinished(rec.id, rec.state, rec.error, rec.rounds.filter((r) => r.round > 0).length, this.guarantee(rec)));
  }

  /** Writes an audit record whose failure must not change the job (it is logged instead). */
  private tryAudit(job: string, kind: string, write: (audit: AuditLog) => void): void {
    try {
      if (this.audit) write(this.audit);
    } catch (err) {
      this.log.error(`audit log: ${kind} not recorded`, { job, error: (err as Error).message });
    }
  }
}
