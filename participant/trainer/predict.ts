/**
 * Inference: default-probability scores σ(z_L) for encoded rows, in inference mode (dropout off).
 *
 * Rows are scored in fixed-size chunks so that memory stays bounded by the chunk, not by the
 * data set; every chunk runs in its own `tf.tidy`, and the result is a plain Float32Array.
 * The model comes from the per-process cache of model.ts (loaded with the given weights on every
 * call), so repeated evaluation rounds do not rebuild layers. The call is synchronous, so no
 * other caller can touch the shared model while it is in use.
 *
 * Callers should have selected a backend with `initBackend()` (trainLocal does it); otherwise
 * tfjs uses its default backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../core/job.ts';
import { modelLayout } from '../../core/model/layout.ts';
import { customLogits } from './custom-model.ts';
import { assertInputDim, buildModel, setFlatWeights, TrainerInputError, unflatten } from './model.ts';

const cache = new Map<string, tf.LayersModel>();

/**
 * The model for (spec, inputDim) shared within the process, for inference. Callers load their
 * weights with {@link setFlatWeights} right before use and must not hold on to it across awaits.
 * Training does not use it (it builds its own variables and a fresh optimizer per call).
 */
export function cachedModel(spec: Exclude<ModelSpec, { type: 'custom' }>, inputDim: number): tf.LayersModel {
  const key = `${JSON.stringify(spec)}|${inputDim}`;
  let model = cache.get(key);
  if (!model) {
    model = buildModel(spec, inputDim, 0);
    cache.set(key, model);
  }
  return model;
}

/** Disposes every cached model (e.g. between jobs or at shutdown). */
export function clearModelCache(): void {
  for (const m of cache.values()) m.dispose();
  cache.clear();
}

/** Default number of rows scored per chunk. */
export const PREDICT_CHUNK_ROWS = 4096;

/**
 * Scores every row of `x` (n × inputDim, row-major) with a model of `spec` and `weights`
 * (in `modelLayout` order). Returns n scores in [0, 1]. `chunkRows` bounds the rows per batch.
 */
export function predictScores(
  spec: ModelSpec,
  inputDim: number,
  weights: Float32Array,
  x: Float32Array,
  chunkRows: number = PREDICT_CHUNK_ROWS,
): Float32Array {
  assertInputDim(inputDim);
  if (x.length % inputDim !== 0) {
    throw new TrainerInputError(`x has length ${x.length}, not a multiple of inputDim ${inputDim}`, 'x');
  }
  if (spec.type === 'custom') return predictCustom(spec, inputDim, weights, x, chunkRows);
  const model = cachedModel(spec, inputDim);
  setFlatWeights(model, weights);
  return predictWithModel(model, x, chunkRows);
}

/** Scores rows with a custom model's forward pass (not training), chunked like the built-in models. */
function predictCustom(spec: Extract<ModelSpec, { type: 'custom' }>, inputDim: number, weights: Float32Array, x: Float32Array, chunkRows: number): Float32Array {
  const tensors = unflatten(weights, modelLayout(spec, inputDim));
  try {
    return scoreInChunks(x, inputDim, chunkRows, (xb) => tf.sigmoid(customLogits(spec, tensors, xb, false)));
  } finally {
    tf.dispose(tensors);
  }
}

/** Applies `score` ([rows, inputDim] → [rows, 1]) to `x` chunk by chunk, each chunk in its own `tf.tidy`. */
function scoreInChunks(x: Float32Array, inputDim: number, chunkRows: number, score: (xb: tf.Tensor2D) => tf.Tensor): Float32Array {
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new TrainerInputError(`chunkRows must be a positive integer, got ${chunkRows}`, 'chunkRows');
  }
  const n = x.length / inputDim;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += chunkRows) {
    const rows = Math.min(chunkRows, n - start);
    const chunk = tf.tidy(() => score(tf.tensor2d(x.subarray(start * inputDim, (start + rows) * inputDim), [rows, inputDim])).dataSync() as Float32Array);
    out.set(chunk, start);
  }
  return out;
}

/**
 * Scores rows with an already loaded model (e.g. one restored by `loadModelDir`), chunked and
 * tidied like {@link predictScores}. The model must map [rows, inputDim] to [rows, 1].
 */
export function predictWithModel(model: tf.LayersModel, x: Float32Array, chunkRows: number = PREDICT_CHUNK_ROWS): Float32Array {
  const shape = model.inputs[0]?.shape;
  const inputDim = shape?.[1];
  if (typeof inputDim !== 'number') throw new TrainerInputError('the model has no fixed input width', 'model');
  if (x.length % inputDim !== 0) {
    throw new TrainerInputError(`x has length ${x.length}, not a multiple of the model's input width ${inputDim}`, 'x');
  }
  return scoreInChunks(x, inputDim, chunkRows, (xb) => model.predict(xb, { batchSize: xb.shape[0] }) as tf.Tensor);
}
