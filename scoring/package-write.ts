/**
 * Writing a model package: the directory `fedcredit run --out` (and `simulate --out`) leaves — the
 * model itself (a tfjs LayersModel, model.json + weights.bin, for logistic regression, the MLP and
 * custom models; the readable trees, model.json, for gbdt) and metadata.json
 * (./package-format.ts). Any command that holds a finished job's weights writes it through
 * {@link writeModelPackage}, so every package has the same layout.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inputDim as schemaInputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import type { EvalMetrics } from '../core/metrics/histogram.ts';
import type { JobSpec } from '../core/job.ts';
import { hasWeightLayout, modelLayout } from '../core/model/layout.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { treeFeatureNames } from '../core/trees/features.ts';
import { boostedToJson } from '../core/trees/model-json.ts';
import { BOOSTED_FORMAT } from '../core/trees/model-pack.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { saveWeightsAsModel } from '../participant/trainer/save.ts';
import { featureEncodings, METADATA_JSON, metricOrNull, modelInputNames, PACKAGE_FORMAT_VERSION } from './package-format.ts';
import type { ModelMetadata } from './package-format.ts';

/** Federated metrics of the final evaluation, as the coordinator computed them. */
export type PackageMetrics = EvalMetrics;

/** What a package is written from: a finished job as the coordinator reports it. */
export interface ModelPackageInput {
  jobId: string;
  job: JobSpec;
  schema: DataSchema;
  preprocessing: PreprocessingParams;
  /** The final global model: the flat weight vector (dense and custom models) or the packed trees (gbdt). */
  weights: Float32Array;
  /** The coordinator's guarantee text and the aggregation mode it ran with. */
  guarantee: string;
  aggregation: string;
  /** The members that took part. */
  members: string[];
  metrics: PackageMetrics;
  /** DP: each member's ε spent (this job and all its jobs) at δ, from its receipts. */
  privacy?: Record<string, { epsilonJob: number; epsilonTotal: number; delta: number }>;
  createdAt?: string;
  finishedAt?: string;
  /** Extra top-level fields of metadata.json (e.g. the run summary); the package's own fields win. */
  extra?: Record<string, unknown>;
}

/** What {@link writeModelPackage} wrote. */
export interface WrittenPackage {
  dir: string;
  files: string[];
  metadata: ModelMetadata;
}

/** The metadata.json content of a package (without writing anything). */
export function packageMetadata(o: ModelPackageInput, savedAt: Date = new Date()): ModelMetadata {
  const boosted = o.job.model.type === 'gbdt';
  const names = modelInputNames(o.schema, o.job.model.type);
  const m = o.metrics;
  const epsilonSpent = Object.fromEntries(Object.entries(o.privacy ?? {}).map(([k, v]) => [k, { epsilonJob: v.epsilonJob, epsilonTotal: v.epsilonTotal, delta: v.delta }]));
  return {
    ...o.extra,
    formatVersion: PACKAGE_FORMAT_VERSION,
    jobId: o.jobId,
    modelType: o.job.model.type,
    job: o.job,
    schema: o.schema,
    preprocessing: o.preprocessing,
    featureNames: names,
    inputDim: names.length,
    missingValues: o.schema.missingValues,
    encodings: featureEncodings(o.schema, o.preprocessing),
    files: boosted ? { model: 'model.json' } : { model: 'model.json', weights: 'weights.bin' },
    ...(boosted ? { format: BOOSTED_FORMAT, treeFeatures: names } : { layout: modelLayout(o.job.model, schemaInputDim(o.schema)) }),
    metrics: {
      auc: metricOrNull(m.auc), ks: metricOrNull(m.ks), gini: metricOrNull(m.gini), logLoss: metricOrNull(m.logLoss), brier: metricOrNull(m.brier),
      n: m.n, positives: m.positives, bins: o.job.evaluation.bins,
    },
    privacy: { mode: o.job.privacy.mode, guarantee: o.guarantee, aggregation: o.aggregation, epsilonSpent },
    data: { members: [...o.members], rowsEvaluated: m.n, positivesEvaluated: m.positives, trainingRows: o.preprocessing.n, trainingPositives: o.preprocessing.positives },
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
    ...(o.finishedAt ? { finishedAt: o.finishedAt } : {}),
    savedAt: savedAt.toISOString(),
  };
}

/**
 * Writes the package of a finished job to `dir` (created if needed): the model files, then
 * metadata.json last (atomically), so a directory with a metadata.json holds a complete model.
 */
export async function writeModelPackage(dir: string, o: ModelPackageInput): Promise<WrittenPackage> {
  const root = path.resolve(dir);
  mkdirSync(root, { recursive: true });
  const metadata = packageMetadata(o);
  if (o.job.model.type === 'gbdt') {
    writeAtomic(path.join(root, 'model.json'), JSON.stringify(boostedToJson(o.weights, treeFeatureNames(o.schema))) + '\n');
  } else if (hasWeightLayout(o.job.model)) {
    await initBackend();
    await saveWeightsAsModel(o.job.model, schemaInputDim(o.schema), o.weights, root);
  }
  writeAtomic(path.join(root, METADATA_JSON), JSON.stringify(metadata, null, 2) + '\n');
  return { dir: root, files: [metadata.files.model, ...(metadata.files.weights ? [metadata.files.weights] : []), METADATA_JSON], metadata };
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
