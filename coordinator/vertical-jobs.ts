/**
 * The coordinator's vertical jobs: their records (kept in memory and written under
 * `<state-dir>/vertical/<id>.json` at every change of state), the updates watchers receive, and
 * the run of one job on the fleet (core/vertical/run-job.ts). Jobs are queued and run by the job
 * manager, one at a time with horizontal jobs. A vertical job does not resume after a coordinator
 * restart — every party holds per-job keys and shares in memory only — so one found unfinished at
 * start is marked FAILED with that reason.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { withSignal } from '../core/round/grid.ts';
import type { Grid } from '../core/round/grid.ts';
import { runVerticalJob, VerticalJobError, type VerticalOutcome } from '../core/vertical/run-job.ts';
import { type VerticalJobSpec, VerticalJobSpecSchema } from '../core/vertical/spec.ts';
import { writeJsonAtomic } from '../platform/atomic.ts';
import { verticalGuaranteeText } from '../core/vertical/guarantee.ts';
import type { AuditLog } from './audit-log.ts';
import type { Logger } from '../platform/log.ts';
import { JobStop } from './job-queue.ts';
import { isFinished, type JobState } from './store.ts';

/** A vertical job as the coordinator knows it. */
export interface VerticalJobRecord {
  id: string;
  job: VerticalJobSpec;
  state: JobState;
  stage: string;
  error: string;
  createdAt: number;
  finishedAt: number;
  /** Training steps done and planned (planned is known after the intersection). */
  progress: { step: number; steps: number };
  outcome?: VerticalOutcome;
}

/** What a watcher of a vertical job receives. */
export interface VerticalUpdate {
  record: VerticalJobRecord;
  message: string;
}

/** Records, watchers and runs of vertical jobs. */
export class VerticalJobBook {
  private readonly live = new Map<string, VerticalJobRecord>();
  private readonly watchers = new Map<string, Set<(u: VerticalUpdate) => void>>();
  private readonly dir: string;

  constructor(stateDir: string, private readonly log: Logger, private readonly audit?: AuditLog) {
    this.dir = path.join(stateDir, 'vertical');
  }

  /** A new PENDING record, written to disk (throws when it cannot be). */
  create(id: string, job: VerticalJobSpec): VerticalJobRecord {
    const rec: VerticalJobRecord = { id, job, state: 'PENDING', stage: 'queued', error: '', createdAt: Date.now(), finishedAt: 0, progress: { step: 0, steps: 0 } };
    this.audit?.verticalJobSubmitted(id, job); // throws (nothing is stored) when the log cannot be written
    this.save(rec);
    this.live.set(id, rec);
    return rec;
  }

  /** The record, from memory or from disk; undefined when unknown. */
  get(id: string): VerticalJobRecord | undefined {
    const known = this.live.get(id);
    if (known || !/^[\w.-]{1,200}$/.test(id)) return known;
    const file = path.join(this.dir, `${id}.json`);
    if (!existsSync(file)) return undefined;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as VerticalJobRecord;
    return { ...raw, job: VerticalJobSpecSchema.parse(raw.job) };
  }

  /** Subscribes to a job's updates; returns the unsubscribe function. */
  watch(id: string, fn: (u: VerticalUpdate) => void): () => void {
    const set = this.watchers.get(id) ?? new Set();
    set.add(fn);
    this.watchers.set(id, set);
    return () => set.delete(fn);
  }

  /** Saves the record and tells its watchers. */
  publish(rec: VerticalJobRecord, message: string): void {
    this.save(rec);
    for (const fn of this.watchers.get(rec.id) ?? []) fn({ record: rec, message });
  }

  /** Ends a job: final state and error, saved, logged and published; it then leaves memory. */
  end(rec: VerticalJobRecord, state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', error: string): void {
    rec.state = state;
    rec.error = error;
    rec.stage = state === 'SUCCEEDED' ? 'finished' : state.toLowerCase();
    rec.finishedAt = Date.now();
    this.log[state === 'SUCCEEDED' ? 'info' : 'warn']('vertical job ended', { job: rec.id, state, error, auc: rec.outcome?.metrics.auc });
    try {
      this.audit?.jobFinished(rec.id, state, error, rec.outcome?.steps ?? rec.progress.step, verticalGuaranteeText(rec.job));
    } catch (err) {
      this.log.error('the audit log could not record the end of a vertical job', { job: rec.id, error: (err as Error).message });
    }
    this.publish(rec, state === 'SUCCEEDED' ? 'job succeeded' : `job ${state === 'FAILED' ? 'failed' : 'cancelled'}: ${error}`);
    this.live.delete(rec.id);
    this.watchers.delete(rec.id);
  }

  /** Marks stored jobs that were queued or running when the coordinator stopped as FAILED. */
  failInterrupted(): void {
    if (!existsSync(this.dir)) return;
    for (const f of readdirSync(this.dir).filter((x) => x.endsWith('.json'))) {
      try {
        const rec = this.get(f.slice(0, -5));
        if (rec && !isFinished(rec.state)) this.end(rec, 'FAILED', 'the coordinator stopped while the job was queued or running; a vertical job cannot resume (the parties hold its keys and shares in memory only): submit it again');
      } catch (err) {
        this.log.error('stored vertical job cannot be read', { file: f, error: (err as Error).message });
      }
    }
  }

  /** Runs the job on `grid` until it ends; `signal` stops it (cancel, or the coordinator stopping). */
  async execute(rec: VerticalJobRecord, grid: Grid, signal: AbortSignal, rng: (n: number) => Uint8Array): Promise<void> {
    rec.state = 'RUNNING';
    rec.stage = 'waiting for parties';
    this.publish(rec, `vertical job started: label holder ${rec.job.labelHolder}, feature parties ${rec.job.featureParties.join(', ')}`);
    let lastEpoch = -1;
    try {
      rec.outcome = await runVerticalJob(rec.id, rec.job, {
        grid: withSignal(grid, signal), rng, now: () => Date.now(),
        emit: (e) => {
          rec.stage = e.step.startsWith('train') ? `training step ${e.t} of ${e.steps}` : e.step;
          rec.progress = { step: Math.min(e.t, e.steps), steps: e.steps };
          const perEpoch = Math.max(1, Math.floor(e.steps / rec.job.train.epochs));
          const epoch = Math.floor(e.t / perEpoch);
          // Publish each stage outside training, and training once per epoch (hundreds of steps).
          if (!e.step.startsWith('train')) this.publish(rec, `${e.step} with ${e.parties.join(', ')}`);
          else if (e.step === 'train-a' && epoch !== lastEpoch) {
            lastEpoch = epoch;
            this.publish(rec, `training: epoch ${Math.min(epoch + 1, rec.job.train.epochs)} of ${rec.job.train.epochs} (${e.steps} steps in all)`);
          }
        },
      });
      this.end(rec, 'SUCCEEDED', '');
    } catch (err) {
      const stop = signal.aborted && signal.reason instanceof JobStop ? signal.reason : undefined;
      if (stop?.kind === 'pause') this.end(rec, 'FAILED', `${stop.reason} during the job; a vertical job does not resume (the parties hold its keys and shares in memory only): submit it again`);
      else if (stop) this.end(rec, 'CANCELLED', stop.reason);
      else this.end(rec, 'FAILED', err instanceof VerticalJobError ? err.message : `internal error: ${(err as Error).message}`);
    }
  }

  private save(rec: VerticalJobRecord): void {
    mkdirSync(this.dir, { recursive: true });
    writeJsonAtomic(path.join(this.dir, `${rec.id}.json`), rec);
  }
}
