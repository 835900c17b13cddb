/**
 * Local training of one participant in one round: a custom mini-batch loop (not `model.fit`)
 * starting from the global weights.
 *
 *  - Each epoch visits every row once in an order shuffled with `seededRng(fit.seed)` (one
 *    stream for the whole call, so epochs differ); the last batch may be smaller.
 *  - Objective per batch: mean class-weighted BCE + l2·Σ‖kernel‖² + (μ/2)·‖w − w_global‖²
 *    (FedProx, Li et al., MLSys 2020, "Federated Optimization in Heterogeneous Networks").
 *  - Optimizer per `fit.train.optimizer`: sgd, momentum (0.9, heavy ball) or adam (tfjs
 *    defaults β1 = 0.9, β2 = 0.999, ε = 1e-7); a fresh optimizer per call, so no state leaks
 *    between rounds or jobs.
 *  - Dropout is active, with masks drawn from a stream derived from `fit.seed`.
 *
 * With `args.dp`, training is record-level DP-SGD instead (dp-sgd.ts, Abadi et al., CCS 2016):
 * each epoch is round(1/q) steps on Poisson-sampled batches (rate q; `fit.train.batchSize` is
 * unused), each step's gradient is the clipped, noised sum over the batch divided by q·N, plus
 * the exact gradients of the L2 and proximal penalties; the optimizer is the configured one. The
 * noise is exact lattice noise unless `dp.secureNoise` is false (dp-sgd.ts). Sampling and noise
 * draw from `args.dpRng` (crypto by default), dropout still from `fit.seed`.
 *
 * Same inputs on the same backend give bit-identical weights (tested on cpu and wasm). Every
 * batch runs in its own `tf.tidy`; variables, anchors and the optimizer are disposed in `finally`.
 * The loop yields to the event loop once {@link YIELD_AFTER_MS} have passed since it last did, so
 * that a node's heartbeats, gRPC keep-alives and deadlines keep running during long local
 * training whatever a batch costs, and it honours an AbortSignal between batches.
 */
import * as tf from '@tensorflow/tfjs';
import type { FitConfig, ModelSpec } from '../../core/job.ts';
import { denseUnits, modelLayout } from '../../core/model/layout.ts';
import { deriveSeed, seededRng, shuffleInPlace } from '../../core/random.ts';
import type { Rng } from '../../core/types.ts';
import { layoutSize } from '../../core/types.ts';
import { initBackend } from './backend.ts';
import type { Batch } from './forward.ts';
import { computeGradients, dropoutMask } from './forward.ts';
import { cryptoRng, poissonBatches } from './dp-random.ts';
import type { DpSgdConfig, DpSgdReport, DpStep } from './dp-sgd.ts';
import { dpGradients, dpReport, dpStep, validateDpConfig } from './dp-sgd.ts';
import { assertInputDim, dropoutRate, flatten, TrainerInputError, unflatten } from './model.ts';
import { trainLogisticOnHost } from './logistic-host.ts';
import { secondCoreAvailable, sharedOrder, TWO_THREAD_MIN_ROWS, trainLogisticOnTwoThreads } from './logistic-threads.ts';

/** Input of {@link trainLocal}. */
export interface TrainArgs {
  spec: ModelSpec;
  inputDim: number;
  /** Starting (global) weights in `modelLayout` order. */
  weights: Float32Array;
  /** Encoded features, n × inputDim, row-major. */
  x: Float32Array;
  /** Labels 0/1, length n (1 = default). */
  y: Uint8Array;
  fit: FitConfig;
  /** Cancels training between batches; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Record-level DP-SGD (see the module header and dp-sgd.ts); absent = non-private training. */
  dp?: DpSgdConfig;
  /**
   * Randomness of DP-SGD's Poisson sampling and noise. Defaults to {@link cryptoRng}; pass a
   * seeded Rng only in tests (a seed known to anyone else voids the guarantee).
   */
  dpRng?: Rng;
  /**
   * "auto" (default): a logistic model without DP-SGD trains on the host (logistic-host.ts),
   * everything else through tfjs; "tfjs" forces the tfjs loop (to compare the two).
   */
  engine?: 'auto' | 'tfjs';
  /**
   * Threads of the host logistic loop: 2 cuts every batch between this thread and a worker
   * (logistic-threads.ts), 1 keeps it on this thread. Default: 2 from
   * {@link TWO_THREAD_MIN_ROWS} rows when the machine has a second core that other processes
   * leave free (`secondCoreAvailable`).
   */
  threads?: 1 | 2;
}

