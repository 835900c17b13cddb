/**
 * The data of a job report, derived from the job's status as the Control API returns it (what
 * the coordinator knows) plus, for simulations, the per-member comparisons the harness computed.
 * The HTML page embeds exactly this object as JSON, so every number on the page can be checked
 * against it, and it against the status.
 */
import type { EvalMetrics } from '../../core/metrics/histogram.ts';
import type { ScoreHistogram } from '../../core/metrics/histogram.ts';
import { rankStatistics } from '../../core/metrics/histogram.ts';
import type { JobStatus__Output } from '../../proto/generated/fedcredit/v1/JobStatus.ts';
import type { RoundReport__Output } from '../../proto/generated/fedcredit/v1/RoundReport.ts';
import type { CalibrationRow, KsCurve, RocPoint } from './curves.ts';
import { calibration, classShares, ksCurve, mergeBins, rocCurve } from './curves.ts';

/** What a simulation knows of one member beyond the coordinator's view: held-out AUCs of its models. */
export interface MemberComparison {
  localOnly?: number;
  federated?: number;
  personalized?: number;
  centralized?: number;
  /** The model the member kept after personalization. */
  kept?: string;
}

/** Extras a report can carry besides the job status. */
export interface ReportExtras {
  /** Per member: held-out AUCs of the local-only, federated, personalized and centralized models (simulations). */
  memberComparison?: Record<string, MemberComparison>;
  /** One sentence on where the comparison figures come from. */
  comparisonNote?: string;
  /** What produced the report, e.g. "fedcredit simulate --in-process". */
  source?: string;
  /** When the report was made (default: now). */
  generatedAt?: Date;
}

/** One round as the report shows it. */
export interface ReportRound extends EvalMetrics {
  round: number;
  participants: string[];
  evaluated: boolean;
  trainLoss: number;
  seconds: number;
  failures: { participant: string; stage: string; reason: string }[];
}

/** What the coordinator knows of one member, with a simulation's comparison when there is one. */
export interface ReportMember {
  name: string;
  /** Training rounds (1…) it contributed to. */
  rounds: number;
  failures: number;
  /** Stages in which it failed or dropped out, e.g. "round 3 train". */
  failedStages: string[];
  epsilonJob?: number;
  epsilonTotal?: number;
  budgetEpsilon?: number;
  delta?: number;
  validReceipts: number;
  invalidReceipts: number;
  /** Every valid receipt verified under the key the roster lists for the member. */
  receiptsPinned: boolean;
  comparison?: MemberComparison;
}

/** The whole report. */
export interface JobReportData {
  format: 'fedcredit-job-report';
  version: 1;
  generatedAt: string;
  source: string;
  job: {
    jobId: string; name: string; state: string; error: string; stage: string; aggregation: string; guarantee: string;
    roundsCompleted: number; roundsTotal: number; createdUnixMs: number; finishedUnixMs: number;
  };
  rounds: ReportRound[];
  /** The last evaluated round's metrics. */
  final?: ReportRound;
  /** The summed score histogram of the latest evaluated round (noised under record-level DP). */
  histogram?: ScoreHistogram & { round: number; aucFromHistogram: number; ksFromHistogram: number };
  curves?: { roc: RocPoint[]; ks: KsCurve; distribution: { from: number[]; negatives: number[]; positives: number[] }; calibration: CalibrationRow[] };
  /** ε spent in this job so far, per member after each round (null before its first receipt). */
  epsilon?: { rounds: number[]; perMember: Record<string, (number | null)[]>; delta: number };
  members: ReportMember[];
  secure?: { participants: number; survivors: number; threshold: number; neighbours: number; modulusBits: number; clippedTotal: number; authenticated: boolean };
  clientDp?: { noise: string; clipNorm: number; noiseMultiplier: number; survivors: number };
  comparisonNote?: string;
}

/** Groups of the score-distribution chart and of the calibration table. */
export const DISTRIBUTION_GROUPS = 20;
export const CALIBRATION_GROUPS = 10;

function reportRound(r: RoundReport__Output): ReportRound {
  const m = r.metrics;
  return {
    round: r.round, participants: [...r.participants], evaluated: m !== null && m.n > 0,
    auc: m?.auc ?? NaN, ks: m?.ks ?? NaN, gini: m?.gini ?? NaN, logLoss: m?.logLoss ?? NaN, brier: m?.brier ?? NaN, n: m?.n ?? 0, positives: m?.positives ?? 0,
    trainLoss: r.trainLoss, seconds: r.seconds, failures: r.failures.map((f) => ({ participant: f.participant, stage: f.stage, reason: f.reason })),
  };
}

