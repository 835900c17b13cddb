/**
 * Saving and loading models in the standard TensorFlow.js LayersModel format — a `model.json`
 * (topology + weights manifest) next to one binary `weights.bin` — without tfjs-node, whose
 * `file://` handler is not available when the native backend is not installed.
 *
 * Saving goes through `tf.io.withSaveHandler` and node:fs; loading reads both files and hands
 * them to `tf.loadLayersModel(tf.io.fromMemory(...))`. The result loads in tfjs-node
 * (`file://dir/model.json`), in the browser over HTTP and in the Python converter.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from '../../core/job.ts';
import { modelLayout } from '../../core/model/layout.ts';
import { buildModel, setFlatWeights, TrainerInputError, unflatten } from './model.ts';

/** File name of the topology and manifest. */
export const MODEL_JSON = 'model.json';
/** File name of the concatenated weights. */
export const WEIGHTS_BIN = 'weights.bin';

/** What {@link saveModelDir} wrote. */
export interface SavedModelFiles {
  modelJson: string;
  weightsBin: string;
  weightBytes: number;
}

/** Writes a file atomically (temporary name, then rename) so readers never see half a model. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/**
 * Saves `model` as `<dir>/model.json` + `<dir>/weights.bin` (creating `dir`). The manifest lists
 * the single weights file as `"weights.bin"`, relative to model.json.
 */
export async function saveModelDir(model: tf.LayersModel, dir: string): Promise<SavedModelFiles> {
  await mkdir(dir, { recursive: true });
  const modelJson = path.join(dir, MODEL_JSON);
  const weightsBin = path.join(dir, WEIGHTS_BIN);
  let weightBytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('expected a JSON topology from a LayersModel, got a binary graph');
      }
      const data = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      weightBytes = data.byteLength;
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      // Weights first: a model.json only appears once its weights are complete.
      await writeAtomic(weightsBin, new Uint8Array(data));
      await writeAtomic(modelJson, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return { modelJson, weightsBin, weightBytes };
}

/**
 * Builds the model of `spec` with flat `weights` (in `modelLayout` order) and saves it to `dir`.
 * The temporary model is disposed afterwards.
 */
export async function saveWeightsAsModel(spec: ModelSpec, inputDim: number, weights: Float32Array, dir: string): Promise<SavedModelFiles> {
  const model = buildModel(spec, inputDim, 0);
  try {
    if (spec.type === 'custom') {
      // A custom model's layers are its own: its weights take the layout's tensors in order.
      const tensors = unflatten(weights, modelLayout(spec, inputDim));
      try {
        model.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
    } else setFlatWeights(model, weights);
    return await saveModelDir(model, dir);
  } finally {
    model.dispose();
  }
}

/** Resolves a manifest path inside `dir`, refusing paths that would escape it. */
function weightsPath(dir: string, p: string): string {
  const root = path.resolve(dir);
  const file = path.resolve(root, p);
  if (!file.startsWith(root + path.sep)) {
    throw new TrainerInputError(`weights path ${JSON.stringify(p)} escapes the model directory`, 'weightsManifest');
  }
  return file;
}

/**
 * Loads a LayersModel saved in `dir` (by {@link saveModelDir} or any tfjs writer): reads
 * model.json, concatenates every weights file of its manifest in order and builds the model.
 * The caller owns (and disposes) the returned model.
 */
export async function loadModelDir(dir: string): Promise<tf.LayersModel> {
  const text = await readFile(path.join(dir, MODEL_JSON), 'utf8');
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(text) as tf.io.ModelJSON;
  } catch (err) {
    throw new TrainerInputError(`${MODEL_JSON} in ${dir} is not valid JSON`, 'dir', { cause: err });
  }
  if (json.modelTopology == null || !Array.isArray(json.weightsManifest)) {
    throw new TrainerInputError(`${MODEL_JSON} in ${dir} lacks modelTopology or weightsManifest`, 'dir');
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const bytes = await readFile(weightsPath(dir, p));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs: specs,
    weightData: tf.io.CompositeArrayBuffer.join(buffers),
  };
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
