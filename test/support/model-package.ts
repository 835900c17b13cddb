/**
 * Writes a model directory the way `fedcredit run --out` does (cli/run.ts): the tfjs model
 * (model.json + weights.bin) through the trainer's own saver, and metadata.json with the run
 * summary's fields followed by the job, schema, preprocessing and layout. Used by the export
 * tests, which need saved models without a coordinator process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSchema } from '../../core/data/schema.ts';
import { inputDim } from '../../core/data/schema.ts';
import type { Preprocessing } from '../../core/data/preprocess.ts';
import type { JobSpec, ModelSpec } from '../../core/job.ts';
import { modelLayout } from '../../core/model/layout.ts';
import type { EvalMetrics } from '../../core/metrics/histogram.ts';
import { treeFeatureNames } from '../../core/trees/features.ts';
import { boostedToJson } from '../../core/trees/model-json.ts';
import { BOOSTED_FORMAT } from '../../core/trees/model-pack.ts';
import { saveWeightsAsModel } from '../../participant/trainer/save.ts';

/** What goes into a saved model directory. */
export interface SavedModelInput {
  jobId: string;
  job: JobSpec;
  schema: DataSchema;
  /** With the numeric features' bin `edges` for gbdt. */
  preprocessing: Preprocessing & { edges?: number[][] };
  /** The flat weights of a dense model, or the packed trees of a gbdt model. */
  weights: Float32Array;
  guarantee: string;
  /** Members of each round (round 0 first); the last round's are the job's participants. */
  rounds: { round: number; participants: string[]; metrics: EvalMetrics }[];
  privacy?: Record<string, { epsilonJob: number; epsilonTotal: number; delta: number; budgetEpsilon: number; signatureValid: boolean; verifiedAgainstRoster: boolean }>;
  createdAt: string;
  finishedAt: string;
}

/** Writes `dir` as `run --out` would; returns `dir`. */
export async function writeSavedModel(dir: string, o: SavedModelInput): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const dim = inputDim(o.schema);
  const boosted = o.job.model.type === 'gbdt';
  if (boosted) writeFileSync(path.join(dir, 'model.json'), JSON.stringify(boostedToJson(o.weights, treeFeatureNames(o.schema))) + '\n');
  else await saveWeightsAsModel(o.job.model as ModelSpec, dim, o.weights, dir);
  const last = o.rounds[o.rounds.length - 1];
  const m = last?.metrics;
  const summary = {
    jobId: o.jobId,
    name: o.job.name,
    state: 'SUCCEEDED',
    aggregation: o.job.aggregation,
    guarantee: o.guarantee,
    participants: last?.participants ?? [],
    jobSeconds: (Date.parse(o.finishedAt) - Date.parse(o.createdAt)) / 1000,
    federated: { auc: m?.auc ?? NaN, ks: m?.ks ?? NaN, gini: m?.gini ?? NaN, logLoss: m?.logLoss ?? NaN, brier: m?.brier ?? NaN, n: m?.n ?? 0, positives: m?.positives ?? 0 },
    rounds: o.rounds.map((r) => ({ round: r.round, participants: r.participants, auc: r.metrics.auc, ks: r.metrics.ks, logLoss: r.metrics.logLoss, trainLoss: 0, seconds: 0, failures: [] })),
    ...(o.privacy ? { privacy: o.privacy } : {}),
  };
  const metadata = {
    ...summary,
    job: o.job,
    schema: o.schema,
    preprocessing: o.preprocessing,
    ...(boosted ? { format: BOOSTED_FORMAT, treeFeatures: treeFeatureNames(o.schema) } : { layout: modelLayout(o.job.model as ModelSpec, dim) }),
    createdAt: o.createdAt,
    finishedAt: o.finishedAt,
    savedAt: o.finishedAt,
    coordinator: 'in-process',
  };
  // JSON.stringify writes NaN as null, as run --out does.
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2) + '\n');
  return dir;
}
