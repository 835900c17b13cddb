/**
 * The model package's metadata.json: what a saved model needs to be used without the consortium —
 * the job and schema it was trained under, the model's input order, how every raw column becomes
 * model inputs (transform, federated mean and standard deviation, missing handling, one-hot
 * levels), the federated metrics, the privacy guarantee and the data summary the coordinator
 * knows. Everything here is JSON; {@link ModelMetadataSchema} validates it when a package is read.
 *
 * Pure module: no I/O.
 */
import { z } from 'zod';
import type { Preprocessing } from '../core/data/preprocess.ts';
import { DataSchemaSchema, encodedLevels, featureNames, MISSING_LEVEL, OTHER_LEVEL, transformValue } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { PreprocessingSchema } from '../core/round/task-config.ts';
import { treeFeatureNames } from '../core/trees/features.ts';

/** The version of the package layout this code writes and reads. */
export const PACKAGE_FORMAT_VERSION = 1;
/** The metadata file of a package. */
export const METADATA_JSON = 'metadata.json';

/** How one numeric column becomes model inputs. */
export const NumericEncodingSchema = z.strictObject({
  kind: z.literal('numeric'),
  /** The CSV column / JSON field. */
  column: z.string(),
  /** Applied before standardization: "log" = sign(x)·ln(1 + |x|). */
  transform: z.enum(['none', 'log']),
  /** Bounds the transformed value is clipped to, or null. */
  range: z.tuple([z.number(), z.number()]).nullable(),
  /** Federated mean and population standard deviation of the transformed, clipped value. */
  mean: z.number(),
  std: z.number().positive(),
  /** What a missing cell becomes: the mean (input 0), the raw value 0, or an error. */
  missing: z.enum(['mean', 'zero', 'error']),
  /** The standardized input a missing cell gets (null under "error"). */
  missingInput: z.number().nullable(),
  /** The model inputs of this column: its standardized value, then its 0/1 missing indicator if any. */
  inputs: z.array(z.string()).min(1).max(2),
});

/** How one categorical column becomes one-hot inputs. */
export const CategoricalEncodingSchema = z.strictObject({
  kind: z.literal('categorical'),
  column: z.string(),
  /** The encoded levels in input order: the schema's levels, then the other and missing levels when enabled. */
  levels: z.array(z.string()).min(1),
  /** The level unseen values map to ("__other__"), or null when they are an error. */
  otherLevel: z.string().nullable(),
  /** The level missing cells map to ("__missing__"), or null when they are an error. */
  missingLevel: z.string().nullable(),
  /** One input per level: `column=level`. */
  inputs: z.array(z.string()).min(1),
});

export const FeatureEncodingSchema = z.discriminatedUnion('kind', [NumericEncodingSchema, CategoricalEncodingSchema]);
export type FeatureEncoding = z.infer<typeof FeatureEncodingSchema>;

/** A metric that may be undefined (NaN in memory, null in JSON). */
const metric = z.number().nullable();

/** The validated part of metadata.json; other fields (the run summary) are kept as they are. */
export const ModelMetadataSchema = z.looseObject({
  formatVersion: z.literal(PACKAGE_FORMAT_VERSION),
  jobId: z.string().min(1),
  modelType: z.enum(['logistic', 'mlp', 'gbdt', 'custom']),
  job: JobSpecSchema,
  schema: DataSchemaSchema,
  preprocessing: PreprocessingSchema,
  /** The model's inputs in order (dense: core/data/schema.ts featureNames; gbdt: the tree features). */
  featureNames: z.array(z.string()).min(1),
  inputDim: z.number().int().min(1),
  /** Missing-value markers of the schema (cells compared after trimming). */
  missingValues: z.array(z.string()),
  encodings: z.array(FeatureEncodingSchema).min(1),
  files: z.strictObject({ model: z.literal('model.json'), weights: z.literal('weights.bin').optional() }),
  metrics: z.strictObject({ auc: metric, ks: metric, gini: metric, logLoss: metric, brier: metric, n: z.number(), positives: z.number(), bins: z.number().int() }),
  privacy: z.strictObject({
    mode: z.enum(['none', 'record', 'client']),
    guarantee: z.string(),
    aggregation: z.string(),
    /** Each member's ε for this job and over all its jobs, at δ, from its signed receipts (empty without DP). */
    epsilonSpent: z.record(z.string(), z.strictObject({ epsilonJob: z.number(), epsilonTotal: z.number(), delta: z.number() })),
  }),
  data: z.strictObject({
    members: z.array(z.string()),
    /** Held-out rows and positives the final federated evaluation counted. */
    rowsEvaluated: z.number(),
    positivesEvaluated: z.number(),
    /** Training rows and positives the preprocessing statistics counted (noised under record-level DP). */
    trainingRows: z.number(),
    trainingPositives: z.number(),
  }),
  createdAt: z.string().optional(),
  finishedAt: z.string().optional(),
  savedAt: z.string(),
});
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

/** The model's input names in order: the dense models' encoded inputs, or a gbdt model's tree features. */
export function modelInputNames(schema: DataSchema, modelType: string): string[] {
  return modelType === 'gbdt' ? treeFeatureNames(schema) : featureNames(schema);
}

/** The encoding of every schema column, in schema order (numeric, then categorical). */
export function featureEncodings(schema: DataSchema, prep: Pick<Preprocessing, 'mean' | 'std'>): FeatureEncoding[] {
  const numeric = schema.numeric.map((f, j): FeatureEncoding => {
    const mean = prep.mean[j]!;
    const std = prep.std[j]!;
    return {
      kind: 'numeric', column: f.name, transform: f.transform, range: f.range ?? null, mean, std, missing: f.missing,
      missingInput: f.missing === 'error' ? null : f.missing === 'zero' ? (transformValue(f, 0) - mean) / std : 0,
      inputs: f.indicator ? [f.name, `${f.name}__missing`] : [f.name],
    };
  });
  const categorical = schema.categorical.map((f): FeatureEncoding => {
    const levels = encodedLevels(f);
    return {
      kind: 'categorical', column: f.name, levels,
      otherLevel: f.unseen === 'other' ? OTHER_LEVEL : null, missingLevel: f.missing === 'level' ? MISSING_LEVEL : null,
      inputs: levels.map((l) => `${f.name}=${l}`),
    };
  });
  return [...numeric, ...categorical];
}

/** NaN (undefined metric) as null, for JSON. */
export function metricOrNull(x: number | undefined): number | null {
  return x === undefined || !Number.isFinite(x) ? null : x;
}
