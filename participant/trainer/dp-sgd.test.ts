/**
 * Tests of the DP-SGD gradient: batch-wise per-example norms equal one-example-at-a-time
 * backprop (logistic regression and two-hidden-layer MLPs, with class weights and dropout), the
 * clipped sum bounds every example's contribution by C and leaves small gradients alone, the
 * noise has standard deviation z·C / denominator, and the penalties are added exactly; with
 * lattice noise (secureNoise) the clipped sum is the same up to the grid rounding, releases lie on
 * the lattice, and the noise has the planned standard deviation.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../core/job.ts';
import { initialWeights, modelLayout } from '../../core/model/layout.ts';
import { seededRng } from '../../core/random.ts';
import { initBackend } from './backend.ts';
import type { DiscreteGaussianSampler } from '../../core/privacy/karney-dgauss.ts';
import { clipFactors, dpGradients, dpStep, exampleSqNorms, exampleTerms, penaltyGradients, scaledGradientSum } from './dp-sgd.ts';
import type { DpStep } from './dp-sgd.ts';
import { SPECS, syntheticRows } from './fixtures.ts';
import type { Batch } from './forward.ts';
import { computeGradients, dropoutMask } from './forward.ts';
import { unflatten } from './model.ts';

const DIM = 6;
const ROWS = 9;
const data = syntheticRows(ROWS, DIM, 9, 3);
const MLP2: ModelSpec = { type: 'mlp', hidden: [8, 5], dropout: 0, activation: 'relu' };
const CASES: [string, ModelSpec][] = [['logistic', SPECS.logistic], ['mlp[8,5] relu', MLP2], ['mlp[8,4] tanh + dropout', SPECS.mlpDrop]];

beforeAll(async () => {
  await initBackend('cpu');
});

const live: tf.Variable[] = [];
afterAll(() => tf.dispose(live));

/** Model parameters as variables, perturbed so that no gradient vanishes by symmetry. */
function params(spec: ModelSpec): tf.Variable[] {
  const flat = initialWeights(spec, DIM, seededRng(4)).map((v, i) => v + 0.05 * Math.cos(i));
  const vars = unflatten(flat, modelLayout(spec, DIM)).map((t) => tf.variable(t));
  live.push(...vars);
  return vars;
}

/** Host arrays of a batch: rows [from, to) of the data, class weights, dropout masks. */
function hostBatch(spec: ModelSpec, weighted: boolean) {
  const w = Float32Array.from(data.y, (y) => (weighted ? (y === 1 ? 3 : 0.4) : 1));
  const rate = spec.type === 'mlp' ? spec.dropout : 0;
  const hidden = spec.type === 'mlp' ? spec.hidden : [];
  const masks = hidden.map((u, l) => (rate > 0 ? dropoutMask(seededRng(20 + l), ROWS, u, rate) : null));
  return { w, masks, hidden };
}

/** The tensors of rows [from, to) of a host batch. */
function tensors(h: ReturnType<typeof hostBatch>, from = 0, to = ROWS): Batch {
  const rows = to - from;
  return {
    x: tf.tensor2d(data.x.subarray(from * DIM, to * DIM), [rows, DIM]),
    y: tf.tensor2d(Float32Array.from(data.y.subarray(from, to)), [rows, 1]),
    w: tf.tensor2d(h.w.subarray(from, to), [rows, 1]),
    masks: h.masks.map((m, l) => (m ? tf.tensor2d(m.subarray(from * h.hidden[l]!, to * h.hidden[l]!), [rows, h.hidden[l]!]) : null)),
  };
}

/** Example i's own gradient of w_i·ℓ_i (a one-row batch through the non-private path), flat. */
function ownGradient(spec: ModelSpec, vars: tf.Variable[], h: ReturnType<typeof hostBatch>, i: number): number[] {
  const flat: number[] = [];
  tf.tidy(() => {
    const { grads, bceSum } = computeGradients(spec, vars, tensors(h, i, i + 1), { l2: 0, mu: 0 });
    bceSum.dispose();
    for (const g of grads) flat.push(...g.dataSync());
  });
  return flat;
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));

describe('per-example gradient norms', () => {
  for (const [label, spec] of CASES) {
    for (const weighted of [false, true]) {
      it(`${label}${weighted ? ', class-weighted' : ''}: batch-wise norms equal one-at-a-time backprop`, () => {
        const vars = params(spec);
        const h = hostBatch(spec, weighted);
        const batchNorms = tf.tidy(() => Array.from(tf.sqrt(exampleSqNorms(exampleTerms(spec, vars, tensors(h)))).dataSync()));
        for (let i = 0; i < ROWS; i++) {
          const own = norm(ownGradient(spec, vars, h, i));
          expect(own).toBeGreaterThan(1e-3);
          expect(Math.abs(batchNorms[i]! - own) / own).toBeLessThan(1e-4);
        }
      });
    }
  }
});

