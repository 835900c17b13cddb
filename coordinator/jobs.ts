/**
 * Job manager: accepts validated jobs into a bounded FIFO queue, runs them one at a time on the
 * round engine, cancels a queued or running job on request, pauses the running one when the
 * coordinator stops (a restart resumes it, as after a crash); their status and progress reach the
 * Control API and watchers through the job reporter (job-reporter.ts). Queued and running jobs
 * are held in memory; finished ones are read back from the store when asked for
 * (job-records.ts), with a few kept in a cache.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSchema } from '../core/data/schema.ts';
import type { JobSpec } from '../core/job.ts';
import { modelSummary } from '../core/model/summary.ts';
import { JobFailedError, runJob } from '../core/round/engine.ts';
import type { ResumePoint } from '../core/round/engine.ts';
import { plainSum } from '../core/round/sum-protocol.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import type { AuditLog } from './audit-log.ts';
import type { Grid } from '../core/round/grid.ts';
import type { StrategyRegistry } from '../core/strategy/strategy.ts';
import { FinishedJobs, jobStored, loadJobRecord, loadUnfinished, storedJobIds } from './job-records.ts';
import type { JobRecord } from './job-records.ts';
import { submissionWarnings } from './job-warnings.ts';
import { JobStop, MAX_QUEUED_JOBS, RunQueue, SubmitRefusedError, unrosteredProblem } from './job-queue.ts';
import type { JobLimits } from './job-queue.ts';
import { JobStore, isFinished } from './store.ts';
import { JobReporter } from './job-reporter.ts';
import type { JobUpdate } from './job-reporter.ts';
import type { Logger } from '../platform/log.ts';
import type { VerticalJobSpec } from '../core/vertical/spec.ts';
import { VerticalJobBook, type VerticalJobRecord } from './vertical-jobs.ts';
import { onEngineEvent } from './job-events.ts';

/** The in-memory view of a job (defined with the store reading in job-records.ts). */
export type { JobRecord } from './job-records.ts';

/** What watchers receive (defined with the reporting in job-reporter.ts). */
export type { JobUpdate } from './job-reporter.ts';

/** A job in the run queue: a horizontal one with where it resumes after a restart, or a vertical one. */
type Queued = { rec: JobRecord; resume?: ResumePoint } | { vertical: VerticalJobRecord };

/** What {@link JobManager.cancel} did: cancelled the job, found it finished already, or cannot act while the coordinator stops. */
export type CancelOutcome = { record: JobRecord; outcome: 'cancelled' | 'finished' | 'stopping' };

/** The grid a job manager runs jobs on: the Fleet over gRPC, or an in-memory one (sim/). */
export type JobGrid = Grid & {
  /** Set while a job runs, so the grid can tag what it hands out. */
  currentJobId?: string;
};

/** Options of a job manager beyond its grid, state dir and log. */
export interface JobManagerOptions {
  /** The coordinator's audit log (coordinator/audit-log.ts), when it keeps one. */
  audit?: AuditLog;
  limits?: JobLimits;
  /** User-defined strategies jobs may name (`strategy: { type: "custom", name }`). */
  strategies?: StrategyRegistry;
  /** The coordinator's secret randomness (central client-level DP noise); default node:crypto. */
  rng?: (n: number) => Uint8Array;
}

/** Runs jobs against the fleet. */
export class JobManager {
  /** Queued and running jobs (and a job paused by a stop). */
  private readonly live = new Map<string, JobRecord>();
  private readonly finished: FinishedJobs;
  private readonly queue: RunQueue<Queued>;
  private readonly maxQueued: number;
  /** Fresh per coordinator process: part of every secure-sum run id, so a resumed job never repeats one. */
  readonly incarnation = randomBytes(6).toString('hex');
  /**
   * The roster's member keys (name → Ed25519 public key), set when the coordinator has a roster:
   * secure sums then run authenticated (signed key adverts, consistency check), the
   * coordinator drops a participant whose signature does not verify, and privacy receipts are
   * reported as verified against these keys.
   */
  memberKeys?: ReadonlyMap<string, Uint8Array>;
  private readonly report: JobReporter;
  /** Vertical jobs' records and runs (they share this queue with horizontal jobs). */
  readonly vertical: VerticalJobBook;

