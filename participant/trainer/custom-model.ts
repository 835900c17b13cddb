/**
 * Custom models on the participant's side: the architecture the coordinator knows (name,
 * parameters, layout, initial weights; core/model/registry.ts) plus the forward pass the trainer
 * differentiates. A job trains one as `model: { type: "custom", name, params }` once every
 * process that handles the job has called {@link registerModel} (a coordinator without tfjs may
 * call `registerModelArchitecture` with the same object instead).
 *
 * The trainer treats a custom model like the built-in ones: the weights travel as one flat
 * vector in layout order, local training minimises the weighted binary cross-entropy of the
 * logits plus the job's L2 penalty (on every tensor of two or more dimensions) and FedProx term,
 * and scoring applies a sigmoid to the logits. Record-level DP-SGD is refused for custom models
 * (its per-example gradient norms are computed for dense layers only); client-level DP works.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../core/job.ts';
import { modelArchitecture, registerModelArchitecture } from '../../core/model/registry.ts';
import type { ModelArchitecture } from '../../core/model/registry.ts';
import { TrainerInputError } from './model.ts';

/** A model the trainer can train: an architecture and its forward pass. */
export interface TrainableModel<P> extends ModelArchitecture<P> {
  /**
   * Logits [rows, 1] of the batch `x` [rows, inputDim], from `weights`: one tensor per layout
   * entry, in layout order and of its shape. Built from tfjs operations only, so that it can be
   * differentiated; `training` is true during local training and false when scoring.
   */
  forward(params: P, weights: readonly tf.Tensor[], x: tf.Tensor2D, training: boolean): tf.Tensor2D;
  /**
   * A tfjs LayersModel whose `getWeights()` are the layout's tensors in layout order, so that a
   * trained model can be saved as model.json + weights.bin. Optional: without it the flat weights
   * and metadata are what a job's model is.
   */
  layersModel?(params: P, inputDim: number): tf.LayersModel;
}

const trainable = new Map<string, TrainableModel<unknown>>();

/** Registers a custom model in this process, for the coordinator's and the trainer's side alike. */
export function registerModel<P>(model: TrainableModel<P>): void {
  registerModelArchitecture(model);
  trainable.set(model.name, model as TrainableModel<unknown>);
}

/** The trainable model and parsed parameters of a custom spec; throws naming a model this process lacks. */
export function customModelOf(spec: Extract<ModelSpec, { type: 'custom' }>): { model: TrainableModel<unknown>; params: unknown } {
  const arch = modelArchitecture(spec.name);
  const model = trainable.get(spec.name);
  if (!model) {
    throw new TrainerInputError(`model "${spec.name}" is registered as an architecture only; this node needs registerModel with its forward pass to train it`, 'spec');
  }
  const parsed = arch.parseParams(spec.params);
  if (!parsed.ok) throw new TrainerInputError(`model "${spec.name}": invalid params: ${parsed.error.message}`, 'spec.params');
  return { model, params: parsed.params };
}

/** Logits of a custom model, checked to be one per row. */
export function customLogits(spec: Extract<ModelSpec, { type: 'custom' }>, weights: readonly tf.Tensor[], x: tf.Tensor2D, training: boolean): tf.Tensor2D {
  const { model, params } = customModelOf(spec);
  const logits = model.forward(params, weights, x, training);
  const [rows, cols] = logits.shape;
  if (logits.rank !== 2 || rows !== x.shape[0] || cols !== 1) {
    throw new TrainerInputError(`model "${spec.name}": forward returned shape [${logits.shape}], expected [${x.shape[0]}, 1]`, 'spec');
  }
  return logits;
}
