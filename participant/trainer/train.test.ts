/**
 * Tests of local training: it learns (loss falls, AUC is high) for logistic regression and MLPs
 * with every optimizer, reports the documented loss, is bit-reproducible on the cpu backend,
 * honours FedProx, class weights and L2, validates its input and frees its tensors; logistic
 * regression on the host takes the same steps as through tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FitConfig, ModelSpec } from '../../core/job.ts';
import { initialWeights, modelLayout } from '../../core/model/layout.ts';
import { seededRng } from '../../core/random.ts';
import { layoutSize } from '../../core/types.ts';
import { initBackend } from './backend.ts';
import { distance, fitConfig, meanBce, rankAuc, SPECS, syntheticRows, xorRows } from './fixtures.ts';
import { TrainerInputError } from './model.ts';
import { predictScores } from './predict.ts';
import { LOSS_PARTS_FOLD, trainLocal } from './train.ts';

const DIM = 10;
const data = syntheticRows(2000, DIM, 21, 4);

beforeAll(async () => {
  const info = await initBackend('cpu');
  expect(info.name).toBe(process.env.FEDCREDIT_BACKEND ?? 'cpu');
});

async function train(spec: ModelSpec, fit: FitConfig, weights = initialWeights(spec, DIM, seededRng(2)), d = data) {
  return trainLocal({ spec, inputDim: d.features, weights, x: d.x, y: d.y, fit });
}

function auc(spec: ModelSpec, weights: Float32Array, d = data): number {
  return rankAuc(predictScores(spec, d.features, weights, d.x), d.y);
}

describe('trainLocal learns', () => {
  for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
    it(`logistic regression with ${optimizer}: loss falls and AUC is high`, async () => {
      const lr = optimizer === 'adam' ? 0.02 : optimizer === 'momentum' ? 0.01 : 0.1;
      const w0 = new Float32Array(DIM + 1);
      expect(auc(SPECS.logistic, w0)).toBe(0.5);
      const fit = fitConfig({ train: { optimizer, learningRate: lr, localEpochs: 3 } });
      const first = await train(SPECS.logistic, fit, w0);
      const second = await train(SPECS.logistic, fit, first.weights);
      expect(first.lossSum / first.examples).toBeLessThan(Math.log(2));
      expect(second.lossSum / second.examples).toBeLessThan(first.lossSum / first.examples);
      expect(auc(SPECS.logistic, second.weights)).toBeGreaterThan(0.9);
    });
  }

  it('an MLP learns a non-linear boundary a linear model cannot', async () => {
    const xor = xorRows(2000, 4, 5);
    const spec: ModelSpec = { type: 'mlp', hidden: [16], dropout: 0, activation: 'relu' };
    const fit = fitConfig({ train: { optimizer: 'adam', learningRate: 0.02, localEpochs: 15 } });
    const mlp = await train(spec, fit, initialWeights(spec, 4, seededRng(3)), xor);
    const lr = await train(SPECS.logistic, fit, new Float32Array(5), xor);
    expect(auc(spec, mlp.weights, xor)).toBeGreaterThan(0.9);
    expect(auc(SPECS.logistic, lr.weights, xor)).toBeLessThan(0.65);
  });

  for (const label of ['mlp16', 'mlpDrop', 'mlpElu'] as const) {
    it(`${label} trains on the linear data`, async () => {
      const spec = SPECS[label];
      const fit = fitConfig({ train: { optimizer: 'adam', learningRate: 0.01, localEpochs: 4 } });
      const before = meanBce(predictScores(spec, DIM, initialWeights(spec, DIM, seededRng(2)), data.x), data.y);
      const out = await train(spec, fit);
      expect(meanBce(predictScores(spec, DIM, out.weights, data.x), data.y)).toBeLessThan(before);
      expect(auc(spec, out.weights)).toBeGreaterThan(0.9);
    });
  }
});

describe('trainLocal reports', () => {
  it('counts examples and steps (the last batch may be partial)', async () => {
    const out = await train(SPECS.logistic, fitConfig({ train: { batchSize: 300, localEpochs: 2 } }));
    expect(out.examples).toBe(2000);
    expect(out.steps).toBe(2 * Math.ceil(2000 / 300));
    expect(out.weights.length).toBe(layoutSize(modelLayout(SPECS.logistic, DIM)));
  });

  it('lossSum is the unweighted BCE summed over the last epoch, before each batch update', async () => {
    const w0 = initialWeights(SPECS.mlp16, DIM, seededRng(6));
    const expected = meanBce(predictScores(SPECS.mlp16, DIM, w0, data.x), data.y) * data.rows;
    // A vanishing learning rate keeps the weights at w0 throughout the epoch.
    for (const classWeights of [{ positive: 1, negative: 1 }, { positive: 7, negative: 0.5 }]) {
      const out = await train(SPECS.mlp16, fitConfig({ classWeights, train: { learningRate: 1e-12 } }), w0);
      expect(out.lossSum).toBeCloseTo(expected, 1);
    }
  });

  it('lossSum counts every batch of an epoch with more batches than are summed at once', async () => {
    const w0 = initialWeights(SPECS.logistic, DIM, seededRng(8));
    const expected = meanBce(predictScores(SPECS.logistic, DIM, w0, data.x), data.y) * data.rows;
    // 2000 batches of one row: several folds of LOSS_PARTS_FOLD partial sums and a remainder.
    const out = await train(SPECS.logistic, fitConfig({ train: { batchSize: 1, learningRate: 1e-12 } }), w0);
    expect(out.steps).toBeGreaterThan(4 * LOSS_PARTS_FOLD);
    expect(out.lossSum).toBeCloseTo(expected, 1);
  });

  it('returns the input weights unchanged when there are no rows', async () => {
    const w0 = initialWeights(SPECS.mlp16, DIM, seededRng(6));
    const out = await trainLocal({ spec: SPECS.mlp16, inputDim: DIM, weights: w0, x: new Float32Array(0), y: new Uint8Array(0), fit: fitConfig() });
    expect(out).toEqual({ weights: w0, lossSum: 0, examples: 0, steps: 0 });
    expect(out.weights).not.toBe(w0);
  });
});

describe('trainLocal is reproducible', () => {
  it('gives bit-identical weights for identical inputs (dropout, adam, l2, FedProx)', async () => {
    const spec = SPECS.mlpDrop;
    const fit = fitConfig({ mu: 0.1, seed: 77, train: { optimizer: 'adam', learningRate: 0.01, l2: 1e-3, localEpochs: 2, batchSize: 50 } });
    const a = await train(spec, fit);
    const b = await train(spec, fit);
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true);
    expect(a.lossSum).toBe(b.lossSum);
    const c = await train(spec, { ...fit, seed: 78 });
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(c.weights.buffer))).toBe(false);
  });
});

describe('logistic regression on the host', () => {
  // The host loop (logistic-host.ts) in float64 against the tfjs loop in float32: same batches,
  // same objective and optimizer rules, so the weights agree to float32 rounding over hundreds of steps.
  for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
    it(`takes the tfjs loop's steps with ${optimizer}, class weights, L2 and FedProx`, async () => {
      const lr = optimizer === 'adam' ? 0.02 : optimizer === 'momentum' ? 0.01 : 0.1;
      const fit = fitConfig({ mu: 0.05, seed: 9, classWeights: { positive: 3, negative: 1 }, train: { optimizer, learningRate: lr, l2: 1e-3, localEpochs: 2, batchSize: 37 } });
      const w0 = initialWeights(SPECS.logistic, DIM, seededRng(5));
      const args = { spec: SPECS.logistic, inputDim: DIM, weights: w0, x: data.x, y: data.y, fit };
      const host = await trainLocal(args);
      const viaTfjs = await trainLocal({ ...args, engine: 'tfjs' });
      expect(host.steps).toBe(viaTfjs.steps);
      expect(host.examples).toBe(viaTfjs.examples);
      expect(distance(host.weights, viaTfjs.weights)).toBeLessThan(1e-4 * Math.max(1, Math.hypot(...viaTfjs.weights)));
      expect(Math.abs(host.lossSum - viaTfjs.lossSum)).toBeLessThan(1e-4 * viaTfjs.lossSum);
      expect(distance(host.weights, w0)).toBeGreaterThan(0.1); // it did train
    });
  }

  it('honours the abort signal and reports divergence like the tfjs loop', async () => {
    const args = { spec: SPECS.logistic, inputDim: DIM, weights: new Float32Array(DIM + 1), x: data.x, y: data.y, fit: fitConfig() };
    await expect(trainLocal({ ...args, signal: AbortSignal.abort(new Error('stop')) })).rejects.toThrow('stop');
    const blowUp = fitConfig({ train: { learningRate: 1e300, localEpochs: 3 } });
    await expect(trainLocal({ ...args, fit: blowUp })).rejects.toThrow(/local training diverged/);
  });
});

describe('trainLocal objective', () => {
  it('FedProx with a very large μ keeps the weights near the start; μ = 0 moves them', async () => {
    const w0 = initialWeights(SPECS.mlp16, DIM, seededRng(2));
    const base = { train: { learningRate: 0.05, localEpochs: 2 } };
    const free = await train(SPECS.mlp16, fitConfig(base), w0);
    // lr·μ = 1.5 < 2 keeps plain SGD on the proximal term stable.
    const prox = await train(SPECS.mlp16, fitConfig({ ...base, mu: 30 }), w0);
    const moved = distance(free.weights, w0);
    expect(moved).toBeGreaterThan(0.5);
    expect(distance(prox.weights, w0)).toBeLessThan(0.05 * moved);
  });

  it('raising the positive class weight raises the mean score', async () => {
    const mean = (w: Float32Array) => predictScores(SPECS.logistic, DIM, w, data.x).reduce((s, v) => s + v, 0) / data.rows;
    const fitWith = (positive: number) => fitConfig({ classWeights: { positive, negative: 1 }, train: { localEpochs: 3 } });
    const plain = await train(SPECS.logistic, fitWith(1));
    const heavy = await train(SPECS.logistic, fitWith(5));
    expect(mean(heavy.weights)).toBeGreaterThan(mean(plain.weights) + 0.1);
  });

  it('L2 shrinks the kernel', async () => {
    const kernelNorm = (w: Float32Array) => Math.hypot(...w.subarray(0, DIM));
    const plain = await train(SPECS.logistic, fitConfig({ train: { localEpochs: 3 } }));
    const shrunk = await train(SPECS.logistic, fitConfig({ train: { localEpochs: 3, l2: 0.05 } }));
    expect(kernelNorm(shrunk.weights)).toBeLessThan(0.8 * kernelNorm(plain.weights));
  });
});

describe('trainLocal hygiene', () => {
  it('rejects inputs that do not fit the layout, naming the parameter', async () => {
    const bad = (over: Partial<Parameters<typeof trainLocal>[0]>) =>
      trainLocal({ spec: SPECS.logistic, inputDim: DIM, weights: new Float32Array(DIM + 1), x: data.x, y: data.y, fit: fitConfig(), ...over });
    await expect(bad({ weights: new Float32Array(DIM) })).rejects.toMatchObject({ name: 'TrainerInputError', parameter: 'weights' });
    await expect(bad({ x: data.x.subarray(1) })).rejects.toMatchObject({ parameter: 'x' });
    await expect(bad({ y: new Uint8Array(2000).fill(2) })).rejects.toMatchObject({ parameter: 'y' });
    await expect(bad({ fit: fitConfig({ classWeights: { positive: 0, negative: 1 } }) })).rejects.toBeInstanceOf(TrainerInputError);
  });

  it('stops when its signal aborts, with the signal\'s reason and no leaked tensors', async () => {
    const before = tf.memory().numTensors;
    const pre = new AbortController();
    pre.abort(new Error('stop now'));
    const args = { spec: SPECS.mlp16, inputDim: DIM, weights: initialWeights(SPECS.mlp16, DIM, seededRng(2)), x: data.x, y: data.y };
    await expect(trainLocal({ ...args, fit: fitConfig(), signal: pre.signal })).rejects.toThrow('stop now');
    const mid = new AbortController();
    setImmediate(() => mid.abort(new Error('deadline')));
    await expect(trainLocal({ ...args, fit: fitConfig({ train: { localEpochs: 50 } }), signal: mid.signal })).rejects.toThrow('deadline');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to return diverged (non-finite) weights', async () => {
    // Plain SGD on the proximal term multiplies the distance by |1 − lr·μ| = 99 every step.
    const fit = fitConfig({ mu: 100, train: { learningRate: 1 } });
    await expect(train(SPECS.logistic, fit)).rejects.toMatchObject({ parameter: 'fit.train.learningRate', message: expect.stringMatching(/diverged/) });
  });

  it('leaves no tensors behind', async () => {
    const fit = fitConfig({ mu: 0.5, train: { optimizer: 'momentum', learningRate: 0.01, l2: 0.01 } });
    await train(SPECS.mlpDrop, fit);
    const before = tf.memory().numTensors;
    await train(SPECS.mlpDrop, fit);
    await train(SPECS.logistic, { ...fit, train: { ...fit.train, optimizer: 'adam' } });
    expect(tf.memory().numTensors).toBe(before);
  });
});