/** Output of {@link trainLocal}. */
export interface TrainResult {
  /** Trained weights in `modelLayout` order. */
  weights: Float32Array;
  /**
   * Σ over the rows of the unweighted BCE in the last epoch, each row's loss taken in the forward
   * pass of its batch (with dropout active, before that batch's update). Divide by `examples` for
   * the mean training loss; the strategy sums it across participants. Under DP-SGD it sums over
   * the Poisson-sampled rows of the last epoch (≈ N of them, with repeats and omissions), and it
   * is NOT covered by the DP guarantee: it is for local monitoring unless protected separately.
   */
  lossSum: number;
  /** Number of training rows n. */
  examples: number;
  /** Optimizer steps taken (batches × epochs). */
  steps: number;
  /** Present when trained with DP-SGD: the parameters a privacy accountant needs. */
  dp?: DpSgdReport;
}

/**
 * Per-batch loss scalars summed into one as soon as this many are pending. Summing every batch of
 * a large epoch at the end would pass tens of thousands of tensors to one `addN`, which corrupts
 * the wasm backend's memory (seen at 23,000 batches: "memory access out of bounds" on dispose).
 */
export const LOSS_PARTS_FOLD = 256;

/** Replaces the scalars in `parts` with their sum (one scalar), disposing the parts. */
function foldInto(parts: tf.Scalar[]): void {
  const sum = tf.addN(parts) as tf.Scalar;
  tf.dispose(parts);
  parts.length = 0;
  parts.push(sum);
}

/**
 * True when every weight is finite. A plain loop: `Float32Array.every(Number.isFinite)` boxes each
 * element into a heap number for the callback, about 1.6 MB of garbage per 100 k-weight model.
 */
function allFinite(weights: Float32Array): boolean {
  for (let i = 0; i < weights.length; i++) if (!Number.isFinite(weights[i])) return false;
  return true;
}

function diverged(steps: number): TrainerInputError {
  return new TrainerInputError(`local training diverged (non-finite weights or loss after ${steps} steps); lower the learning rate or μ`, 'fit.train.learningRate');
}

/** Milliseconds of training after which the loop yields to the event loop (between batches). */
export const YIELD_AFTER_MS = 50;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Creates the tfjs optimizer named by the train spec. */
export function makeOptimizer(kind: FitConfig['train']['optimizer'], learningRate: number): tf.Optimizer {
  switch (kind) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
    case 'adam':
      return tf.train.adam(learningRate);
    default:
      throw new TrainerInputError(`unknown optimizer ${String(kind)}`, 'fit.train.optimizer');
  }
}