function histogramPart(s: JobStatus__Output): Pick<JobReportData, 'histogram' | 'curves'> {
  const at = [...s.rounds].reverse().find((r) => r.scoreHistogram !== null && r.scoreHistogram.bins > 0);
  const h = at?.scoreHistogram;
  if (!at || !h) return {};
  const hist: ScoreHistogram = { bins: h.bins, negatives: [...h.negatives], positives: [...h.positives], noised: h.noised };
  const r = rankStatistics([...hist.negatives, ...hist.positives], hist.bins);
  const groups = mergeBins(hist, DISTRIBUTION_GROUPS);
  return {
    histogram: { ...hist, round: at.round, aucFromHistogram: r.auc, ksFromHistogram: r.ks },
    curves: { roc: rocCurve(hist), ks: ksCurve(hist), distribution: { from: groups.map((g) => g.from), ...classShares(groups) }, calibration: calibration(hist, CALIBRATION_GROUPS) },
  };
}

function epsilonPart(s: JobStatus__Output): Pick<JobReportData, 'epsilon'> {
  const names = [...new Set(s.rounds.flatMap((r) => r.privacy.map((p) => p.participant)))].sort();
  if (!names.length) return {};
  const perMember: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  const latest = new Map<string, number>();
  let delta = 0;
  for (const r of s.rounds) {
    for (const p of r.privacy) {
      latest.set(p.participant, Math.max(latest.get(p.participant) ?? 0, p.epsilonJob));
      delta = p.delta;
    }
    for (const n of names) perMember[n]!.push(latest.get(n) ?? null);
  }
  return { epsilon: { rounds: s.rounds.map((r) => r.round), perMember, delta } };
}

function members(s: JobStatus__Output, extras: ReportExtras): ReportMember[] {
  const names = new Set<string>([...s.participants, ...Object.keys(extras.memberComparison ?? {})]);
  for (const r of s.rounds) {
    for (const n of r.participants) names.add(n);
    for (const f of r.failures) names.add(f.participant);
  }
  return [...names].sort().map((name) => {
    const spends = s.rounds.flatMap((r) => r.privacy.filter((p) => p.participant === name));
    const last = spends[spends.length - 1];
    const failed = s.rounds.flatMap((r) => r.failures.filter((f) => f.participant === name).map((f) => `round ${r.round} ${f.stage}`));
    const comparison = extras.memberComparison?.[name];
    return {
      name,
      rounds: s.rounds.filter((r) => r.round > 0 && r.participants.includes(name)).length,
      failures: failed.length,
      failedStages: failed,
      ...(last ? { epsilonJob: Math.max(...spends.map((p) => p.epsilonJob)), epsilonTotal: last.epsilonTotal, budgetEpsilon: last.budgetEpsilon, delta: last.delta } : {}),
      validReceipts: spends.length,
      invalidReceipts: s.rounds.reduce((a, r) => a + r.invalidReceipts.filter((x) => x.participant === name).length, 0),
      receiptsPinned: spends.length > 0 && spends.every((p) => p.verifiedAgainstRoster),
      ...(comparison ? { comparison } : {}),
    };
  });
}

function securePart(s: JobStatus__Output): Pick<JobReportData, 'secure' | 'clientDp'> {
  const infos = s.rounds.flatMap((r) => (r.secure ? [r.secure] : []));
  const last = infos[infos.length - 1];
  const dp = [...s.rounds].reverse().find((r) => r.clientDp !== null)?.clientDp;
  return {
    ...(last
      ? { secure: { participants: last.participants, survivors: last.survivors, threshold: last.threshold, neighbours: last.neighbours, modulusBits: last.modulusBits, clippedTotal: infos.reduce((a, x) => a + x.clipped, 0), authenticated: infos.every((x) => x.authenticated) } }
      : {}),
    ...(dp ? { clientDp: { noise: dp.noise, clipNorm: dp.clipNorm, noiseMultiplier: dp.noiseMultiplier, survivors: dp.survivors } } : {}),
  };
}

/** The report data of a job from its status (as GetJobStatus returns it) and a simulation's extras. */
export function jobReportData(s: JobStatus__Output, extras: ReportExtras = {}): JobReportData {
  const rounds = s.rounds.map(reportRound);
  const final = [...rounds].reverse().find((r) => r.evaluated);
  return {
    format: 'fedcredit-job-report',
    version: 1,
    generatedAt: (extras.generatedAt ?? new Date()).toISOString(),
    source: extras.source ?? 'the Control API (GetJobStatus)',
    job: {
      jobId: s.jobId, name: s.name, state: s.state, error: s.error, stage: s.stage, aggregation: s.aggregation, guarantee: s.guarantee,
      roundsCompleted: s.roundsCompleted, roundsTotal: s.roundsTotal, createdUnixMs: Number(s.createdUnixMs), finishedUnixMs: Number(s.finishedUnixMs),
    },
    rounds,
    ...(final ? { final } : {}),
    ...histogramPart(s),
    ...epsilonPart(s),
    members: members(s, extras),
    ...securePart(s),
    ...(extras.comparisonNote ? { comparisonNote: extras.comparisonNote } : {}),
  };
}
