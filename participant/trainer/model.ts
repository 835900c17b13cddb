/**
 * The tfjs model of a {@link ModelSpec} and its bridge to the flat weight vector that travels
 * through aggregation. The flat order is exactly `modelLayout` (core/model/layout.ts): per dense
 * layer, kernel [in, out] then bias [out] — the order of tfjs `model.getWeights()` for a stack of
 * dense layers (dropout layers own no weights).
 *
 * Layers are named `dense_<i>` and `dropout_<i>`, so the weight names of a saved model equal the
 * layout names (`dense_0/kernel`, …). Names only need to be unique within one model: tfjs gives
 * the underlying variables process-unique names and keeps the layer-scoped name for saving.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../core/job.ts';
import { denseUnits, modelLayout } from '../../core/model/layout.ts';
import { customModelOf } from './custom-model.ts';
import { deriveSeed } from '../../core/random.ts';
import type { Layout } from '../../core/types.ts';
import { layoutSize, sizeOf } from '../../core/types.ts';

/** Bad input to the trainer (wrong lengths, shapes or sizes); `parameter` names the culprit. */
export class TrainerInputError extends Error {
  constructor(
    message: string,
    readonly parameter: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TrainerInputError';
  }
}

/** Activation of hidden layers of a spec (`undefined` for logistic regression, which has none). */
export function hiddenActivation(spec: ModelSpec): 'relu' | 'tanh' | 'elu' | undefined {
  return spec.type === 'mlp' ? spec.activation : undefined;
}

/** Dropout rate after each hidden layer (0 when there is none). */
export function dropoutRate(spec: ModelSpec): number {
  return spec.type === 'mlp' ? spec.dropout : 0;
}

/** Throws unless `inputDim` is a positive integer. */
export function assertInputDim(inputDim: number): void {
  if (!Number.isInteger(inputDim) || inputDim < 1) {
    throw new TrainerInputError(`inputDim must be a positive integer, got ${inputDim}`, 'inputDim');
  }
}

/**
 * Builds the model: one dense layer per entry of `denseUnits(spec)`, the hidden ones with the
 * spec's activation and each followed by a dropout layer when `spec.dropout > 0`, and a
 * one-unit sigmoid output. `seed` seeds the (immediately overwritten, in practice) Glorot
 * initializers and the dropout layers, so that building is deterministic.
 */
export function buildModel(spec: ModelSpec, inputDim: number, seed: number): tf.LayersModel {
  assertInputDim(inputDim);
  if (spec.type === 'custom') return buildCustomModel(spec, inputDim);
  if (spec.type === 'gbdt') throw new Error('a gbdt model has no tfjs network; it is scored by core/trees/model-pack.ts');
  const units = denseUnits(spec);
  const rate = dropoutRate(spec);
  const model = tf.sequential({ name: `fedcredit_${spec.type}` });
  units.forEach((u, i) => {
    const last = i === units.length - 1;
    model.add(
      tf.layers.dense({
        name: `dense_${i}`,
        units: u,
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
        activation: last ? 'sigmoid' : hiddenActivation(spec),
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, `kernel_${i}`) }),
        biasInitializer: 'zeros',
      }),
    );
    if (!last && rate > 0) {
      model.add(tf.layers.dropout({ name: `dropout_${i}`, rate, seed: deriveSeed(seed, `dropout_${i}`) }));
    }
  });
  return model;
}

/** A custom model's tfjs LayersModel (for saving), checked against its layout. */
function buildCustomModel(spec: Extract<ModelSpec, { type: 'custom' }>, inputDim: number): tf.LayersModel {
  const { model, params } = customModelOf(spec);
  if (!model.layersModel) {
    throw new TrainerInputError(`model "${spec.name}" has no layersModel, so it cannot be saved in the tfjs LayersModel format; keep its flat weights and metadata`, 'spec');
  }
  const built = model.layersModel(params, inputDim);
  const layout = modelLayout(spec, inputDim);
  const ws = built.weights;
  const same = ws.length === layout.length && layout.every((t, i) => ws[i]?.shape.length === t.shape.length && t.shape.every((d, k) => ws[i]?.shape[k] === d));
  if (!same) {
    built.dispose();
    throw new TrainerInputError(`model "${spec.name}": layersModel has weights [${ws.map((w) => `[${w.shape}]`).join(', ')}], its layout says [${layout.map((t) => `[${t.shape}]`).join(', ')}]`, 'spec');
  }
  return built;
}

