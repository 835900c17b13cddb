/**
 * One DP-SGD gradient (Abadi et al., CCS 2016, "Deep Learning with Differential Privacy"):
 * per-example gradients clipped to norm C, summed, Gaussian noise N(0, z²C²) added to every
 * coordinate of the sum, then normalized by the expected batch size q·N.
 *
 * Per-example norms without a loop over examples (Goodfellow 2015, "Efficient
 * per-example gradient computations"): a dense layer z_l = a_l·W_l + b_l gives example i the
 * kernel gradient a_{l,i} δ_{l,i}ᵀ and bias gradient δ_{l,i}, with δ_{l,i} = ∂(w_i·ℓ_i)/∂z_{l,i}.
 * Hence ‖g_i‖² = Σ_l (‖a_{l,i}‖² + 1)·‖δ_{l,i}‖². One backward pass with respect to zero
 * "probes" added to every z_l ({@link forward}) yields all δ_l for the batch at once, because
 * example i's loss depends only on row i of each z_l (no batch-coupled layers). The clipped sum
 * Σ_i c_i·g_i, c_i = min(1, C/‖g_i‖), is then a_lᵀ·diag(c)·δ_l for the kernel and Σ_i c_i δ_{l,i}
 * for the bias — no second backward pass.
 *
 * The per-example loss is the class-weighted w_i·ℓ_i, exactly the term example i contributes to
 * the non-private objective; dropout masks are per row, so they are part of example i's own
 * computation. Clipping applies to the gradient of w_i·ℓ_i, so every example's contribution to
 * the sum is at most C whatever its class weight.
 *
 * Noise (`secureNoise`, the default): the clipped sum is rounded to a power-of-two lattice γZ^d and
 * exact discrete Gaussian noise on that lattice is added (core/privacy/lattice-noise.ts, whose
 * header gives the grid, the grown sensitivity C + γ⌈√d⌉ the noise is calibrated to, and why the
 * accountant's curve for z still holds); the release then has the same support whatever the data,
 * so floating-point precision attacks have nothing to read. With `secureNoise: false`, float
 * Box–Muller noise N(0, (z·C)²) is added to the float32 sum as before (dp-random.ts).
 *
 * Regularization: the L2 penalty and the FedProx proximal term do not depend on the data, so
 * their exact gradients (2·l2·W for kernels, μ·(θ − θ_global) for all parameters) are added after
 * clipping, noising and normalization — at no privacy cost, and with the same objective as the
 * non-private path: (1/(qN))·Σ_i w_i·ℓ_i + penalties, whose expectation over Poisson sampling is
 * the full-data objective (1/N)·Σ_i w_i·ℓ_i + penalties. (Normalizing by the actual batch size
 * instead would be biased and would make the divisor data-dependent.) N, the participant's row
 * count, is treated as public — it is reported as `examples` anyway — so dividing the noisy sum by
 * q·N is post-processing.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../core/job.ts';
import type { DiscreteGaussianSampler } from '../../core/privacy/karney-dgauss.ts';
import type { LatticeNoisePlan } from '../../core/privacy/lattice-noise.ts';
import { latticeNoisePlan, latticeSampler, noisyLatticeSum } from '../../core/privacy/lattice-noise.ts';
import type { Rng } from '../../core/types.ts';
import { gaussianVector } from './dp-random.ts';
import type { Batch, BatchGradients, Regularization } from './forward.ts';
import { exampleBce, forward } from './forward.ts';
import { TrainerInputError } from './model.ts';

/** DP-SGD hyper-parameters of local training. */
export interface DpSgdConfig {
  /** z: the noise standard deviation is z·C on every coordinate of the summed clipped gradient. */
  noiseMultiplier: number;
  /** C: the L2 norm every example's gradient is clipped to. */
  clipNorm: number;
  /** q ∈ (0, 1]: the Poisson sampling rate of every batch. */
  sampleRate: number;
  /** Exact lattice noise (the default, also when absent); false: float Box–Muller noise. */
  secureNoise?: boolean;
}

/** What a privacy accountant needs to know about one call of DP-SGD local training. */
export interface DpSgdReport {
  /** The sampling used — the accountant must match it. */
  sampling: 'poisson';
  /** q (the actual inclusion probability is ⌊q·2³²⌋/2³² ≤ q, see `poissonSample`). */
  sampleRate: number;
  /** z. */
  noiseMultiplier: number;
  /** C. */
  clipNorm: number;
  /** Noisy steps actually taken (= localEpochs × round(1/q)), each one use of the mechanism. */
  steps: number;
  /** q·N, the divisor of every noisy gradient sum. */
  expectedBatchSize: number;
  /** 'lattice': exact discrete Gaussian on a lattice (secureNoise); 'float': Box–Muller; 'none': z = 0. */
  noise: 'lattice' | 'float' | 'none';
  /** Lattice noise actually used (when noisy steps ran): the grid γ, the grown sensitivity, σ·γ. */
  lattice?: { grid: number; sensitivity: number; noiseStd: number };
}

