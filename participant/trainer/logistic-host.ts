/**
 * Logistic regression trained on the host, in plain typed-array loops, instead of through tfjs:
 * the same objective, batches, optimizers and result as `trainLocal`'s tfjs loop (train.ts), in
 * float64 arithmetic. A logistic model has one weight per input, so a tfjs batch spends nearly
 * all its time dispatching kernels (about 140 k rows/s at batch 64 on this machine); the loops
 * here do the two dot products per row directly.
 *
 * Per batch of b rows with class weights w_i, labels y_i and logits z_i = x_i·k + c:
 *
 *   objective = (1/b)·Σ_i w_i·BCE(z_i, y_i) + l2·‖k‖² + (μ/2)·‖θ − θ_global‖²
 *   ∂/∂z_i    = w_i·(σ(z_i) − y_i)/b,   ∂/∂k = Σ_i ∂/∂z_i·x_i + 2·l2·k + μ·(k − k_global),
 *   ∂/∂c      = Σ_i ∂/∂z_i + μ·(c − c_global),
 *
 * BCE in the stable form max(z, 0) − z·y + log(1 + e^{−|z|}). The optimizers follow tfjs's
 * definitions: sgd θ −= η·g; momentum a = 0.9·a + g, θ −= η·a; adam (β1 0.9, β2 0.999, ε 1e-7)
 * with bias-corrected moments, θ −= η·m̂/(√v̂ + ε). Rows are visited in the same shuffled order
 * (`shuffledBatches` from `fit.seed`), so both paths take the same steps; the weights agree to
 * float32 rounding (train.test.ts compares them).
 *
 * Pure computation apart from yielding to the event loop (so heartbeats and deadlines keep
 * running) and honouring the AbortSignal between batches, as the tfjs loop does.
 */
import type { FitConfig } from '../../core/job.ts';
import { addBatchGradient } from './logistic-kernel.mjs';
import type { TrainArgs } from './train.ts';

/** What {@link trainLogisticOnHost} needs of `trainLocal`'s arguments, already validated. */
export type HostLogisticArgs = Pick<TrainArgs, 'inputDim' | 'weights' | 'x' | 'y' | 'fit' | 'signal'>;

/** Weights (kernel then bias, the `modelLayout` order), Σ unweighted BCE of the last epoch, steps. */
export interface HostLogisticResult {
  weights: Float32Array;
  lossSum: number;
  steps: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPSILON = 1e-7;
const MOMENTUM = 0.9;

/** Optimizer state and update rule over a float64 parameter vector. */
function optimizerFor(kind: FitConfig['train']['optimizer'], size: number, lr: number): (theta: Float64Array, g: Float64Array) => void {
  if (kind === 'sgd') {
    return (theta, g) => {
      for (let j = 0; j < size; j++) theta[j]! -= lr * g[j]!;
    };
  }
  if (kind === 'momentum') {
    const acc = new Float64Array(size);
    return (theta, g) => {
      for (let j = 0; j < size; j++) {
        acc[j] = MOMENTUM * acc[j]! + g[j]!;
        theta[j]! -= lr * acc[j]!;
      }
    };
  }
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let beta1t = BETA1;
  let beta2t = BETA2;
  return (theta, g) => {
    for (let j = 0; j < size; j++) {
      const gj = g[j]!;
      m[j] = BETA1 * m[j]! + (1 - BETA1) * gj;
      v[j] = BETA2 * v[j]! + (1 - BETA2) * gj * gj;
      theta[j]! -= (lr * (m[j]! / (1 - beta1t))) / (Math.sqrt(v[j]! / (1 - beta2t)) + ADAM_EPSILON);
    }
    beta1t *= BETA1;
    beta2t *= BETA2;
  };
}

/**
 * One batch's gradient of the class-weighted mean BCE at the current weights, added into `g`
 * (zeroed), returning the batch's summed unweighted BCE when `withLoss` (else 0).
 */
export type BatchGradient = (rows: Uint32Array, g: Float64Array, withLoss: boolean) => number | Promise<number>;

/**
 * The training loop around a batch gradient: for `fit.train.localEpochs` epochs over
 * `batches(epoch)` (each a list of row indices), the gradient, then the L2 and proximal terms,
 * then the optimizer step on `theta` (float64, starting at `args.weights`, updated in place).
 * `yieldNow` is awaited between batches when it says so.
 */
export async function runLogisticSteps(
  args: HostLogisticArgs,
  theta: Float64Array,
  batches: () => Iterable<Uint32Array>,
  yieldNow: () => Promise<void> | undefined,
  gradient: BatchGradient,
): Promise<HostLogisticResult> {
  const d = args.inputDim;
  const size = d + 1;
  const { fit } = args;
  const l2 = fit.train.l2;
  const mu = fit.mu;
  const anchor = Float64Array.from(args.weights);
  const g = new Float64Array(size);
  const update = optimizerFor(fit.train.optimizer, size, fit.train.learningRate);
  const epochs = fit.train.localEpochs;
  let steps = 0;
  let lossSum = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const last = epoch === epochs - 1;
    for (const rows of batches()) {
      const pause = yieldNow();
      if (pause) await pause;
      args.signal?.throwIfAborted();
      g.fill(0);
      const loss = gradient(rows, g, last);
      lossSum += typeof loss === 'number' ? loss : await loss;
      if (l2 > 0) for (let j = 0; j < d; j++) g[j]! += 2 * l2 * theta[j]!;
      if (mu > 0) for (let j = 0; j < size; j++) g[j]! += mu * (theta[j]! - anchor[j]!);
      update(theta, g);
      steps++;
    }
  }
  return { weights: Float32Array.from(theta), lossSum, steps };
}

/** Trains a logistic model on this thread (see {@link runLogisticSteps}) and returns float32 weights. */
export function trainLogisticOnHost(args: HostLogisticArgs, batches: () => Iterable<Uint32Array>, yieldNow: () => Promise<void> | undefined): Promise<HostLogisticResult> {
  const { x, y, inputDim: d } = args;
  const { positive, negative } = args.fit.classWeights;
  const theta = Float64Array.from(args.weights);
  return runLogisticSteps(args, theta, batches, yieldNow, (rows, g, last) => addBatchGradient(x, y, d, theta, rows, 0, rows.length, rows.length, positive, negative, g, last));
}
