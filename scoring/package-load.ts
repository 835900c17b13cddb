/**
 * Reading a model package (./package-write.ts): metadata.json validated with zod — an error names
 * the file and the field — then the model: a tfjs LayersModel read in plain Node
 * (participant/trainer/save.ts `loadModelDir`, no tfjs-node needed) and turned back into the flat
 * weight vector the participants score with, or a gbdt model's trees packed as the participants
 * receive them. Either way the scorer sees exactly the numbers federated evaluation used.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DataError } from '../core/data/errors.ts';
import { inputDim as schemaInputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import type { JobSpec, ModelSpec } from '../core/job.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { treeFeatureNames } from '../core/trees/features.ts';
import { boostedFromJson } from '../core/trees/model-json.ts';
import { CoreInputError } from '../core/types.ts';
import { formatJsonPath, readJsonFile } from '../participant/data/load.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { assertModelMatches, flatten, getFlatWeights } from '../participant/trainer/model.ts';
import { loadModelDir } from '../participant/trainer/save.ts';
import { METADATA_JSON, modelInputNames, ModelMetadataSchema } from './package-format.ts';
import type { ModelMetadata } from './package-format.ts';

/** Largest metadata.json or gbdt model.json read (a model of 10,000 deep trees stays far below). */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** The model of a package, ready to score. */
export type PackagedModel =
  | { kind: 'dense'; spec: Exclude<ModelSpec, { type: 'gbdt' }>; inputDim: number; weights: Float32Array }
  | { kind: 'gbdt'; packed: Float32Array; features: string[] };

/** A loaded, validated model package. */
export interface ModelPackage {
  dir: string;
  metadata: ModelMetadata;
  job: JobSpec;
  schema: DataSchema;
  preprocessing: PreprocessingParams;
  model: PackagedModel;
}

/** A DataError naming a file of the package and what is wrong in it. */
function packageError(file: string, detail: string, cause?: unknown): DataError {
  return new DataError(`${file}: ${detail}`, { file }, cause === undefined ? undefined : { cause });
}

/** Reads and validates `<dir>/metadata.json`. */
export function readPackageMetadata(dir: string): ModelMetadata {
  const file = path.join(dir, METADATA_JSON);
  if (!existsSync(file)) throw packageError(file, `not found: ${path.resolve(dir)} is not a model package (fedcredit run --out DIR writes one)`);
  const parsed = ModelMetadataSchema.safeParse(readJsonFile(file, MAX_JSON_BYTES, 'the metadata of a model package'));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatJsonPath(i.path) || '(root)'}: ${i.message}`);
    const old = parsed.error.issues.some((i) => i.path[0] === 'formatVersion');
    throw new DataError(
      `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.join('; ')}`}` +
        (old ? ` (this reads package format 1; a model saved by an older fedcredit lacks it: save it again with fedcredit run --out)` : ''),
      { file },
      { problems: problems.map((p) => `${file}: ${p}`), cause: parsed.error },
    );
  }
  const m = parsed.data;
  const expected = modelInputNames(m.schema, m.modelType);
  if (m.featureNames.join('\u0000') !== expected.join('\u0000') || m.inputDim !== expected.length) {
    throw packageError(file, `featureNames / inputDim (${m.inputDim}) do not match the schema's model inputs [${expected.join(', ')}]`);
  }
  if (m.job.model.type !== m.modelType) throw packageError(file, `modelType "${m.modelType}" is not the job's model type "${m.job.model.type}"`);
  const { mean, std } = m.preprocessing;
  if (mean.length !== m.schema.numeric.length || std.length !== m.schema.numeric.length) {
    throw packageError(file, `preprocessing has ${mean.length} means and ${std.length} stds for ${m.schema.numeric.length} numeric features`);
  }
  return m;
}

/** Loads and checks the package in `dir` (metadata.json and the model files it names). */
export async function loadModelPackage(dir: string): Promise<ModelPackage> {
  const root = path.resolve(dir);
  const metadata = readPackageMetadata(root);
  const { job, schema, preprocessing } = metadata;
  const modelFile = path.join(root, metadata.files.model);
  if (!existsSync(modelFile)) throw packageError(modelFile, 'not found (the package names it in metadata.json files.model)');
  let model: PackagedModel;
  if (job.model.type === 'gbdt') {
    try {
      model = { kind: 'gbdt', packed: boostedFromJson(readJsonFile(modelFile, MAX_JSON_BYTES, 'a boosted trees model'), treeFeatureNames(schema)), features: treeFeatureNames(schema) };
    } catch (err) {
      if (err instanceof CoreInputError) throw packageError(modelFile, err.message, err);
      throw err;
    }
  } else {
    model = { kind: 'dense', spec: job.model, inputDim: schemaInputDim(schema), weights: await denseWeights(root, job.model, schemaInputDim(schema)) };
  }
  return { dir: root, metadata, job, schema, preprocessing, model };
}

/** The flat weight vector of the LayersModel saved in `dir`, checked against the job's layout. */
async function denseWeights(dir: string, spec: Exclude<ModelSpec, { type: 'gbdt' }>, inputDim: number): Promise<Float32Array> {
  await initBackend();
  let layers: Awaited<ReturnType<typeof loadModelDir>>;
  try {
    layers = await loadModelDir(dir);
  } catch (err) {
    throw packageError(path.join(dir, 'model.json'), `cannot load the tfjs model: ${(err as Error).message}`, err);
  }
  try {
    assertModelMatches(layers, spec, inputDim);
    return spec.type === 'custom' ? flatten(layers.weights.map((w) => w.read())) : getFlatWeights(layers);
  } catch (err) {
    throw packageError(path.join(dir, 'model.json'), `the model does not match the job in metadata.json: ${(err as Error).message}`, err);
  } finally {
    layers.dispose();
  }
}
