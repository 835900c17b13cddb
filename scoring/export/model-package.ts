/**
 * Reading a saved model directory (what `fedcredit run --out` writes) for the exports: its
 * metadata.json, validated with a zod schema that asks only for what the exports use and lets
 * any other field through, and, for the dense models, the trained weights of model.json +
 * weights.bin loaded with the tfjs loader and checked against the model's layout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DataError } from '../../core/data/errors.ts';
import { DataSchemaSchema, inputDim } from '../../core/data/schema.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import { ModelSpecSchema, StrategySpecSchema, TrainSpecSchema } from '../../core/job.ts';
import type { ModelSpec } from '../../core/job.ts';
import { denseUnits } from '../../core/model/layout.ts';
import type { DenseModelSpec } from '../../core/model/layout.ts';
import { PrivacySpecSchema } from '../../core/privacy/spec.ts';
import { treeFeatureNames } from '../../core/trees/features.ts';
import { boostedFromJson } from '../../core/trees/model-json.ts';
import { unpackBoosted } from '../../core/trees/model-pack.ts';
import type { ScoringModel } from '../../core/trees/model-pack.ts';
import { initBackend } from '../../participant/trainer/backend.ts';
import { loadModelDir } from '../../participant/trainer/save.ts';

/** File name of the run summary and job facts next to a saved model. */
export const METADATA_JSON = 'metadata.json';

/** A metric a run could not compute is written as null (JSON has no NaN). */
const metric = z.number().nullable();

/** The fields of metadata.json the exports read; unknown fields are allowed and ignored. */
export const ExportMetadataSchema = z.object({
  jobId: z.string().min(1),
  name: z.string(),
  state: z.string(),
  aggregation: z.string(),
  guarantee: z.string(),
  participants: z.array(z.string()),
  federated: z.object({ auc: metric, ks: metric, gini: metric, logLoss: metric, brier: metric, n: z.number(), positives: z.number() }),
  rounds: z.array(z.object({ round: z.number().int(), participants: z.array(z.string()) })),
  privacy: z
    .record(z.string(), z.object({ epsilonJob: z.number(), epsilonTotal: z.number(), delta: z.number(), budgetEpsilon: z.number() }))
    .optional(),
  job: z.object({
    name: z.string(),
    model: ModelSpecSchema,
    rounds: z.number().int(),
    train: TrainSpecSchema,
    strategy: StrategySpecSchema,
    minParticipants: z.number().int(),
    aggregation: z.string(),
    privacy: PrivacySpecSchema,
    evaluation: z.object({ holdout: z.number() }),
    seed: z.number().int().optional(),
  }),
  schema: DataSchemaSchema,
  preprocessing: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()), n: z.number(), positives: z.number() }),
  layout: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().positive()) })).optional(),
  createdAt: z.string().optional(),
  finishedAt: z.string().optional(),
  savedAt: z.string().optional(),
  backend: z.string().optional(),
});
export type ExportMetadata = z.infer<typeof ExportMetadataSchema>;

/** One dense layer of a trained model: kernel [inputs × units] row-major, and bias [units]. */
export interface DenseLayer {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** A saved model as the exports see it. */
export interface ExportPackage {
  dir: string;
  metadata: ExportMetadata;
  schema: DataSchema;
  model: ModelSpec;
  /** The dense layers, input first (logistic regression and the MLP only; empty otherwise). */
  layers: DenseLayer[];
  /** The trees of a gbdt model, with thresholds in the tree features' units. */
  trees?: ScoringModel;
}

/** Parses the text of a metadata.json; `file` names it in errors. */
export function parseExportMetadata(text: string, file: string): ExportMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${file}: not valid JSON (${(err as Error).message})`, { file }, { cause: err });
  }
  const r = ExportMetadataSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `field "${i.path.join('.') || '(root)'}": ${i.message}`);
    throw new DataError(`${file}: ${issues.slice(0, 5).join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`, { file }, { problems: issues });
  }
  const m = r.data;
  if (m.preprocessing.mean.length !== m.schema.numeric.length || m.preprocessing.std.length !== m.schema.numeric.length) {
    throw new DataError(
      `${file}: field "preprocessing": ${m.preprocessing.mean.length} means and ${m.preprocessing.std.length} stds for the schema's ${m.schema.numeric.length} numeric features`,
      { file },
    );
  }
  return m;
}

/** Reads and checks `<dir>/metadata.json`. */
export function readExportMetadata(dir: string): ExportMetadata {
  const file = path.join(dir, METADATA_JSON);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); is ${dir} a model directory saved by \`fedcredit run --out\`?`, { file }, { cause: err });
  }
  return parseExportMetadata(text, file);
}

/** The trees of a saved gbdt model (model.json), checked against the schema's tree features. */
function readTrees(dir: string, schema: DataSchema): ScoringModel {
  const file = path.join(dir, 'model.json');
  try {
    const features = treeFeatureNames(schema);
    return unpackBoosted(boostedFromJson(JSON.parse(readFileSync(file, 'utf8')), features), features.length);
  } catch (err) {
    throw new DataError(`${file}: not a boosted model of this schema (${(err as Error).message})`, { file }, { cause: err });
  }
}

/** Whether a model is one of the built-in dense models. */
export function isDenseModel(spec: ModelSpec): spec is DenseModelSpec {
  return spec.type === 'logistic' || spec.type === 'mlp';
}

/**
 * Reads a saved model: its metadata and, for logistic regression and the MLP, its weights (the
 * tfjs model in model.json + weights.bin), checked against the layer sizes the job and schema
 * imply; for gbdt, its trees (model.json). Custom models come back with neither.
 */
export async function readExportPackage(dir: string): Promise<ExportPackage> {
  const metadata = readExportMetadata(dir);
  const { schema } = metadata;
  const model = metadata.job.model;
  if (model.type === 'gbdt') return { dir, metadata, schema, model, layers: [], trees: readTrees(dir, schema) };
  if (!isDenseModel(model)) return { dir, metadata, schema, model, layers: [] };
  await initBackend();
  const tfModel = await loadModelDir(dir).catch((err: unknown) => {
    throw new DataError(`${path.join(dir, 'model.json')}: cannot load the saved model (${(err as Error).message})`, { file: path.join(dir, 'model.json') }, { cause: err });
  });
  try {
    const tensors = tfModel.getWeights();
    const expected = denseUnits(model);
    const layers: DenseLayer[] = [];
    let inputs = inputDim(schema);
    for (const [i, units] of expected.entries()) {
      const k = tensors[2 * i];
      const b = tensors[2 * i + 1];
      if (!k || !b || k.shape.join() !== `${inputs},${units}` || b.shape.join() !== `${units}`) {
        throw new DataError(
          `${path.join(dir, 'model.json')}: layer ${i} should have a [${inputs}, ${units}] kernel and a [${units}] bias for a ${model.type} over the schema's ${inputDim(schema)} inputs, ` +
            `found ${k ? `[${k.shape}]` : 'nothing'} and ${b ? `[${b.shape}]` : 'nothing'}`,
          { file: path.join(dir, 'model.json') },
        );
      }
      layers.push({ inputs, units, kernel: Float32Array.from(k.dataSync()), bias: Float32Array.from(b.dataSync()) });
      inputs = units;
    }
    if (tensors.length !== 2 * expected.length) {
      throw new DataError(`${path.join(dir, 'model.json')}: ${tensors.length} weight tensors, a ${model.type} with these layers has ${2 * expected.length}`, { file: path.join(dir, 'model.json') });
    }
    return { dir, metadata, schema, model, layers };
  } finally {
    tfModel.dispose();
  }
}