  private readonly audit?: AuditLog;
  private readonly strategies: StrategyRegistry;
  private readonly rng: (n: number) => Uint8Array;

  constructor(
    private readonly grid: JobGrid,
    readonly stateDir: string,
    private readonly log: Logger,
    options: JobManagerOptions = {},
  ) {
    const limits = options.limits ?? {};
    this.audit = options.audit;
    this.strategies = options.strategies ?? new Map();
    this.rng = options.rng ?? ((n) => new Uint8Array(randomBytes(n)));
    this.report = new JobReporter(log, options.audit, () => this.memberKeys !== undefined);
    this.maxQueued = limits.maxQueued ?? MAX_QUEUED_JOBS;
    this.finished = new FinishedJobs(limits.finishedCached);
    this.vertical = new VerticalJobBook(stateDir, log, options.audit);
    this.queue = new RunQueue<Queued>(
      (q, signal) => {
        if ('rec' in q) return this.execute(q.rec, signal, q.resume);
        this.grid.currentJobId = q.vertical.id;
        return this.vertical.execute(q.vertical, this.grid, signal, this.rng);
      },
      (q) => {
        if ('rec' in q && isFinished(q.rec.state)) this.retire(q.rec);
      },
      (q, err) => this.log.error('job manager: unexpected error', { job: 'rec' in q ? q.rec.id : q.vertical.id, error: (err as Error).message }),
    );
  }

  /** Queues a job; returns its id immediately. Throws {@link SubmitRefusedError} when the queue is full or the coordinator stops. */
  submit(job: JobSpec, schema: DataSchema): string {
    if (job.strategy.type === 'custom' && !this.strategies.has(job.strategy.name)) {
      const known = [...this.strategies.keys()];
      throw new SubmitRefusedError(`strategy "${job.strategy.name}" is not registered on this coordinator (${known.length ? `registered: ${known.join(', ')}` : 'none is'})`, 'invalid');
    }
    this.checkRostered(job.participants ?? [], 'participants');
    const id = this.newJobId();
    const store = new JobStore(this.stateDir, id);
    const rec: JobRecord = {
      id, job, schema, state: 'PENDING', stage: 'queued', error: '', rounds: [], participants: new Set(), failures: [],
      aggregation: job.aggregation, createdAt: Date.now(), finishedAt: 0, store,
    };
    this.audit?.jobSubmitted(id, job, schema); // throws (the submission fails, nothing is stored) when the log cannot be written
    store.init(job, schema, rec.aggregation, rec.createdAt);
    this.live.set(id, rec);
    this.log.info('job submitted', { job: id, name: job.name, rounds: job.rounds, model: job.model.type });
    rec.warnings = submissionWarnings(job, { connected: this.grid.available(), ...(this.memberKeys ? { rosterNames: [...this.memberKeys.keys()] } : {}) });
    for (const w of rec.warnings) this.log.warn(`job ${id}: ${w}`);
    this.queue.push({ rec });
    return id;
  }

  /** Queues a vertical job; returns its id. Throws {@link SubmitRefusedError} when the queue is full or the coordinator stops. */
  submitVertical(job: VerticalJobSpec): string {
    this.checkRostered([job.labelHolder, ...job.featureParties], 'parties');
    const id = this.newJobId();
    const rec = this.vertical.create(id, job);
    this.log.info('vertical job submitted', { job: id, name: job.name, labelHolder: job.labelHolder, featureParties: job.featureParties });
    this.queue.push({ vertical: rec });
    return id;
  }

  /** With a roster, refuses at once a job naming someone it does not list (it would wait for them in vain). */
  private checkRostered(names: readonly string[], field: string): void {
    const problem = this.memberKeys && unrosteredProblem(this.memberKeys, names, field);
    if (problem) throw new SubmitRefusedError(problem, 'invalid');
  }

