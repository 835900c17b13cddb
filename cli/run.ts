/**
 * `fedcredit run`: submit a job to a coordinator, follow it round by round, save the final model
 * as a model package (scoring/package-write.ts: the model files and metadata.json), and print a
 * summary (human or `--json`).
 */
import path from 'node:path';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { writeModelPackage } from '../scoring/package-write.ts';
import type { WrittenPackage } from '../scoring/package-write.ts';
import { ControlClient } from '../client/control-client.ts';
import type { ControlOptions, FetchedModel } from '../client/control-client.ts';
import type { LoadedJob } from './job-file.ts';
import { JobProgress } from './progress.ts';
import { writeJobReport } from './report-cmd.ts';

/** Options of one run. */
export interface RunOptions {
  coordinator: string;
  loaded: LoadedJob;
  outDir?: string;
  json: boolean;
  /** Where human-readable lines go (stdout normally, stderr with --json). */
  print: (line: string) => void;
  /** TLS credentials and operator token for the Control API. */
  control?: ControlOptions;
  /** Also write the job's HTML report here (cli/report-html/). */
  reportFile?: string;
}

/** Final metrics and facts of a finished job, as printed by `--json`. */
export interface RunSummary {
  jobId: string;
  name: string;
  state: string;
  error?: string;
  aggregation: string;
  guarantee: string;
  participants: string[];
  federated: { auc: number; ks: number; gini: number; logLoss: number; brier: number; n: number; positives: number };
  /** Secure-aggregation facts of the last round, with the job's total of clipped coordinates. */
  secureAggregation?: { participants: number; survivors: number; threshold: number; neighbours: number; modulusBits: number; clippedTotal: number; authenticated: boolean };
  rounds: {
    round: number; participants: string[]; auc: number; ks: number; logLoss: number; trainLoss: number; seconds: number;
    failures: { participant: string; stage: string; reason: string }[];
    /** Update coordinates clipped in this round (secure aggregation), summed over survivors. */
    clipped?: number;
    /**
     * DP: each trainer's spend as its signed receipt states it (valid receipts only);
     * `verifiedAgainstRoster`: checked against the key the coordinator's roster lists for it.
     */
    privacy?: {
      participant: string; epsilonRound: number; epsilonJob: number; epsilonTotal: number; delta: number; budgetEpsilon: number;
      signatureValid: boolean; verifiedAgainstRoster: boolean; signerPublicKey: string;
    }[];
    /** Stored receipts the coordinator does not count, and why. */
    invalidReceipts?: { participant: string; reason: string }[];
  }[];
  /** DP: each participant's latest ε for this job and over all its jobs, at δ, from its receipts. */
  privacy?: Record<string, { epsilonJob: number; epsilonTotal: number; delta: number; budgetEpsilon: number; signatureValid: boolean; verifiedAgainstRoster: boolean }>;
  modelDir?: string;
  backend?: string;
  /** Wall time of the job on the coordinator, from submission to its end (s). */
  jobSeconds?: number;
}

function secureSummary(s: JobStatus__Output): Pick<RunSummary, 'secureAggregation'> {
  const infos = s.rounds.map((r) => r.secure).filter((x) => x !== null);
  const last = infos[infos.length - 1];
  if (!last) return {};
  const { participants, survivors, threshold, neighbours, modulusBits } = last;
  const authenticated = infos.every((x) => x.authenticated);
  return { secureAggregation: { participants, survivors, threshold, neighbours, modulusBits, clippedTotal: infos.reduce((a, x) => a + x.clipped, 0), authenticated } };
}

function privacySummary(s: JobStatus__Output): Pick<RunSummary, 'privacy'> {
  const latest: NonNullable<RunSummary['privacy']> = {};
  for (const r of s.rounds) for (const p of r.privacy) latest[p.participant] = {
    epsilonJob: p.epsilonJob, epsilonTotal: p.epsilonTotal, delta: p.delta, budgetEpsilon: p.budgetEpsilon, signatureValid: p.signatureValid, verifiedAgainstRoster: p.verifiedAgainstRoster,
  };
  return Object.keys(latest).length ? { privacy: latest } : {};
}