/** The accountant's view of `steps` DP-SGD steps over `n` rows (with the step constants, if any ran). */
export function dpReport(dp: DpSgdConfig, steps: number, n: number, step?: DpStep): DpSgdReport {
  const { noiseMultiplier, clipNorm, sampleRate } = dp;
  const plan = step?.lattice?.plan;
  return {
    sampling: 'poisson', sampleRate, noiseMultiplier, clipNorm, steps, expectedBatchSize: sampleRate * n,
    noise: noiseMultiplier === 0 ? 'none' : dp.secureNoise === false ? 'float' : 'lattice',
    ...(plan && { lattice: { grid: plan.grid, sensitivity: plan.sensitivity, noiseStd: plan.noiseStd } }),
  };
}

/** Per-step constants of DP-SGD. */
export interface DpStep {
  /** C. */
  clipNorm: number;
  /** z·C: the float noise's standard deviation (unused with `lattice`, which has its own). */
  noiseStd: number;
  /** The normalizer of the noisy sum: q·N, the expected batch size. */
  denominator: number;
  /** Source of the float noise: crypto in production (see dp-random.ts). */
  rng: Rng;
  /** Lattice noise instead of float noise: the plan and a sampler reading the same crypto Rng. */
  lattice?: { plan: LatticeNoisePlan; sampler: DiscreteGaussianSampler };
}

/**
 * The per-step constants of DP-SGD over `n` rows for a model of `dimension` parameters: lattice
 * noise unless `dp.secureNoise` is false or z = 0 (no noise at all), all randomness from `rng`.
 */
export function dpStep(dp: DpSgdConfig, n: number, dimension: number, rng: Rng): DpStep {
  const step: DpStep = { clipNorm: dp.clipNorm, noiseStd: dp.noiseMultiplier * dp.clipNorm, denominator: dp.sampleRate * n, rng };
  if (dp.secureNoise === false || dp.noiseMultiplier === 0) return step;
  const plan = latticeNoisePlan(dp.noiseMultiplier, dp.clipNorm, dimension);
  return { ...step, noiseStd: plan.noiseStd, lattice: { plan, sampler: latticeSampler(plan, rng) } };
}

/** Throws a {@link TrainerInputError} naming the first invalid DP-SGD hyper-parameter. */
export function validateDpConfig(dp: DpSgdConfig): void {
  const { noiseMultiplier: z, clipNorm: c, sampleRate: q } = dp;
  if (!(Number.isFinite(z) && z >= 0)) throw new TrainerInputError(`noiseMultiplier must be finite and ≥ 0, got ${z}`, 'dp.noiseMultiplier');
  if (!(Number.isFinite(c) && c > 0)) throw new TrainerInputError(`clipNorm must be finite and > 0, got ${c}`, 'dp.clipNorm');
  if (!(q > 0 && q <= 1)) throw new TrainerInputError(`sampleRate must be in (0, 1], got ${q}`, 'dp.sampleRate');
}

/** What one backward pass yields for the per-example gradients of a batch of b rows. */
export interface ExampleTerms {
  /** Input a_l [b, in_l] of every dense layer (a_0 = x, hidden ones after dropout). */
  inputs: tf.Tensor2D[];
  /** δ_l [b, out_l] of every dense layer: row i is ∂(w_i·ℓ_i)/∂z_{l,i}. */
  deltas: tf.Tensor2D[];
  /** Σ over the batch of the unweighted BCE (for reporting). */
  bceSum: tf.Scalar;
}

/**
 * Layer inputs and probe gradients of a batch (one forward and one backward pass). Every returned
 * tensor belongs to the caller's scope (use inside `tf.tidy`). The batch must have ≥ 1 row.
 */
export function exampleTerms(spec: ModelSpec, params: readonly tf.Tensor[], batch: Batch): ExampleTerms {
  const rows = batch.x.shape[0];
  const probes = params.filter((_, i) => i % 2 === 1).map((bias) => tf.zeros([rows, bias.shape[0]]) as tf.Tensor2D);
  let kept: tf.Tensor[] = [];
  const weightedLoss = (...ps: tf.Tensor[]): tf.Scalar => {
    const trace = forward(spec, params, batch.x, batch.masks, ps as tf.Tensor2D[]);
    const bce = exampleBce(trace.logits, batch.y);
    // tf.grads disposes intermediates on return: keep the hidden inputs and the loss sum.
    kept = [...trace.inputs.slice(1), tf.sum(bce)].map((t) => tf.keep(t));
    return tf.sum(tf.mul(bce, batch.w));
  };
  const deltas = tf.grads(weightedLoss)(probes) as tf.Tensor2D[];
  // Clones are tracked by the caller's scope; the kept originals are released here.
  const owned = kept.map((t) => tf.clone(t));
  tf.dispose(kept);
  const bceSum = owned.pop() as tf.Scalar;
  return { inputs: [batch.x, ...(owned as tf.Tensor2D[])], deltas, bceSum };
}

