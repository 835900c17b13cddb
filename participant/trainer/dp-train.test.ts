/**
 * Tests of `trainLocal` with DP-SGD: with no noise, no effective clipping and q = 1 it takes the
 * plain full-batch steps (a check of the q·N normalization and of how the penalties combine); the
 * noise of one step has standard deviation lr·z·C/(q·N); it takes round(1/q) steps per epoch and
 * reports what an accountant needs; it still learns at moderate noise; it is reproducible with a
 * seeded Rng and unpredictable by default; it validates its parameters and frees its tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FitConfig, ModelSpec } from '../../core/job.ts';
import { initialWeights } from '../../core/model/layout.ts';
import { latticeNoisePlan } from '../../core/privacy/lattice-noise.ts';
import { seededRng } from '../../core/random.ts';
import { initBackend } from './backend.ts';
import type { DpSgdConfig } from './dp-sgd.ts';
import { fitConfig, meanBce, rankAuc, SPECS, syntheticRows } from './fixtures.ts';
import { predictScores } from './predict.ts';
import { trainLocal } from './train.ts';

const DIM = 10;
const data = syntheticRows(2000, DIM, 21, 4);
const small = syntheticRows(300, DIM, 5, 2);

beforeAll(async () => {
  await initBackend('cpu');
});

function train(spec: ModelSpec, fit: FitConfig, dp?: DpSgdConfig, seed = 1, d = data, weights = initialWeights(spec, DIM, seededRng(2))) {
  return trainLocal({ spec, inputDim: DIM, weights, x: d.x, y: d.y, fit, dp, dpRng: dp ? seededRng(seed) : undefined });
}

describe('DP-SGD normalization', () => {
  for (const [label, optimizer] of [['logistic', 'sgd'], ['mlp16', 'sgd'], ['mlp16', 'momentum']] as const) {
    it(`${label}/${optimizer}: z = 0, huge C, q = 1 reproduces plain full-batch training (class weights, L2, FedProx)`, async () => {
      const spec = SPECS[label];
      const fit = fitConfig({ mu: 0.2, classWeights: { positive: 3, negative: 0.5 }, train: { optimizer, batchSize: small.rows, localEpochs: 4, l2: 0.01 } });
      const plain = await train(spec, fit, undefined, 1, small);
      const dp = await train(spec, fit, { noiseMultiplier: 0, clipNorm: 1e6, sampleRate: 1 }, 1, small);
      expect(dp.steps).toBe(plain.steps);
      const scale = Math.max(...plain.weights.map(Math.abs));
      plain.weights.forEach((w, i) => expect(Math.abs(dp.weights[i]! - w)).toBeLessThan(1e-5 * scale));
      expect(dp.lossSum).toBeCloseTo(plain.lossSum, 2);
    });
  }
});

describe('DP-SGD noise inside trainLocal', () => {
  for (const secureNoise of [true, false]) {
    it(`one sgd step moves the weights by lr·N(0, (z·C)²)/(q·N) around the noiseless step (${secureNoise ? 'lattice' : 'float'} noise)`, async () => {
      const spec = SPECS.mlp16;
      const [lr, z, clipNorm] = [0.5, 2, 0.3];
      const fit = fitConfig({ train: { learningRate: lr } });
      const d = syntheticRows(40, DIM, 8);
      // q = 1: one step per epoch, every row. Lattice noise is ≤ 0.2 % larger (grown sensitivity) and
      // its rounding moves the mean by ≤ γ/2 ≤ z·C·2^−11: both far inside the tolerances below.
      const dp = { noiseMultiplier: z, clipNorm, sampleRate: 1, secureNoise };
      const clean = await train(spec, fit, { ...dp, noiseMultiplier: 0 }, 1, d);
      const samples: number[] = [];
      for (let s = 0; s < 30; s++) {
        const noisy = await train(spec, fit, dp, 100 + s, d);
        noisy.weights.forEach((w, i) => samples.push(w - clean.weights[i]!));
      }
      const sd = (lr * z * clipNorm) / d.rows;
      const n = samples.length; // 30 × 193
      const measured = Math.sqrt(samples.reduce((a, b) => a + b * b, 0) / n);
      expect(Math.abs(samples.reduce((a, b) => a + b, 0) / n)).toBeLessThan((5 * sd) / Math.sqrt(n));
      expect(Math.abs(measured / sd - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    });
  }
});

describe('DP-SGD steps and report', () => {
  it('takes localEpochs × round(1/q) steps, including empty batches, and reports q, z, C and steps', async () => {
    const fit = fitConfig({ train: { localEpochs: 2, batchSize: 7 } }); // batchSize is unused under DP
    const dp = { noiseMultiplier: 1.1, clipNorm: 0.5, sampleRate: 0.03 };
    const out = await train(SPECS.logistic, fit, dp, 3, small);
    expect(out.steps).toBe(2 * 33);
    expect(out.examples).toBe(small.rows);
    const plan = latticeNoisePlan(1.1, 0.5, DIM + 1);
    expect(out.dp).toEqual({
      sampling: 'poisson', sampleRate: 0.03, noiseMultiplier: 1.1, clipNorm: 0.5, steps: 66, expectedBatchSize: 9,
      noise: 'lattice', lattice: { grid: plan.grid, sensitivity: plan.sensitivity, noiseStd: plan.noiseStd },
    });
    const float = await train(SPECS.logistic, fit, { ...dp, secureNoise: false }, 3, small);
    expect(float.dp).toEqual({ sampling: 'poisson', sampleRate: 0.03, noiseMultiplier: 1.1, clipNorm: 0.5, steps: 66, expectedBatchSize: 9, noise: 'float' });
    expect((await train(SPECS.logistic, fit, { ...dp, noiseMultiplier: 0 }, 3, small)).dp?.noise).toBe('none');
    const tiny = syntheticRows(20, DIM, 6); // q·N = 0.2: most batches are empty
    const sparse = await train(SPECS.logistic, fit, { ...dp, sampleRate: 0.01 }, 3, tiny);
    expect(sparse.steps).toBe(200);
    expect(sparse.weights.every(Number.isFinite)).toBe(true);
    const none = await trainLocal({ spec: SPECS.logistic, inputDim: DIM, weights: new Float32Array(DIM + 1), x: new Float32Array(0), y: new Uint8Array(0), fit, dp });
    expect(none.dp?.steps).toBe(0);
    expect((await train(SPECS.logistic, fitConfig())).dp).toBeUndefined();
  });
});

describe('DP-SGD still learns', () => {
  it('logistic regression at z = 1 (q = 0.05, C = 1): loss falls below log 2 and AUC is high', async () => {
    const w0 = new Float32Array(DIM + 1);
    const fit = fitConfig({ train: { learningRate: 0.5, localEpochs: 3 } });
    const out = await train(SPECS.logistic, fit, { noiseMultiplier: 1, clipNorm: 1, sampleRate: 0.05 }, 4, data, w0);
    expect(out.steps).toBe(60);
    expect(meanBce(predictScores(SPECS.logistic, DIM, out.weights, data.x), data.y)).toBeLessThan(0.6 * Math.log(2)); // ≈ 0.43·log 2 observed
    expect(rankAuc(predictScores(SPECS.logistic, DIM, out.weights, data.x), data.y)).toBeGreaterThan(0.92); // ≈ 0.95 observed, as without DP
  });

  it('an MLP with dropout and adam at z = 1', async () => {
    const spec = SPECS.mlpDrop;
    const w0 = initialWeights(spec, DIM, seededRng(2));
    const before = meanBce(predictScores(spec, DIM, w0, data.x), data.y);
    const fit = fitConfig({ train: { optimizer: 'adam', learningRate: 0.02, localEpochs: 3 } });
    const out = await train(spec, fit, { noiseMultiplier: 1, clipNorm: 1, sampleRate: 0.05 }, 4, data, w0);
    expect(meanBce(predictScores(spec, DIM, out.weights, data.x), data.y)).toBeLessThan(0.75 * before); // ≈ 0.54·before observed
    expect(rankAuc(predictScores(spec, DIM, out.weights, data.x), data.y)).toBeGreaterThan(0.92); // ≈ 0.945 observed
  });
});

describe('DP-SGD randomness and hygiene', () => {
  const dp = { noiseMultiplier: 1, clipNorm: 1, sampleRate: 0.1 };
  const fit = fitConfig({ mu: 0.1, train: { optimizer: 'adam', learningRate: 0.01, l2: 1e-3 } });
  const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

  it('is bit-reproducible with the same seeded Rng, and differs by default (crypto randomness)', async () => {
    const a = await train(SPECS.mlpDrop, fit, dp, 9, small);
    const b = await train(SPECS.mlpDrop, fit, dp, 9, small);
    const c = await train(SPECS.mlpDrop, fit, dp, 10, small);
    expect(same(a.weights, b.weights)).toBe(true);
    expect(same(a.weights, c.weights)).toBe(false);
    const args = { spec: SPECS.mlpDrop, inputDim: DIM, weights: initialWeights(SPECS.mlpDrop, DIM, seededRng(2)), x: small.x, y: small.y, fit, dp };
    const [d, e] = [await trainLocal(args), await trainLocal(args)];
    expect(same(d.weights, e.weights)).toBe(false);
  });

  it('rejects invalid parameters, naming them', async () => {
    const bad = (over: Partial<DpSgdConfig>) => train(SPECS.logistic, fitConfig(), { ...dp, ...over }, 1, small);
    await expect(bad({ noiseMultiplier: -1 })).rejects.toMatchObject({ name: 'TrainerInputError', parameter: 'dp.noiseMultiplier' });
    await expect(bad({ clipNorm: 0 })).rejects.toMatchObject({ parameter: 'dp.clipNorm' });
    await expect(bad({ clipNorm: Infinity })).rejects.toMatchObject({ parameter: 'dp.clipNorm' });
    await expect(bad({ sampleRate: 0 })).rejects.toMatchObject({ parameter: 'dp.sampleRate' });
    await expect(bad({ sampleRate: 1.5 })).rejects.toMatchObject({ parameter: 'dp.sampleRate' });
    await expect(bad({ sampleRate: NaN })).rejects.toMatchObject({ parameter: 'dp.sampleRate' });
  });

  it('leaves no tensors behind', async () => {
    await train(SPECS.mlpDrop, fit, dp, 1, small);
    const before = tf.memory().numTensors;
    await train(SPECS.mlpDrop, fit, dp, 2, small);
    await train(SPECS.logistic, fitConfig({ train: { optimizer: 'momentum' } }), { ...dp, sampleRate: 0.01 }, 3, small);
    expect(tf.memory().numTensors).toBe(before);
  });
});
