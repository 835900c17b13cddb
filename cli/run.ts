/**
 * `fedcredit run`: submit a job to a coordinator, follow it round by round, save the final model
 * (tfjs LayersModel format) with a metadata file, and print a summary (human or `--json`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelSpec } from '../core/job.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { boostedToJson } from '../core/trees/model-json.ts';
import { treeFeatureNames } from '../core/trees/features.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { saveWeightsAsModel } from '../participant/trainer/save.ts';
import { ControlClient } from '../client/control-client.ts';
import type { ControlOptions } from '../client/control-client.ts';
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
      const backend = await initBackend();
      summary.backend = backend.name;
      const dir = path.resolve(o.outDir);
      mkdirSync(dir, { recursive: true });
      const boosted = o.loaded.job.model.type === 'gbdt';
      if (boosted) writeFileSync(path.join(dir, 'model.json'), JSON.stringify(boostedToJson(model.weights, treeFeatureNames(o.loaded.schema))) + '\n');
      else await saveWeightsAsModel(o.loaded.job.model as ModelSpec, Number(model.meta.inputDim), model.weights, dir);
      const metadata = {
        ...summary,
        job: o.loaded.job,
        schema: o.loaded.schema,
        preprocessing: model.meta.preprocessing,
        ...(boosted ? { format: model.meta.format, treeFeatures: model.meta.treeFeatures } : { layout: model.meta.layout }),
        createdAt: new Date(final.createdUnixMs).toISOString(),
        finishedAt: new Date(final.finishedUnixMs).toISOString(),
        savedAt: new Date().toISOString(),
        coordinator: o.coordinator,
      };
      writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2) + '\n');
      summary.modelDir = dir;
      o.print(`model saved to ${dir} (${boosted ? 'model.json: the trees' : 'model.json, weights.bin'}, metadata.json)`);
    }
    return { summary, status: final, weights: model.weights, meta: model.meta };
  } finally {
    control.close();
  }
}