describe('clipping', () => {
  for (const [label, spec] of CASES) {
    it(`${label}: no example contributes more than C; small gradients are unchanged`, () => {
      const vars = params(spec);
      const h = hostBatch(spec, true);
      const own = Array.from({ length: ROWS }, (_, i) => ownGradient(spec, vars, h, i));
      const norms = own.map(norm);
      const clipNorm = [...norms].sort((a, b) => a - b)[Math.floor(ROWS / 2)]!; // the median: some clipped, some not
      const [factors, sum] = tf.tidy(() => {
        const terms = exampleTerms(spec, vars, tensors(h));
        const c = clipFactors(exampleSqNorms(terms), clipNorm);
        const flat = scaledGradientSum(terms, c).flatMap((g) => Array.from(g.dataSync()));
        return [Array.from(c.dataSync()), flat];
      });
      const expected = new Float64Array(own[0]!.length);
      for (let i = 0; i < ROWS; i++) {
        const clipped = own[i]!.map((g) => g * factors[i]!);
        expect(norm(clipped)).toBeLessThanOrEqual(clipNorm * (1 + 1e-5));
        if (norms[i]! < clipNorm * (1 - 1e-5)) expect(factors[i]).toBe(1);
        else expect(norm(clipped)).toBeCloseTo(clipNorm, 4);
        clipped.forEach((g, k) => (expected[k]! += g));
      }
      expect(factors.filter((c) => c < 1).length).toBeGreaterThan(0);
      expect(factors.filter((c) => c === 1).length).toBeGreaterThan(0);
      // The batched a_lᵀ·diag(c)·δ_l equals Σ_i c_i·g_i built from the examples' own gradients.
      const scale = norm(expected);
      sum.forEach((g, k) => expect(Math.abs(g - expected[k]!)).toBeLessThan(1e-5 * scale));
    });
  }
});