/**
 * Disposes an optimizer and all its state. Works around tfjs 4.22's MomentumOptimizer, whose
 * `dispose()` overrides SGD's without calling it and so leaks the learning-rate scalar `c`.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer instanceof tf.MomentumOptimizer) {
    const c = (optimizer as unknown as { c?: tf.Scalar }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}

/** Validates shapes and hyper-parameters; throws a {@link TrainerInputError} naming the culprit. */
function validate(args: TrainArgs): number {
  const { spec, inputDim, weights, x, y, fit } = args;
  assertInputDim(inputDim);
  const expected = layoutSize(modelLayout(spec, inputDim));
  if (weights.length !== expected) {
    throw new TrainerInputError(`weights has length ${weights.length}, the model layout needs ${expected}`, 'weights');
  }
  if (x.length !== y.length * inputDim) {
    throw new TrainerInputError(`x has length ${x.length}, expected y.length × inputDim = ${y.length} × ${inputDim}`, 'x');
  }
  for (let i = 0; i < y.length; i++) {
    if (y[i]! > 1) throw new TrainerInputError(`y[${i}] = ${y[i]} is not a 0/1 label`, 'y');
  }
  const { positive, negative } = fit.classWeights;
  if (!(positive > 0 && negative > 0 && Number.isFinite(positive) && Number.isFinite(negative))) {
    throw new TrainerInputError(`class weights must be finite and positive, got ${positive}/${negative}`, 'fit.classWeights');
  }
  if (!(fit.mu >= 0 && Number.isFinite(fit.mu))) throw new TrainerInputError(`mu must be ≥ 0, got ${fit.mu}`, 'fit.mu');
  if (!(fit.train.batchSize >= 1)) throw new TrainerInputError(`batchSize must be ≥ 1`, 'fit.train.batchSize');
  if (args.dp) validateDpConfig(args.dp);
  if (args.dp && spec.type === 'custom') {
    throw new TrainerInputError(`record-level DP-SGD needs per-example gradient norms, computed for the dense models only; model "${spec.name}" is custom`, 'dp');
  }
  return y.length;
}

/** Host-side arrays of one batch, gathered from its row indices. */
interface HostBatch {
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  rows: number;
}

function gather(args: TrainArgs, indices: Uint32Array): HostBatch {
  const d = args.inputDim;
  const rows = indices.length;
  const x = new Float32Array(rows * d);
  const y = new Float32Array(rows);
  const w = new Float32Array(rows);
  const { positive, negative } = args.fit.classWeights;
  for (let r = 0; r < rows; r++) {
    const i = indices[r]!; // row indices are < n = args.y.length
    const label = args.y[i]!;
    x.set(args.x.subarray(i * d, (i + 1) * d), r * d);
    y[r] = label;
    w[r] = label === 1 ? positive : negative;
  }
  return { x, y, w, rows };
}

/** Dropout multipliers for each hidden layer of a batch (null when the spec has no dropout). */
function batchMasks(spec: ModelSpec, rows: number, rng: Rng): (tf.Tensor2D | null)[] {
  if (spec.type === 'custom' || spec.type === 'gbdt') return [];
  const rate = dropoutRate(spec);
  const hidden = denseUnits(spec).slice(0, -1);
  return hidden.map((u) => (rate > 0 ? tf.tensor2d(dropoutMask(rng, rows, u, rate), [rows, u]) : null));
}

/** One epoch of the non-private loop: shuffles `order`, then yields consecutive slices of it. */
function* shuffledBatches(order: Uint32Array, batchSize: number, rng: Rng): Generator<Uint32Array> {
  shuffleInPlace(order, rng);
  for (let start = 0; start < order.length; start += batchSize) {
    yield order.subarray(start, Math.min(order.length, start + batchSize));
  }
}

/**
 * Trains locally from `weights` for `fit.train.localEpochs` epochs and returns the new weights.
 * Ensures a backend is selected ({@link initBackend}). With no rows it returns the input weights
 * unchanged, zero loss and zero steps. Throws a {@link TrainerInputError} on malformed input and
 * when training diverges to non-finite weights (which must never reach the aggregate).
 */