/** ‖g_i‖² = Σ_l (‖a_{l,i}‖² + 1)·‖δ_{l,i}‖² for every example, as a [b] tensor. */
export function exampleSqNorms(terms: ExampleTerms): tf.Tensor1D {
  // inputs[l] is the input of layer l: one per entry of deltas.
  const perLayer = terms.deltas.map((d, l) => tf.mul(tf.add(tf.sum(tf.square(terms.inputs[l]!), 1), 1), tf.sum(tf.square(d), 1)));
  return tf.addN(perLayer) as tf.Tensor1D;
}

/** c_i = min(1, C/‖g_i‖) computed as C / max(‖g_i‖, C): exactly 1 when ‖g_i‖ ≤ C, never ÷0. */
export function clipFactors(sqNorms: tf.Tensor1D, clipNorm: number): tf.Tensor1D {
  const c = tf.scalar(clipNorm);
  return tf.div(c, tf.maximum(tf.sqrt(sqNorms), c));
}

/** Σ_i c_i·g_i in parameter order: a_lᵀ·diag(c)·δ_l (kernel) and Σ_i c_i·δ_{l,i} (bias). */
export function scaledGradientSum(terms: ExampleTerms, factors: tf.Tensor1D): tf.Tensor[] {
  const c = tf.reshape(factors, [-1, 1]);
  return terms.deltas.flatMap((d, l) => {
    const cd = tf.mul(d, c) as tf.Tensor2D;
    return [tf.matMul(terms.inputs[l]!, cd, true, false), tf.sum(cd, 0)]; // one input per layer, as deltas
  });
}

/** Gradient of the data-independent penalties at `params`, or null for a parameter without any. */
export function penaltyGradients(params: readonly tf.Tensor[], reg: Regularization): (tf.Tensor | null)[] {
  const anchor = reg.mu > 0 ? reg.anchor : undefined;
  if (reg.mu > 0 && (!anchor || anchor.length !== params.length)) {
    throw new Error('FedProx needs anchor weights for every parameter');
  }
  return params.map((p, i) => {
    const parts: tf.Tensor[] = [];
    if (reg.l2 > 0 && i % 2 === 0) parts.push(tf.mul(2 * reg.l2, p));
    if (anchor) parts.push(tf.mul(reg.mu, tf.sub(p, anchor[i]!))); // same length, checked above
    return parts.length <= 1 ? (parts[0] ?? null) : tf.addN(parts);
  });
}

/**
 * Lattice noise on the clipped sums: γ·(round(S/γ) + Y) (core/privacy/lattice-noise.ts) formed on
 * the host in float64, then rounded once to float32 tensors in parameter order.
 */
function latticeNoised(sums: readonly tf.Tensor[], lattice: NonNullable<DpStep['lattice']>): tf.Tensor[] {
  const flat = new Float32Array(lattice.plan.dimension);
  let off = 0;
  for (const s of sums) {
    flat.set(s.dataSync() as Float32Array, off);
    off += s.size;
  }
  const noisy = Float32Array.from(noisyLatticeSum(flat, lattice.plan, lattice.sampler));
  off = 0;
  return sums.map((s) => {
    const t = tf.tensor(noisy.subarray(off, off + s.size), s.shape, 'float32');
    off += s.size;
    return t;
  });
}

/**
 * The DP-SGD gradient of a batch, in parameter order: (Σ_i c_i·g_i + noise) / (q·N) plus the
 * penalty gradients, the noise N(0, (z·C)²·I) in float or the lattice noise of `step.lattice`. An empty batch contributes a zero sum (the step is still noisy and
 * still counts). Use inside `tf.tidy`; the caller applies the result with its optimizer. As with
 * `computeGradients`, `bceSum` is kept (it outlives the tidy) and the caller disposes it.
 */
export function dpGradients(spec: ModelSpec, params: readonly tf.Tensor[], batch: Batch, reg: Regularization, step: DpStep): BatchGradients {
  const rows = batch.x.shape[0];
  let sums: tf.Tensor[];
  let bceSum: tf.Scalar;
  if (rows === 0) {
    sums = params.map((p) => tf.zerosLike(p));
    bceSum = tf.scalar(0);
  } else {
    const terms = exampleTerms(spec, params, batch);
    sums = scaledGradientSum(terms, clipFactors(exampleSqNorms(terms), step.clipNorm));
    bceSum = terms.bceSum;
  }
  const total = params.reduce((a, p) => a + p.size, 0);
  if (step.lattice) sums = latticeNoised(sums, step.lattice);
  const noise = !step.lattice && step.noiseStd > 0 ? gaussianVector(step.rng, total, step.noiseStd) : null;
  const penalties = penaltyGradients(params, reg);
  let off = 0;
  const grads = sums.map((s, i) => {
    const p = params[i]!; // one sum per parameter
    let g = s;
    if (noise) g = tf.add(g, tf.tensor(noise.subarray(off, off + p.size), p.shape, 'float32'));
    off += p.size;
    g = tf.div(g, step.denominator);
    const pen = penalties[i];
    return pen ? tf.add(g, pen) : g;
  });
  return { grads, bceSum: tf.keep(bceSum) };
}
