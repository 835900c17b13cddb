import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobSpecSchema } from '../../core/job.ts';
import type { ModelSpec } from '../../core/job.ts';
import { initialWeights, modelLayout } from '../../core/model/layout.ts';
import { registerModelArchitecture } from '../../core/model/registry.ts';
import { seededRng } from '../../core/random.ts';
import { initBackend } from './backend.ts';
import { registerModel } from './custom-model.ts';
import type { TrainableModel } from './custom-model.ts';
import { fitConfig, rankAuc, syntheticRows, xorRows } from './fixtures.ts';
import { predictScores, predictWithModel } from './predict.ts';
import { loadModelDir, saveWeightsAsModel } from './save.ts';
import { trainLocal } from './train.ts';

/** Logistic regression written as a custom model: the same operations as the built-in one. */
const customLogistic: TrainableModel<Record<string, never>> = {
  name: 'test-custom-logistic',
  params: z.object({}).strict(),
  layout: (_p, d) => [
    { name: 'dense_0/kernel', shape: [d, 1] },
    { name: 'dense_0/bias', shape: [1] },
  ],
  forward: (_p, [kernel, bias], x) => tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias as tf.Tensor) as tf.Tensor2D,
  layersModel: (_p, d) => tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [d], activation: 'sigmoid' })] }),
};

/** A factorization machine with k factors: pairwise interactions a linear model cannot express. */
const fm: TrainableModel<{ factors: number }> = {
  name: 'test-fm',
  params: z.object({ factors: z.number().int().min(1).default(2) }).strict(),
  layout: (p, d) => [
    { name: 'bias', shape: [1] },
    { name: 'linear', shape: [d, 1] },
    { name: 'factors', shape: [d, p.factors] },
  ],
  forward: (_p, [b, w, v], x) => {
    const xv = tf.matMul(x, v as tf.Tensor2D);
    const x2v2 = tf.matMul(tf.square(x), tf.square(v as tf.Tensor2D));
    return tf.add(tf.add(tf.matMul(x, w as tf.Tensor2D), b as tf.Tensor), tf.mul(0.5, tf.sum(tf.sub(tf.square(xv), x2v2), 1, true))) as tf.Tensor2D;
  },
};

const LOGISTIC: ModelSpec = { type: 'logistic' };
const CUSTOM_LOGISTIC: ModelSpec = { type: 'custom', name: 'test-custom-logistic', params: {} };
const FM: ModelSpec = { type: 'custom', name: 'test-fm', params: { factors: 2 } };

describe('custom models in the trainer', () => {
  beforeAll(async () => {
    await initBackend();
    registerModel(customLogistic);
    registerModel(fm);
  });

  it('trains a custom model exactly like the built-in model with the same operations', async () => {
    const t = syntheticRows(600, 5, 3);
    const fit = fitConfig({ train: { localEpochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.05, l2: 0.01 }, mu: 0.1 });
    const w0 = initialWeights(LOGISTIC, 5, seededRng(9));
    // The built-in model through tfjs (engine "tfjs"): the same operations as the custom one.
    const built = await trainLocal({ spec: LOGISTIC, inputDim: 5, weights: w0, x: t.x, y: t.y, fit, engine: 'tfjs' });
    const custom = await trainLocal({ spec: CUSTOM_LOGISTIC, inputDim: 5, weights: w0, x: t.x, y: t.y, fit });
    expect(Array.from(custom.weights)).toEqual(Array.from(built.weights));
    expect(custom.lossSum).toBe(built.lossSum);
    expect(Array.from(predictScores(CUSTOM_LOGISTIC, 5, custom.weights, t.x))).toEqual(Array.from(predictScores(LOGISTIC, 5, built.weights, t.x)));
  });

  it('learns an interaction that logistic regression cannot', async () => {
    const train = xorRows(2000, 4, 5);
    const test = xorRows(1000, 4, 6);
    const fit = fitConfig({ train: { localEpochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 0.05 } });
    const auc = async (spec: ModelSpec) => {
      const out = await trainLocal({ spec, inputDim: 4, weights: initialWeights(spec, 4, seededRng(1)), x: train.x, y: train.y, fit });
      return rankAuc(predictScores(spec, 4, out.weights, test.x), test.y);
    };
    const [lr, fmAuc] = [await auc(LOGISTIC), await auc(FM)];
    expect(lr).toBeLessThan(0.6);
    expect(fmAuc).toBeGreaterThan(0.85);
  });

  it('saves a custom model through its layersModel, and the saved model scores the same', async () => {
    const t = syntheticRows(200, 3, 4);
    const w = initialWeights(CUSTOM_LOGISTIC, 3, seededRng(2));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-custom-save-'));
    try {
      await saveWeightsAsModel(CUSTOM_LOGISTIC, 3, w, dir);
      const loaded = await loadModelDir(dir);
      const a = predictWithModel(loaded, t.x);
      const b = predictScores(CUSTOM_LOGISTIC, 3, w, t.x);
      loaded.dispose();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] ?? Number.NaN, 6);
      await expect(saveWeightsAsModel(FM, 3, initialWeights(FM, 3, seededRng(1)), dir)).rejects.toThrow(/"test-fm" has no layersModel/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what it cannot do, naming the model', async () => {
    const t = syntheticRows(50, 3, 1);
    const fit = fitConfig();
    const w = initialWeights(FM, 3, seededRng(1));
    // Record-level DP-SGD needs per-example gradient norms of dense layers.
    const dp = { clipNorm: 1, noiseMultiplier: 1, sampleRate: 0.1 };
    await expect(trainLocal({ spec: FM, inputDim: 3, weights: w, x: t.x, y: t.y, fit, dp })).rejects.toThrow(/record-level DP-SGD .* "test-fm" is custom/);
    // An architecture registered without its forward pass (a coordinator-only registration).
    registerModelArchitecture({ name: 'test-arch-only', params: z.object({}), layout: (_p, d) => [{ name: 'w', shape: [d, 1] }] });
    const archOnly: ModelSpec = { type: 'custom', name: 'test-arch-only', params: {} };
    await expect(trainLocal({ spec: archOnly, inputDim: 3, weights: new Float32Array(3), x: t.x, y: t.y, fit })).rejects.toThrow(/registered as an architecture only/);
    // A forward pass that does not return one logit per row.
    registerModel({ ...fm, name: 'test-bad-shape', forward: (_p, _w, x) => tf.zeros([x.shape[0], 2]) as tf.Tensor2D });
    const bad: ModelSpec = { type: 'custom', name: 'test-bad-shape', params: {} };
    await expect(trainLocal({ spec: bad, inputDim: 3, weights: initialWeights(bad, 3, seededRng(1)), x: t.x, y: t.y, fit })).rejects.toThrow(/forward returned shape \[50,2\], expected \[50, 1\]/);
    // A job naming a model with bad parameters, or under record-level DP, is rejected where it is validated.
    const job = JobSpecSchema.safeParse({ model: { type: 'custom', name: 'test-fm', params: { factors: 0 } }, privacy: { mode: 'record', epsilon: 3 } });
    expect(job.success).toBe(false);
    const issues = job.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues.some((s) => s.startsWith('model.params.factors:'))).toBe(true);
    expect(issues.some((s) => s.startsWith('privacy.mode: record-level DP-SGD'))).toBe(true);
    expect(modelLayout(FM, 3).map((l) => l.shape)).toEqual([[1], [3, 1], [3, 2]]);
  });
});