describe('noise', () => {
  it('has standard deviation z·C / denominator on every coordinate of the clipped sum', () => {
    const spec = SPECS.mlp16;
    const vars = params(spec);
    const h = hostBatch(spec, true);
    const [clipNorm, z, denominator, draws] = [0.7, 1.3, 2.5, 40];
    const rng = seededRng(99);
    const samples: number[] = [];
    tf.tidy(() => {
      const batch = tensors(h);
      const reg = { l2: 0, mu: 0 };
      const base = dpGradients(spec, vars, batch, reg, { clipNorm, noiseStd: 0, denominator, rng });
      base.bceSum.dispose();
      const clean = base.grads.flatMap((g) => Array.from(g.dataSync()));
      for (let k = 0; k < draws; k++) {
        tf.tidy(() => {
          const { grads: noisy, bceSum } = dpGradients(spec, vars, batch, reg, { clipNorm, noiseStd: z * clipNorm, denominator, rng });
          bceSum.dispose();
          noisy.flatMap((g) => Array.from(g.dataSync())).forEach((g, i) => samples.push(g - clean[i]!));
        });
      }
    });
    const n = samples.length; // 40 × 193 = 7720
    const sd = (z * clipNorm) / denominator;
    const mean = samples.reduce((a, b) => a + b, 0) / n;
    const measured = Math.sqrt(samples.reduce((a, b) => a + b * b, 0) / n);
    // Standard errors: sd/√n for the mean, sd/√(2n) (≈ 0.8%) for the standard deviation.
    expect(Math.abs(mean)).toBeLessThan((5 * sd) / Math.sqrt(n));
    expect(Math.abs(measured / sd - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
  });

  it('an empty batch yields pure noise plus the penalty gradients', () => {
    const spec = SPECS.mlp16;
    const vars = params(spec);
    const flat = (ts: (tf.Tensor | null)[]) => ts.flatMap((t, i) => (t ? Array.from(t.dataSync()) : new Array(vars[i]!.size).fill(0)));
    tf.tidy(() => {
      const empty: Batch = { x: tf.zeros([0, DIM]), y: tf.zeros([0, 1]), w: tf.zeros([0, 1]), masks: [null] };
      const anchor = vars.map((v) => tf.zerosLike(v));
      const reg = { l2: 0.01, mu: 0.5, anchor };
      const out = dpGradients(spec, vars, empty, reg, { clipNorm: 1, noiseStd: 0, denominator: 10, rng: seededRng(1) });
      expect(out.bceSum.dataSync()[0]).toBe(0);
      out.bceSum.dispose();
      const pen = flat(penaltyGradients(vars, reg));
      // 2·l2·W on kernels, μ·(θ − 0) everywhere.
      const want = vars.flatMap((v, i) => Array.from(v.dataSync(), (x) => (i % 2 === 0 ? 0.02 : 0) * x + 0.5 * x));
      pen.forEach((p, k) => expect(p).toBeCloseTo(want[k]!, 6));
      flat(out.grads).forEach((g, k) => expect(g).toBeCloseTo(want[k]!, 6));
    });
  });
});

/** A "sampler" that always draws 0: isolates the grid rounding of the lattice path. */
const zeroSampler: DiscreteGaussianSampler = { sigma: { num: 1, den: 1 }, next: () => 0, fill: (o) => o.fill(0), bytesDrawn: 0 };

/** Flat gradients of one dpGradients call (no penalties). */
function flatGrads(spec: ModelSpec, vars: tf.Variable[], batch: Batch, step: DpStep): number[] {
  return tf.tidy(() => {
    const { grads, bceSum } = dpGradients(spec, vars, batch, { l2: 0, mu: 0 }, step);
    bceSum.dispose();
    return grads.flatMap((g) => Array.from(g.dataSync()));
  });
}

describe('lattice noise (secureNoise)', () => {
  for (const [label, spec] of CASES) {
    it(`${label}: the clipped sum is the float path's, rounded to the grid; releases lie on γZ^d`, () => {
      const vars = params(spec);
      const h = hostBatch(spec, true);
      const size = vars.reduce((a, v) => a + v.size, 0);
      const dp = { noiseMultiplier: 1.1, clipNorm: 0.4, sampleRate: 1 };
      const secure = dpStep(dp, ROWS, size, seededRng(8));
      expect(secure.lattice?.plan.dimension).toBe(size);
      const plan = secure.lattice!.plan;
      tf.tidy(() => {
        const batch = tensors(h);
        const float = flatGrads(spec, vars, batch, { ...secure, lattice: undefined, noiseStd: 0, denominator: 1 });
        const rounded = flatGrads(spec, vars, batch, { ...secure, lattice: { plan, sampler: zeroSampler }, denominator: 1 });
        const noisy = flatGrads(spec, vars, batch, { ...secure, denominator: 1 });
        // Rounding moves each coordinate by ≤ γ/2 (float32 holds these multiples of γ exactly).
        rounded.forEach((g, k) => expect(Math.abs(g - float[k]!)).toBeLessThanOrEqual(plan.grid / 2));
        expect(rounded.some((g, k) => g !== float[k])).toBe(true);
        for (const g of [...rounded, ...noisy]) expect(Number.isInteger(g / plan.grid)).toBe(true);
      });
    });
  }

  it('has standard deviation σ·γ / denominator ≈ z·C / denominator on every coordinate', () => {
    const spec = SPECS.mlp16;
    const vars = params(spec);
    const h = hostBatch(spec, true);
    const [clipNorm, z, denominator, draws] = [0.7, 1.3, 2.5, 40];
    const size = vars.reduce((a, v) => a + v.size, 0);
    const step = { ...dpStep({ noiseMultiplier: z, clipNorm, sampleRate: 1 }, ROWS, size, seededRng(99)), denominator };
    const samples: number[] = [];
    tf.tidy(() => {
      const batch = tensors(h);
      const rounded = flatGrads(spec, vars, batch, { ...step, lattice: { plan: step.lattice!.plan, sampler: zeroSampler } });
      for (let k = 0; k < draws; k++) flatGrads(spec, vars, batch, step).forEach((g, i) => samples.push(g - rounded[i]!));
    });
    const n = samples.length; // 40 × 193 = 7720
    const sd = step.lattice!.plan.noiseStd / denominator;
    expect(sd / ((z * clipNorm) / denominator) - 1).toBeLessThan(2e-3); // the grown sensitivity and τ cost < 0.2 %
    const mean = samples.reduce((a, b) => a + b, 0) / n;
    const measured = Math.sqrt(samples.reduce((a, b) => a + b * b, 0) / n);
    // Standard errors: sd/√n for the mean, sd/√(2n) (≈ 0.8%) for the standard deviation.
    expect(Math.abs(mean)).toBeLessThan((5 * sd) / Math.sqrt(n));
    expect(Math.abs(measured / sd - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
  });

  it('is the default; secureNoise false or z = 0 selects the float path (no noise at all for z = 0)', () => {
    const dp = { noiseMultiplier: 1, clipNorm: 1, sampleRate: 0.5 };
    expect(dpStep(dp, 10, 41, seededRng(1)).lattice).toBeDefined();
    expect(dpStep({ ...dp, secureNoise: true }, 10, 41, seededRng(1)).lattice).toBeDefined();
    expect(dpStep({ ...dp, secureNoise: false }, 10, 41, seededRng(1))).toEqual({ clipNorm: 1, noiseStd: 1, denominator: 5, rng: expect.any(Function) });
    expect(dpStep({ ...dp, noiseMultiplier: 0 }, 10, 41, seededRng(1)).lattice).toBeUndefined();
  });
});

describe('hygiene', () => {
  it('leaves no tensors behind inside a tidy', () => {
    const spec = SPECS.mlpDrop;
    const vars = params(spec);
    const h = hostBatch(spec, true);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const out = dpGradients(spec, vars, tensors(h), { l2: 0, mu: 0 }, { clipNorm: 1, noiseStd: 1, denominator: 5, rng: seededRng(3) });
      expect(out.grads.every((g, i) => g.shape.join() === vars[i]!.shape.join())).toBe(true);
      out.bceSum.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