/** Checks that the model's weights have the names' order and shapes of `layout`; names the first mismatch. */
function checkAgainstLayout(model: tf.LayersModel, layout: Layout): void {
  const ws = model.weights;
  if (ws.length !== layout.length) {
    throw new TrainerInputError(`model has ${ws.length} weight tensors, layout expects ${layout.length}`, 'model');
  }
  layout.forEach((t, i) => {
    const w = ws[i]!; // same length, checked above
    const same = w.shape.length === t.shape.length && w.shape.every((s, k) => s === t.shape[k]);
    const role = t.name.slice(t.name.lastIndexOf('/'));
    if (!same || !w.originalName.endsWith(role)) {
      throw new TrainerInputError(
        `weight ${i} (${t.name}): model has shape [${w.shape}] (${w.originalName}), layout expects [${t.shape}]`,
        'model',
      );
    }
  });
}

/** The layout of a built model, derived from its dense layers. */
export function layoutOfModel(model: tf.LayersModel): Layout {
  const layout: Layout = [];
  let i = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Dense') continue;
    const [kernel, bias] = layer.weights;
    if (!kernel) throw new TrainerInputError(`dense layer ${layer.name} has no kernel (is the model built?)`, 'model');
    layout.push({ name: `dense_${i}/kernel`, shape: kernel.shape.map(Number) });
    if (bias) layout.push({ name: `dense_${i}/bias`, shape: bias.shape.map(Number) });
    i++;
  }
  return layout;
}

/**
 * Splits a flat vector into tensors of the given layout (caller owns and disposes them).
 * Throws a {@link TrainerInputError} naming the layout size when the length differs.
 */
export function unflatten(flat: Float32Array, layout: Layout, parameter = 'weights'): tf.Tensor[] {
  const expected = layoutSize(layout);
  if (flat.length !== expected) {
    throw new TrainerInputError(`${parameter} has length ${flat.length}, the model layout needs ${expected}`, parameter);
  }
  const out: tf.Tensor[] = [];
  let off = 0;
  for (const t of layout) {
    const n = sizeOf(t.shape);
    out.push(tf.tensor(flat.slice(off, off + n), t.shape, 'float32'));
    off += n;
  }
  return out;
}

/** Concatenates tensors (in layout order) into one fresh Float32Array. */
export function flatten(tensors: readonly tf.Tensor[]): Float32Array {
  const total = tensors.reduce((a, t) => a + t.size, 0);
  const out = new Float32Array(total);
  let off = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, off);
    off += t.size;
  }
  return out;
}

/**
 * Loads a flat weight vector (in `modelLayout` order) into the model. Throws a
 * {@link TrainerInputError} naming the mismatch when the vector length or a tensor shape differs.
 */
export function setFlatWeights(model: tf.LayersModel, flat: Float32Array): void {
  const layout = layoutOfModel(model);
  checkAgainstLayout(model, layout);
  const tensors = unflatten(flat, layout);
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** Reads the model's weights as one flat vector in `modelLayout` order. */
export function getFlatWeights(model: tf.LayersModel): Float32Array {
  checkAgainstLayout(model, layoutOfModel(model));
  return flatten(model.weights.map((w) => w.read()));
}

/** Throws unless the model's weights match `modelLayout(spec, inputDim)` exactly. */
export function assertModelMatches(model: tf.LayersModel, spec: ModelSpec, inputDim: number): void {
  checkAgainstLayout(model, modelLayout(spec, inputDim));
}