/** Builds the summary from a final job status. */
export function summarize(s: JobStatus__Output): RunSummary {
  const last = s.rounds[s.rounds.length - 1];
  const m = last?.metrics;
  return {
    jobId: s.jobId,
    name: s.name,
    state: s.state,
    ...(s.error ? { error: s.error } : {}),
    aggregation: s.aggregation,
    guarantee: s.guarantee,
    participants: s.participants,
    ...(Number(s.finishedUnixMs) > 0 ? { jobSeconds: (Number(s.finishedUnixMs) - Number(s.createdUnixMs)) / 1000 } : {}),
    ...secureSummary(s),
    federated: { auc: m?.auc ?? NaN, ks: m?.ks ?? NaN, gini: m?.gini ?? NaN, logLoss: m?.logLoss ?? NaN, brier: m?.brier ?? NaN, n: m?.n ?? 0, positives: m?.positives ?? 0 },
    rounds: s.rounds.map((r) => ({
      round: r.round, participants: r.participants, auc: r.metrics?.auc ?? NaN, ks: r.metrics?.ks ?? NaN,
      logLoss: r.metrics?.logLoss ?? NaN, trainLoss: r.trainLoss, seconds: r.seconds, failures: r.failures,
      ...(r.secure ? { clipped: r.secure.clipped } : {}),
      ...(r.privacy.length ? { privacy: r.privacy.map(({ receiptJson: _, ...spend }) => spend) } : {}),
      ...(r.invalidReceipts.length ? { invalidReceipts: r.invalidReceipts } : {}),
    })),
    ...privacySummary(s),
  };
}

/**
 * Writes the model package of a succeeded job (scoring/package-write.ts) from its final status
 * and fetched model; `run --out` and `fetch` both save through here. `loaded` is the job and
 * schema (from the job file, or from the fetched model's metadata).
 */
export async function saveJobPackage(
  outDir: string, final: JobStatus__Output, model: FetchedModel, loaded: Pick<LoadedJob, 'job' | 'schema'>, coordinator: string,
): Promise<WrittenPackage & { backend: string }> {
  const summary = summarize(final);
  const backend = (await initBackend()).name;
  const written = await writeModelPackage(outDir, {
    jobId: summary.jobId, job: loaded.job, schema: loaded.schema, preprocessing: model.meta.preprocessing as PreprocessingParams,
    weights: model.weights, guarantee: summary.guarantee, aggregation: summary.aggregation, members: summary.participants,
    metrics: summary.federated, ...(summary.privacy ? { privacy: summary.privacy } : {}),
    createdAt: new Date(Number(final.createdUnixMs)).toISOString(), finishedAt: new Date(Number(final.finishedUnixMs)).toISOString(),
    extra: { ...summary, backend, modelDir: path.resolve(outDir), coordinator },
  });
  return { ...written, backend };
}

/** Submits, follows and saves; resolves with the summary (state FAILED included, never throws for a failed job). */
export async function runJobOnCoordinator(o: RunOptions): Promise<{ summary: RunSummary; status: JobStatus__Output; weights?: Float32Array; meta?: Record<string, unknown> }> {
  const control = new ControlClient(o.coordinator, o.control);
  try {
    const jobId = await control.submit(o.loaded.job, o.loaded.schema);
    o.print(`submitted job ${jobId} (${o.loaded.job.name}) to ${o.coordinator}`);
    const progress = new JobProgress(o.loaded.job.rounds, o.print);
    let told = false;
    const final = await control.follow(jobId, (e) => {
      told = false;
      progress.onEvent(e);
    }, {
      onReattach: (reason) => {
        if (!told) o.print(`! lost the coordinator (${reason}); re-attaching to job ${jobId} while it restarts`);
        told = true;
      },
    });
    progress.done();
    const summary = summarize(final);
    if (o.reportFile) o.print(`report written to ${writeJobReport(o.reportFile, final, { source: `fedcredit run against ${o.coordinator}` })}`);
    if (final.state !== 'SUCCEEDED') return { summary, status: final };
    const model = await control.fetchModel(jobId);
    if (o.outDir) {
      const written = await saveJobPackage(o.outDir, final, model, o.loaded, o.coordinator);
      Object.assign(summary, { backend: written.backend, modelDir: written.dir });
      o.print(`model saved to ${written.dir} (${written.files.join(', ')}); score applicants with: fedcredit score --model ${written.dir} --data applicants.csv`);
    }
    return { summary, status: final, weights: model.weights, meta: model.meta };
  } finally {
    control.close();
  }
}
