/**
 * Model layouts and initial weights, computed without tfjs so the coordinator can create and
 * aggregate models while only participants train them. The flat order matches tfjs
 * `model.getWeights()` for a stack of dense layers: kernel [in, out] then bias [out], per layer.
 */
import type { ModelSpec } from '../job.ts';
import { uniform01 } from '../random.ts';
import { modelArchitecture } from './registry.ts';
import type { Layout, Rng } from '../types.ts';
import { CoreInputError, layoutSize } from '../types.ts';

/** A built-in dense model: logistic regression or the MLP. */
export type DenseModelSpec = Extract<ModelSpec, { type: 'logistic' | 'mlp' }>;

/** Whether the model is a vector of dense weights (every model but gradient-boosted trees). */
export function hasWeightLayout(spec: ModelSpec): spec is Exclude<ModelSpec, { type: 'gbdt' }> {
  return spec.type !== 'gbdt';
}

/** Units of each dense layer, output layer last. */
export function denseUnits(spec: DenseModelSpec): number[] {
  return spec.type === 'logistic' ? [1] : [...spec.hidden, 1];
}

/**
 * The weight layout of a model over `inputDim` encoded inputs; a custom model's comes from its
 * registered architecture (which throws when the name is not registered in this process).
 */
export function modelLayout(spec: ModelSpec, inputDim: number): Layout {
  if (spec.type === 'custom') return modelArchitecture(spec.name).layout(spec.params, inputDim);
  if (spec.type === 'gbdt') throw new CoreInputError('a gbdt model is a list of trees, not a layout of dense weights (core/trees/model-pack.ts)', 'spec');
  const layout: Layout = [];
  let fanIn = inputDim;
  denseUnits(spec).forEach((units, i) => {
    layout.push({ name: `dense_${i}/kernel`, shape: [fanIn, units] });
    layout.push({ name: `dense_${i}/bias`, shape: [units] });
    fanIn = units;
  });
  return layout;
}

/** Half-width of the uniform initial kernel of logistic regression. */
const LOGISTIC_INIT = 0.01;

/**
 * Initial weights: Glorot-uniform kernels and zero biases; logistic regression starts near zero
 * (kernel uniform in ±0.01, seeded): practically its natural starting point, but not the same
 * constant model in every job, whose round-0 evaluation would then be an identical release of
 * the participants' held-out class counts in every job (participants release an identical input
 * again only over the identical member set).
 */
export function initialWeights(spec: ModelSpec, inputDim: number, rng: Rng): Float32Array {
  if (spec.type === 'custom') return modelArchitecture(spec.name).initialWeights(spec.params, inputDim, rng);
  if (spec.type === 'gbdt') throw new CoreInputError('a gbdt model starts from its base score, not from dense weights', 'spec');
  const layout = modelLayout(spec, inputDim);
  const out = new Float32Array(layoutSize(layout));
  let off = 0;
  for (const t of layout) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.shape.length === 2) {
      const limit = spec.type === 'logistic' ? LOGISTIC_INIT : Math.sqrt(6 / (t.shape[0]! + t.shape[1]!));
      for (let i = 0; i < n; i++) out[off + i] = (2 * uniform01(rng) - 1) * limit;
    }
    off += n;
  }
  return out;
}