export async function trainLocal(args: TrainArgs): Promise<TrainResult> {
  const n = validate(args);
  await initBackend();
  args.signal?.throwIfAborted();
  const { spec, fit } = args;
  if (n === 0) return { weights: args.weights.slice(), lossSum: 0, examples: 0, steps: 0, ...(args.dp && { dp: dpReport(args.dp, 0, 0) }) };

  const layout = modelLayout(spec, args.inputDim);
  const order = new Uint32Array(n).map((_, i) => i);
  const shuffleRng = seededRng(fit.seed);
  if (spec.type === 'logistic' && !args.dp && args.engine !== 'tfjs') {
    let lastYield = performance.now();
    const pause = async (): Promise<void> => {
      await yieldToEventLoop();
      lastYield = performance.now();
    };
    const due = () => (performance.now() - lastYield >= YIELD_AFTER_MS ? pause() : undefined);
    const twoThreads = args.threads === 2 || (args.threads === undefined && n >= TWO_THREAD_MIN_ROWS && secondCoreAvailable());
    const shared = twoThreads ? sharedOrder(n) : order;
    const batches = () => shuffledBatches(shared, fit.train.batchSize, shuffleRng);
    const out = twoThreads ? await trainLogisticOnTwoThreads(args, shared, batches, due) : await trainLogisticOnHost(args, batches, due);
    if (!Number.isFinite(out.lossSum) || !allFinite(out.weights)) throw diverged(out.steps);
    return { weights: out.weights, lossSum: out.lossSum, examples: n, steps: out.steps };
  }
  const dropoutRng = seededRng(deriveSeed(fit.seed, 'dropout'));
  const reg = { l2: fit.train.l2, mu: fit.mu, anchor: undefined as tf.Tensor[] | undefined };
  const bs = fit.train.batchSize;
  const epochs = fit.train.localEpochs;
  const dpRng = args.dpRng ?? cryptoRng;
  const step: DpStep | undefined = args.dp && dpStep(args.dp, n, layoutSize(layout), dpRng);

  let vars: tf.Variable[] = [];
  let optimizer: tf.Optimizer | undefined;
  const lossParts: tf.Scalar[] = [];
  try {
    const init = unflatten(args.weights, layout);
    vars = init.map((t) => tf.variable(t, true));
    if (fit.mu > 0) reg.anchor = init;
    else tf.dispose(init);
    optimizer = makeOptimizer(fit.train.optimizer, fit.train.learningRate);
    const opt = optimizer;
    let steps = 0;
    let lastYield = performance.now();
    for (let epoch = 0; epoch < epochs; epoch++) {
      const last = epoch === epochs - 1;
      const batches = args.dp ? poissonBatches(n, args.dp.sampleRate, dpRng) : shuffledBatches(order, bs, shuffleRng);
      for (const indices of batches) {
        if (performance.now() - lastYield >= YIELD_AFTER_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        args.signal?.throwIfAborted();
        const host = gather(args, indices);
        tf.tidy(() => {
          const batch: Batch = {
            x: tf.tensor2d(host.x, [host.rows, args.inputDim]),
            y: tf.tensor2d(host.y, [host.rows, 1]),
            w: tf.tensor2d(host.w, [host.rows, 1]),
            masks: batchMasks(spec, host.rows, dropoutRng),
          };
          const { grads, bceSum } = step ? dpGradients(spec, vars, batch, reg, step) : computeGradients(spec, vars, batch, reg);
          opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, grads[i]!]))); // one gradient per variable
          if (last) lossParts.push(bceSum);
          else bceSum.dispose();
        });
        if (lossParts.length >= LOSS_PARTS_FOLD) foldInto(lossParts);
        steps++;
      }
    }
    const lossSum = tf.tidy(() => tf.addN(lossParts).dataSync()[0]!); // a scalar: one value
    const weights = flatten(vars);
    if (!Number.isFinite(lossSum) || !allFinite(weights)) throw diverged(steps);
    return { weights, lossSum, examples: n, steps, ...(args.dp && { dp: dpReport(args.dp, steps, n, step) }) };
  } finally {
    tf.dispose(lossParts);
    tf.dispose(vars);
    if (reg.anchor) tf.dispose(reg.anchor);
    if (optimizer) disposeOptimizer(optimizer);
  }
}
