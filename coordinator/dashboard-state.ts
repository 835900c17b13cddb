/**
 * What the dashboard shows, as one JSON snapshot (`GET /api/state`): the participants and whether
 * they are online, the current job (the running one, else the latest) with its stage, AUC/KS per
 * evaluated round, ε per member and failures, and the recent jobs (also those stored before a restart). Read-only: built from the job
 * manager's in-memory records and the fleet's registry, nothing is changed. Privacy spends are the
 * ones the Control API reports (receipts verified, against the roster's keys when there is one).
 */
import { roundToWire } from './control-service.ts';
import type { JobManager, JobRecord } from './jobs.ts';
import { listJobs } from './job-list.ts';

/** A participant as the dashboard lists it. */
export interface DashboardParticipant {
  name: string;
  role: string;
  connected: boolean;
  /** Last heartbeat (ms since the epoch), 0 when the transport does not say. */
  lastSeenUnixMs: number;
}

/** Where the dashboard reads from: the job manager and a participant registry. */
export interface DashboardSource {
  jobs: JobManager;
  participants(): DashboardParticipant[];
}

/** The live view of one job. */
export interface DashboardJob {
  jobId: string;
  name: string;
  state: string;
  stage: string;
  error: string;
  roundsCompleted: number;
  roundsTotal: number;
  createdUnixMs: number;
  finishedUnixMs: number;
  /** Evaluated rounds only. */
  metrics: { round: number; auc: number | null; ks: number | null; participants: number }[];
  /** ε spent in this job per member after each round (null before its first receipt). */
  epsilon: { rounds: number[]; perMember: Record<string, (number | null)[]> };
  failures: { round: number; participant: string; stage: string; reason: string }[];
  guarantee: string;
}

/** A line of the recent-jobs table. */
export interface DashboardJobLine {
  jobId: string;
  name: string;
  state: string;
  roundsCompleted: number;
  roundsTotal: number;
  createdUnixMs: number;
  finishedUnixMs: number;
  auc: number | null;
  ks: number | null;
}

/** The whole snapshot. */
export interface DashboardState {
  generatedUnixMs: number;
  participants: DashboardParticipant[];
  current: DashboardJob | null;
  recent: DashboardJobLine[];
}

/** Recent jobs listed at most. */
export const RECENT_JOBS = 10;

const finite = (x: number) => (Number.isFinite(x) ? x : null);

function liveJob(rec: JobRecord, jobs: JobManager): DashboardJob {
  const evaluated = rec.rounds.filter((r) => r.metrics.n > 0);
  const names = new Set<string>();
  const spends = rec.rounds.map((r) => roundToWire(r, rec.id, jobs.memberKeys, false).privacy ?? []);
  for (const s of spends) for (const p of s) names.add(p.participant ?? '');
  const latest = new Map<string, number>();
  const perMember: Record<string, (number | null)[]> = Object.fromEntries([...names].sort().map((n) => [n, []]));
  for (const s of spends) {
    for (const p of s) latest.set(p.participant ?? '', Math.max(latest.get(p.participant ?? '') ?? 0, Number(p.epsilonJob ?? 0)));
    for (const n of names) perMember[n]!.push(latest.get(n) ?? null);
  }
  return {
    jobId: rec.id, name: rec.job.name, state: rec.state, stage: rec.stage, error: rec.error,
    roundsCompleted: rec.rounds.filter((r) => r.round > 0).length, roundsTotal: rec.job.rounds,
    createdUnixMs: rec.createdAt, finishedUnixMs: rec.finishedAt,
    metrics: evaluated.map((r) => ({ round: r.round, auc: finite(r.metrics.auc), ks: finite(r.metrics.ks), participants: r.participants.length })),
    epsilon: { rounds: rec.rounds.map((r) => r.round), perMember },
    failures: rec.rounds.flatMap((r) => r.failures.map((f) => ({ round: r.round, participant: f.participant, stage: f.stage, reason: f.reason }))),
    guarantee: jobs.guarantee(rec),
  };
}

/** The dashboard's snapshot now. */
export function dashboardState(source: DashboardSource, now: number = Date.now()): DashboardState {
  const records = source.jobs.inMemory().sort((a, b) => b.createdAt - a.createdAt);
  const current = records.find((r) => r.state === 'RUNNING') ?? records[0];
  return {
    generatedUnixMs: now,
    participants: source.participants().sort((a, b) => a.name.localeCompare(b.name)),
    current: current ? liveJob(current, source.jobs) : null,
    // Every job the coordinator knows, also those run before a restart (read from its state dir).
    recent: listJobs(source.jobs.stateDir, source.jobs.inMemory(), source.jobs.vertical, { limit: RECENT_JOBS }).jobs.map((j) => ({
      jobId: j.jobId, name: j.name, state: j.state, roundsCompleted: j.roundsCompleted, roundsTotal: j.roundsTotal,
      createdUnixMs: j.createdAt, finishedUnixMs: j.finishedAt, auc: j.metrics ? finite(j.metrics.auc) : null, ks: j.metrics ? finite(j.metrics.ks) : null,
    })),
  };
}
