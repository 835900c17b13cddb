/**
 * The job manager's records of jobs: the in-memory view of one job ({@link JobRecord}), reading a
 * job back from its stored files ({@link loadJobRecord}), and a small bounded cache of finished
 * jobs ({@link FinishedJobs}). Only queued and running jobs must stay in memory; a finished job
 * lives on disk (coordinator/store.ts) and is read back when someone asks for it, so a coordinator
 * that has run many jobs — each with a job spec and schema of up to 1 MiB — holds a bounded
 * number of them, also after a restart.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { DataSchema } from '../core/data/schema.ts';
import type { JobSpec } from '../core/job.ts';
import type { ResumePoint, RoundRecord } from '../core/round/engine.ts';
import type { StageFailure } from '../core/round/grid.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { JobStore, isFinished } from './store.ts';
import type { JobState } from './store.ts';

/** In-memory view of a job (mirrored to disk by {@link JobStore}). */
export interface JobRecord {
  id: string;
  job: JobSpec;
  schema: DataSchema;
  state: JobState;
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
  /** Warnings given when the job was submitted (coordinator/job-warnings.ts); every watcher receives them. */
  warnings?: string[];
}

/** Finished jobs kept in memory by default (the rest are read from disk when asked for). */
export const FINISHED_JOBS_CACHED = 8;

/**
 * Whether `id` can name a stored job: 1–128 letters, digits, "-" or "_", starting with a letter
 * or digit. Anything else (a path, "..") is never looked up on disk.
 */
export function isJobIdForm(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(id);
}

/** Whether a job with this id is stored under `stateDir`. */
export function jobStored(stateDir: string, id: string): boolean {
  return isJobIdForm(id) && existsSync(path.join(new JobStore(stateDir, id).dir, 'job.json'));
}

/**
 * A job read back from its files: definition, latest status, stored rounds, preprocessing and
 * the weights after its last stored round (what FetchModel serves). Throws StoreError naming the
 * file that cannot be read.
 */
export function loadJobRecord(stateDir: string, id: string): JobRecord {
  const store = new JobStore(stateDir, id);
  const rounds = store.rounds();
  const last = rounds[rounds.length - 1];
  return recordOf(store, store.readStatus(), rounds, store.readPreprocessing(), last ? store.weights(last.round) : undefined);
}

function recordOf(
  store: JobStore,
  status: ReturnType<JobStore['readStatus']>,
  rounds: RoundRecord[],
  preprocessing: PreprocessingParams | undefined,
  weights: Float32Array | undefined,
): JobRecord {
  const stored = store.readJob();
  return {
    id: store.jobId,
    job: stored.job,
    schema: stored.schema,
    state: status?.state ?? 'PENDING',
    stage: status?.stage ?? 'queued',
    error: status?.error ?? '',
    rounds,
    participants: new Set(rounds.flatMap((r) => r.participants)),
    failures: [],
    aggregation: stored.aggregation,
    createdAt: stored.createdAt,
    finishedAt: status?.finishedAt ?? 0,
    preprocessing,
    weights,
    store,
  };
}

/** Ids of the jobs stored under `stateDir`, oldest first (ids begin with their submission time). */
export function storedJobIds(stateDir: string): string[] {
  const root = path.join(stateDir, 'jobs');
  return existsSync(root) ? readdirSync(root).filter((id) => jobStored(stateDir, id)).sort() : [];
}

/**
 * A stored job that has not finished (queued, running or paused when the coordinator stopped),
 * with where it resumes: the rounds, preprocessing and weights of its resume point. Undefined for
 * a finished job, which is not read beyond its status. Throws StoreError naming an unreadable file.
 */
export function loadUnfinished(stateDir: string, id: string): { rec: JobRecord; resume?: ResumePoint } | undefined {
  const store = new JobStore(stateDir, id);
  const status = store.readStatus();
  if (status && isFinished(status.state)) return undefined;
  const resume = store.resumePoint();
  // Rounds past the resume point are run again, so the record starts from it.
  const rec = resume ? recordOf(store, status, resume.rounds, resume.preprocessing, resume.state?.weights) : loadJobRecord(stateDir, id);
  return { rec, resume };
}

/** The most recently used finished jobs, at most `capacity` of them (least recently used leave first). */
export class FinishedJobs {
  private readonly byId = new Map<string, JobRecord>();

  constructor(readonly capacity: number = FINISHED_JOBS_CACHED) {}

  /** The cached job, marked as just used; undefined when it is not cached. */
  get(id: string): JobRecord | undefined {
    const rec = this.byId.get(id);
    if (rec) {
      this.byId.delete(id);
      this.byId.set(id, rec);
    }
    return rec;
  }

  /** Caches a job, evicting the least recently used beyond the capacity. */
  put(rec: JobRecord): void {
    this.byId.delete(rec.id);
    this.byId.set(rec.id, rec);
    while (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as string);
  }

  /** The cached jobs, least recently used first. */
  records(): JobRecord[] {
    return [...this.byId.values()];
  }
}
