/**
 * The training-time computation of a dense model, written out layer by layer over explicit
 * parameter tensors (kernel, bias per layer, in `modelLayout` order) instead of `model.apply`:
 *
 *   z_l = a_l · W_l + b_l (+ p_l),  a_{l+1} = dropout(act(z_l)),  score = σ(z_L).
 *
 * Keeping the layers visible serves two purposes.
 *  - Reproducibility: dropout masks come from our seeded RNG (core/random.ts). A tfjs Dropout
 *    layer with a fixed `seed` draws the *same* mask on every call, and without a seed it uses
 *    Math.random; neither gives a fresh yet reproducible mask per batch.
 *  - DP-SGD (Abadi et al., CCS 2016) later needs per-example gradient norms. For a dense layer
 *    the per-example kernel gradient is the outer product a_i δ_iᵀ with δ_i = ∂ℓ_i/∂z_i, so
 *    ‖g_i‖² = ‖a_i‖²·‖δ_i‖² + ‖δ_i‖² (bias). {@link forward} returns every layer input a_l, and
 *    the optional zero `probes` p_l let `tf.grads` with respect to them yield δ_l for the whole
 *    batch in one backward pass (ghost clipping, Goodfellow 2015; Li et al., ICLR 2022).
 *
 * The loss is binary cross-entropy computed from logits in the numerically stable form
 * max(z, 0) − z·y + log(1 + e^{−|z|}).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../core/job.ts';
import type { Rng } from '../../core/types.ts';
import { hiddenActivation } from './model.ts';
import { customLogits } from './custom-model.ts';

/** Tensors of one mini-batch of b rows. */
export interface Batch {
  /** Encoded features [b, d]. */
  x: tf.Tensor2D;
  /** Labels as 0/1 floats [b, 1]. */
  y: tf.Tensor2D;
  /** Per-example loss weights [b, 1] (the class weight of each row's label). */
  w: tf.Tensor2D;
  /** Per hidden layer, the inverted-dropout multiplier [b, units] (0 or 1/keep); null = none. */
  masks: (tf.Tensor2D | null)[];
}

/** Penalties added to the mean data loss. */
export interface Regularization {
  /** Coefficient of Σ‖kernel‖² (biases are not penalized). */
  l2: number;
  /** FedProx μ: adds (μ/2)·‖w − anchor‖² over all parameters (Li et al., MLSys 2020). */
  mu: number;
  /** The global weights the proximal term pulls towards; required when μ > 0. */
  anchor?: readonly tf.Tensor[];
}

/**
 * Intermediate values of one forward pass. Inside a gradient function (`tf.grads`,
 * `tf.variableGrads`) tfjs disposes every intermediate when the function returns, so a caller
 * that needs the hidden inputs afterwards must `tf.keep` them there (and dispose them later).
 */
export interface ForwardTrace {
  /** Output logits z_L [b, 1]. */
  logits: tf.Tensor2D;
  /** Input a_l of every dense layer l (a_0 = x), after activation and dropout. */
  inputs: tf.Tensor2D[];
}

/** Applies the hidden activation of a spec. */
function activate(spec: ModelSpec, z: tf.Tensor2D): tf.Tensor2D {
  switch (hiddenActivation(spec)) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'elu':
      return tf.elu(z);
    default:
      return z;
  }
}

/**
 * Forward pass over explicit parameters. `masks[l]` (if given and non-null) multiplies the
 * output of hidden layer l; `probes[l]` (if given) is added to the pre-activation z_l, so that
 * the gradient with respect to a zero probe is δ_l.
 */
export function forward(
  spec: ModelSpec,
  params: readonly tf.Tensor[],
  x: tf.Tensor2D,
  masks: readonly (tf.Tensor2D | null)[] = [],
  probes: readonly tf.Tensor2D[] = [],
): ForwardTrace {
  // A custom model computes its own logits; it has no dense layer inputs to report.
  if (spec.type === 'custom') return { logits: customLogits(spec, params, x, true), inputs: [] };
  const layers = params.length / 2;
  const inputs: tf.Tensor2D[] = [];
  let a = x;
  for (let l = 0; l < layers; l++) {
    inputs.push(a);
    const kernel = params[2 * l];
    const bias = params[2 * l + 1];
    if (kernel === undefined || bias === undefined) {
      throw new Error(`layer ${l} has no kernel/bias pair: the model has ${params.length} parameter tensors, expected kernel, bias per layer`);
    }
    let z = tf.add(tf.matMul(a, kernel as tf.Tensor2D), bias) as tf.Tensor2D;
    const probe = probes[l];
    if (probe) z = tf.add(z, probe);
    if (l === layers - 1) return { logits: z, inputs };
    a = activate(spec, z);
    const m = masks[l];
    if (m) a = tf.mul(a, m);
  }
  throw new Error('a model has at least one layer');
}