  /** A fresh job id, once the queue has room. */
  private newJobId(): string {
    if (this.queue.isPaused) throw new SubmitRefusedError('the coordinator is stopping; submit the job again once it has restarted', 'stopping');
    if (this.queue.length >= this.maxQueued) {
      throw new SubmitRefusedError(`${this.queue.length} jobs are already queued, the most this coordinator accepts; wait for one to finish or cancel one (fedcredit cancel)`, 'queue-full');
    }
    return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`;
  }

  /** Cancels a queued or running vertical job; undefined when unknown. */
  async cancelVertical(id: string, by: string): Promise<VerticalJobRecord | undefined> {
    const rec = this.vertical.get(id);
    if (!rec || isFinished(rec.state)) return rec;
    const reason = `cancelled by ${by}`;
    if (this.queue.remove((q) => 'vertical' in q && q.vertical.id === id)) this.vertical.end(rec, 'CANCELLED', reason);
    else await this.queue.stop((q) => 'vertical' in q && q.vertical.id === id, new JobStop('cancel', reason));
    return rec;
  }

  /**
   * The job, if known: queued and running ones from memory, finished ones from the cache or read
   * back from the store. Throws StoreError when the job is stored but its files cannot be read.
   */
  get(id: string): JobRecord | undefined {
    const known = this.live.get(id) ?? this.finished.get(id);
    if (known || !jobStored(this.stateDir, id)) return known;
    const rec = loadJobRecord(this.stateDir, id);
    if (isFinished(rec.state)) this.finished.put(rec);
    return rec;
  }

  /** Every job record held in memory: queued, running and the cached finished ones. */
  inMemory(): JobRecord[] {
    return [...this.live.values(), ...this.finished.records()];
  }

  /** Subscribes to a job's updates; returns the unsubscribe function. */
  watch(id: string, fn: (u: JobUpdate) => void): () => void {
    return this.report.watch(id, fn);
  }

  /** Resolves when no job is queued or running (or the manager is paused). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Cancels a job, `by` naming who asked: a queued job leaves the queue and never runs; the
   * running one is interrupted at once (its waits and stage deadlines end) and settles before this
   * resolves. Either ends CANCELLED with the error "cancelled by <by>", in the status and the
   * audit log. Undefined when the job is unknown.
   */
  async cancel(id: string, by: string): Promise<CancelOutcome | undefined> {
    const rec = this.get(id);
    if (!rec) return undefined;
    if (isFinished(rec.state)) return { record: rec, outcome: 'finished' };
    if (this.queue.isPaused) return { record: rec, outcome: 'stopping' };
    const reason = `cancelled by ${by}`;
    if (this.queue.remove((q) => 'rec' in q && q.rec === rec)) {
      this.report.end(rec, 'CANCELLED', reason);
      this.retire(rec);
      return { record: rec, outcome: 'cancelled' };
    }
    await this.queue.stop((q) => 'rec' in q && q.rec === rec, new JobStop('cancel', reason));
    return { record: rec, outcome: rec.state === 'CANCELLED' ? 'cancelled' : 'finished' };
  }

  /**
   * Stops running jobs for a coordinator stop: no queued job starts any more, and the running one
   * is interrupted and left resumable — its status stays RUNNING with a "paused" stage and no
   * job-finished record is written — so the next start resumes it from its last stored round,
   * exactly as after a crash. Watchers are told (the Control API ends their streams with
   * UNAVAILABLE, so clients re-attach). Resolves once the running job has settled (at most `waitMs`).
   */
  async pause(reason: string, waitMs = 5000): Promise<void> {
    if (this.queue.isPaused) return;
    const waiting = [...this.queue.queued()];
    await this.queue.pause(new JobStop('pause', reason), waitMs);
    for (const q of waiting) {
      if ('rec' in q) this.report.publish(q.rec, `${reason}; job ${q.rec.id} stays queued and runs when the coordinator restarts`, undefined, true);
      else this.vertical.end(q.vertical, 'FAILED', `${reason} before the job started; a vertical job does not resume: submit it again`);
    }
  }

  /** The guarantee in force for a job; with a roster, receipts are checked against its keys (coordinator/fleet-service.ts). */
  guarantee(rec: JobRecord): string {
    return this.report.guarantee(rec);
  }

  /**
   * Loads the jobs stored under the state dir (after a restart) that were queued or running — also
   * those paused by a stop — and queues them again: each resumes from its last stored round (a
   * round interrupted mid-way runs again, under new secure-sum run ids). Finished jobs stay on
   * disk until asked for. A job whose files cannot be read is logged and left alone; it never
   * stops the coordinator.
   */
  resumeStored(): void {
    this.vertical.failInterrupted();
    for (const id of storedJobIds(this.stateDir).filter((x) => !this.live.has(x))) {
      let loaded: ReturnType<typeof loadUnfinished>;
      try {
        loaded = loadUnfinished(this.stateDir, id);
      } catch (err) {
        this.log.error('stored job cannot be loaded', { job: id, error: (err as Error).message });
        continue;
      }
      if (!loaded) continue;
      const { rec, resume } = loaded;
      this.live.set(id, rec);
      const lastRound = resume?.rounds.at(-1)?.round;
      const from = lastRound !== undefined ? `after round ${lastRound}` : 'from the start';
      this.log.warn('resuming job after a coordinator restart', { job: id, from });
      rec.state = 'PENDING';
      rec.stage = `queued: resuming ${from} after a coordinator restart`;
      this.report.publish(rec, rec.stage);
      this.report.tryAudit(id, 'job-resumed', (a) => a.jobResumed(id, lastRound ?? null));
      this.queue.push({ rec, resume });
    }
  }

  /** A finished job leaves memory, except for a place in the bounded cache. */
  private retire(rec: JobRecord): void {
    this.live.delete(rec.id);
    this.finished.put(rec);
  }

  private async execute(rec: JobRecord, signal: AbortSignal, resume?: ResumePoint): Promise<void> {
    rec.state = 'RUNNING';
    rec.stage = 'waiting for participants';
    this.grid.currentJobId = rec.id;
    this.report.publish(rec, `job started: ${modelSummary(rec.job, rec.schema)}, aggregation ${rec.aggregation}`);
    try {
      const outcome = await runJob(rec.id, rec.job, rec.schema, {
        grid: this.grid,
        signal,
        sum: rec.job.aggregation === 'plain' ? plainSum : secureSum(rec.id, rec.job, this.incarnation, { now: () => performance.now(), ...(this.memberKeys ? { authenticated: true, roster: this.memberKeys } : {}) }),
        now: () => Date.now(),
        // Central client-level DP noise from the coordinator's own CSPRNG (node:crypto unless injected).
        noiseRng: this.rng,
        strategies: this.strategies,
        store: {
          savePreprocessing: async (p) => {
            rec.preprocessing = p;
            await rec.store.savePreprocessing(p);
          },
          saveRelease: (kind, round, survivors) => rec.store.saveRelease(kind, round, survivors),
          saveRound: async (r, state, next) => {
            await rec.store.saveRound(r, state, next);
            this.audit?.roundCompleted(rec.id, r); // a round that cannot be audited fails the job
            rec.weights = state.weights;
          },
        },
        emit: (e) => onEngineEvent(rec, e, this.report, this.log),
      }, resume);
      rec.weights = outcome.weights;
      this.report.end(rec, 'SUCCEEDED', '');
    } catch (err) {
      const stop = signal.aborted && signal.reason instanceof JobStop ? signal.reason : undefined;
      if (stop?.kind === 'pause') {
        // Left as a crash would leave it (state RUNNING, no job-finished record): a restart resumes it.
        rec.stage = `paused: ${stop.reason}; the job resumes when the coordinator restarts`;
        this.log.warn('job paused', { job: rec.id, reason: stop.reason });
        this.report.publish(rec, rec.stage, undefined, true);
        return;
      }
      if (stop) this.report.end(rec, 'CANCELLED', stop.reason);
      else this.report.end(rec, 'FAILED', err instanceof JobFailedError ? err.message : `internal error: ${(err as Error).message}`);
    }
  }
}
