/**
 * The coordinator's list of jobs (Control API ListJobs): queued and running jobs from memory and
 * every job in the state dir — horizontal ones under `jobs/`, vertical ones under `vertical/` —
 * so a restarted coordinator lists what it ran before. A listing reads a stored job's definition,
 * status and round records, never its weights. A job whose files cannot be read is listed FAILED
 * with the reason rather than hiding the others.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { modelName } from '../core/model/spec.ts';
import type { JobSpec } from '../core/job.ts';
import type { RoundRecord } from '../core/round/engine.ts';
import { partiesOf } from '../core/vertical/spec.ts';
import { isJobIdForm, storedJobIds } from './job-records.ts';
import type { JobRecord } from './job-records.ts';
import { JOB_STATES, JobStore } from './store.ts';
import type { JobState } from './store.ts';
import type { VerticalJobBook, VerticalJobRecord } from './vertical-jobs.ts';

/** One job in a listing. */
export interface JobListing {
  jobId: string;
  name: string;
  state: JobState;
  stage: string;
  error: string;
  roundsCompleted: number;
  roundsTotal: number;
  /** "logistic", "mlp", "gbdt", a custom model's name, or "vertical-logistic" / "vertical-mlp". */
  model: string;
  aggregation: string;
  createdAt: number;
  finishedAt: number;
  /** The last evaluated round's metrics, and that round. */
  metrics?: { auc: number; ks: number; gini: number; logLoss: number; brier: number; n: number; positives: number };
  metricsRound: number;
  participants: string[];
  privacy: string;
}

/** Which jobs to list. */
export interface ListJobsQuery {
  /** At most this many, newest first (default 50). */
  limit?: number;
  state?: JobState;
}

/** Default and largest number of jobs in one listing. */
export const LIST_JOBS_DEFAULT = 50;
export const LIST_JOBS_MAX = 1000;

function lastEvaluated(rounds: readonly RoundRecord[]): Pick<JobListing, 'metrics' | 'metricsRound'> {
  for (let i = rounds.length - 1; i >= 0; i--) {
    const r = rounds[i]!;
    if (r.metrics && r.metrics.n > 0 && Number.isFinite(r.metrics.auc)) return { metrics: { ...r.metrics }, metricsRound: r.round };
  }
  return { metricsRound: 0 };
}

function horizontal(job: JobSpec, id: string, rounds: readonly RoundRecord[], o: Pick<JobListing, 'state' | 'stage' | 'error' | 'aggregation' | 'createdAt' | 'finishedAt'>): JobListing {
  return {
    jobId: id,
    name: job.name,
    ...o,
    roundsCompleted: rounds.filter((r) => r.round > 0).length,
    roundsTotal: job.rounds,
    model: modelName(job.model),
    ...lastEvaluated(rounds),
    participants: [...new Set(rounds.flatMap((r) => r.participants))].sort(),
    privacy: job.privacy.mode,
  };
}

/** A listing of a job held in memory. */
export function listingOfRecord(rec: JobRecord): JobListing {
  return horizontal(rec.job, rec.id, rec.rounds, { state: rec.state, stage: rec.stage, error: rec.error, aggregation: rec.aggregation, createdAt: rec.createdAt, finishedAt: rec.finishedAt });
}

/** A listing of a stored job read from its files (definition, status, rounds — not weights). */
export function listingOfStored(stateDir: string, id: string): JobListing {
  const store = new JobStore(stateDir, id);
  try {
    const stored = store.readJob();
    const status = store.readStatus();
    return horizontal(stored.job, id, store.rounds(), {
      state: status?.state ?? 'PENDING', stage: status?.stage ?? 'queued', error: status?.error ?? '', aggregation: stored.aggregation,
      createdAt: stored.createdAt, finishedAt: status?.finishedAt ?? 0,
    });
  } catch (err) {
    return {
      jobId: id, name: '', state: 'FAILED', stage: 'unreadable', error: `stored job cannot be read: ${(err as Error).message}`, roundsCompleted: 0, roundsTotal: 0,
      model: '', aggregation: '', createdAt: 0, finishedAt: 0, metricsRound: 0, participants: [], privacy: '',
    };
  }
}

/** A listing of a vertical job. */
export function listingOfVertical(r: VerticalJobRecord): JobListing {
  const o = r.outcome;
  return {
    jobId: r.id, name: r.job.name, state: r.state, stage: r.stage, error: r.error,
    roundsCompleted: r.progress.step, roundsTotal: r.progress.steps, model: `vertical-${r.job.model.type}`, aggregation: 'vertical',
    createdAt: r.createdAt, finishedAt: r.finishedAt,
    ...(o ? { metrics: { auc: o.metrics.auc, ks: o.metrics.ks, gini: 2 * o.metrics.auc - 1, logLoss: o.metrics.logLoss, brier: Number.NaN, n: o.rows.test, positives: 0 }, metricsRound: o.steps } : { metricsRound: 0 }),
    participants: partiesOf(r.job), privacy: 'none',
  };
}

/** Ids of the vertical jobs stored under `stateDir`. */
function storedVerticalIds(stateDir: string): string[] {
  const dir = path.join(stateDir, 'vertical');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter(isJobIdForm) : [];
}

/**
 * Every job the coordinator knows, newest first: `live` (queued, running and cached records,
 * which are fresher than their files) and the rest from `stateDir`.
 */
export function listJobs(stateDir: string, live: readonly JobRecord[], vertical: VerticalJobBook, q: ListJobsQuery = {}): { jobs: JobListing[]; total: number } {
  const byId = new Map<string, JobListing>();
  for (const rec of live) byId.set(rec.id, listingOfRecord(rec));
  const limit = Math.min(LIST_JOBS_MAX, q.limit && q.limit > 0 ? q.limit : LIST_JOBS_DEFAULT);
  // Ids begin with their submission time: without a state filter only the newest `limit` stored
  // jobs of each kind can make the list, so only those are read (a dashboard polls this).
  const newest = (ids: string[]) => (q.state === undefined ? ids.sort().slice(-limit) : ids);
  const storedIds = storedJobIds(stateDir);
  const verticalIds = storedVerticalIds(stateDir);
  const unread = q.state === undefined ? new Set([...storedIds, ...verticalIds].filter((id) => !byId.has(id))).size : 0;
  for (const id of newest(storedIds)) if (!byId.has(id)) byId.set(id, listingOfStored(stateDir, id));
  for (const id of newest(verticalIds)) {
    if (byId.has(id)) continue;
    try {
      const v = vertical.get(id);
      if (v) byId.set(id, listingOfVertical(v));
    } catch (err) {
      byId.set(id, { ...listingOfStored(stateDir, id), error: `stored vertical job cannot be read: ${(err as Error).message}`, aggregation: 'vertical' });
    }
  }
  const all = [...byId.values()].filter((j) => q.state === undefined || j.state === q.state);
  // Newest first; ids begin with their submission time, which breaks ties.
  all.sort((a, b) => b.createdAt - a.createdAt || (a.jobId < b.jobId ? 1 : -1));
  // Without a filter every job counts, read or not: live ones plus every stored id not live.
  const total = q.state === undefined ? live.length + unread : all.length;
  return { jobs: all.slice(0, limit), total };
}

/** Whether `s` names a job state. */
export function isJobState(s: string): s is JobState {
  return (JOB_STATES as readonly string[]).includes(s);
}