/** Per-example binary cross-entropy [b, 1] from logits and 0/1 labels (stable form). */
export function exampleBce(logits: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const pos = tf.relu(logits);
  const soft = tf.log1p(tf.exp(tf.neg(tf.abs(logits))));
  return tf.add(tf.sub(pos, tf.mul(logits, y)), soft) as tf.Tensor2D;
}

/** The parts of a batch's objective. */
export interface LossTerms {
  /** Objective that is differentiated: mean weighted BCE + L2 + proximal term. */
  total: tf.Scalar;
  /** Σ over the batch of the unweighted BCE (for reporting the training loss). */
  bceSum: tf.Scalar;
}

/**
 * The objective of one batch: (1/b)·Σ_i w_i·BCE_i + l2·Σ_l ‖W_l‖² + (μ/2)·Σ ‖θ − θ_global‖².
 * The L2 penalty covers the kernels: every parameter of two or more dimensions (for the dense
 * models, the even-indexed ones of the layout order kernel, bias per layer), not the biases.
 */
export function lossTerms(spec: ModelSpec, params: readonly tf.Tensor[], batch: Batch, reg: Regularization): LossTerms {
  const { logits } = forward(spec, params, batch.x, batch.masks);
  const bce = exampleBce(logits, batch.y);
  let total: tf.Scalar = tf.mean(tf.mul(bce, batch.w));
  if (reg.l2 > 0) {
    const sq = params.filter((t) => t.rank >= 2).map((k) => tf.sum(tf.square(k)));
    total = tf.add(total, tf.mul(reg.l2, tf.addN(sq)));
  }
  if (reg.mu > 0) {
    const anchor = reg.anchor;
    if (!anchor || anchor.length !== params.length) throw new Error('FedProx needs anchor weights for every parameter');
    const sq = params.map((p, i) => tf.sum(tf.squaredDifference(p, anchor[i]!))); // same length, checked above
    total = tf.add(total, tf.mul(reg.mu / 2, tf.addN(sq)));
  }
  return { total, bceSum: tf.sum(bce) };
}

/** Gradients of a batch's objective, in parameter order, and its reported loss. */
export interface BatchGradients {
  grads: tf.Tensor[];
  /** Σ of the unweighted BCE over the batch (kept: the caller disposes it). */
  bceSum: tf.Scalar;
}

/**
 * Gradients of {@link lossTerms} with respect to the trainable variables (one backward pass).
 * A DP-SGD variant replaces this function: per-example norms from {@link forward}'s inputs and
 * probe gradients, clipping, then the same `optimizer.applyGradients` in the caller.
 */
export function computeGradients(spec: ModelSpec, vars: readonly tf.Variable[], batch: Batch, reg: Regularization): BatchGradients {
  let bceSum: tf.Scalar | undefined;
  const { grads } = tf.variableGrads(() => {
    const terms = lossTerms(spec, vars, batch, reg);
    bceSum = tf.keep(terms.bceSum);
    return terms.total;
  }, vars as tf.Variable[]);
  return {
    grads: vars.map((v) => {
      // tfjs leaves out (or nulls) the gradient of a variable that is not trainable or does not reach the loss.
      const g = grads[v.name];
      if (!g) throw new Error(`no gradient for the variable ${v.name}: it is not trainable or does not reach the loss`);
      return g;
    }),
    bceSum: bceSum!,
  };
}

/**
 * Inverted-dropout multipliers for a [rows, units] activation: each entry is 1/(1 − rate) with
 * probability 1 − rate and 0 otherwise, drawn from 32-bit words of `rng` (endian-independent).
 */
export function dropoutMask(rng: Rng, rows: number, units: number, rate: number): Float32Array {
  const n = rows * units;
  const out = new Float32Array(n);
  const keep = 1 - rate;
  const scale = 1 / keep;
  const threshold = keep * 4294967296;
  const b = rng(4 * n);
  for (let i = 0; i < n; i++) {
    const word = (b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24)) >>> 0;
    out[i] = word < threshold ? scale : 0;
  }
  return out;
}
