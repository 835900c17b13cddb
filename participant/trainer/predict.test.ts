/**
 * Tests of inference: scores equal σ(βᵀx + b) computed by hand, chunking does not change a single
 * bit, odd sizes and empty input work, bad shapes are rejected, and no tensors are left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialWeights } from '../../core/model/layout.ts';
import { seededRng } from '../../core/random.ts';
import { initBackend } from './backend.ts';
import { SPECS, syntheticRows } from './fixtures.ts';
import { buildModel, setFlatWeights, TrainerInputError } from './model.ts';
import { clearModelCache, predictScores, predictWithModel } from './predict.ts';

const DIM = 7;
const data = syntheticRows(1001, DIM, 13);

beforeAll(async () => {
  await initBackend('cpu');
});

describe('predictScores', () => {
  it('computes σ(x·β + b) for logistic regression', () => {
    const w = Float32Array.from({ length: DIM + 1 }, (_, i) => (i % 2 ? 0.3 : -0.2) * (i + 1));
    const scores = predictScores(SPECS.logistic, DIM, w, data.x);
    expect(scores).toHaveLength(data.rows);
    for (let r = 0; r < data.rows; r += 97) {
      let z = w[DIM]!;
      for (let j = 0; j < DIM; j++) z += data.x[r * DIM + j]! * w[j]!;
      expect(scores[r]).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
    }
  });

  it('gives the same bits whatever the chunk size (dropout is off at inference)', () => {
    const spec = SPECS.mlpDrop;
    const w = initialWeights(spec, DIM, seededRng(1));
    const whole = predictScores(spec, DIM, w, data.x);
    for (const chunk of [1, 7, 256, 1000, 1001, 5000]) {
      expect(predictScores(spec, DIM, w, data.x, chunk)).toEqual(whole);
    }
    expect(new Set(whole).size).toBeGreaterThan(900);
  });

  it('uses the weights of each call, not those cached from an earlier one', () => {
    const spec = SPECS.mlp16;
    const a = initialWeights(spec, DIM, seededRng(1));
    const b = initialWeights(spec, DIM, seededRng(2));
    const sa = predictScores(spec, DIM, a, data.x);
    const sb = predictScores(spec, DIM, b, data.x);
    expect(sb).not.toEqual(sa);
    expect(predictScores(spec, DIM, a, data.x)).toEqual(sa);
  });

  it('handles empty input and rejects malformed input', () => {
    const w = new Float32Array(DIM + 1);
    expect(predictScores(SPECS.logistic, DIM, w, new Float32Array(0))).toEqual(new Float32Array(0));
    expect(() => predictScores(SPECS.logistic, DIM, w, data.x.subarray(1))).toThrow(TrainerInputError);
    expect(() => predictScores(SPECS.logistic, DIM, new Float32Array(DIM), data.x)).toThrow(/length 7, the model layout needs 8/);
    expect(() => predictScores(SPECS.logistic, DIM, w, data.x, 0)).toThrow(/chunkRows/);
  });

  it('leaves no tensors behind, and the cache can be cleared', () => {
    const w = initialWeights(SPECS.mlpElu, DIM, seededRng(3));
    predictScores(SPECS.mlpElu, DIM, w, data.x, 100);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) predictScores(SPECS.mlpElu, DIM, w, data.x, 100);
    expect(tf.memory().numTensors).toBe(before);
    clearModelCache();
    expect(tf.memory().numTensors).toBeLessThan(before);
    expect(predictScores(SPECS.mlpElu, DIM, w, data.x, 100)).toHaveLength(data.rows);
  });
});

describe('predictWithModel', () => {
  it('scores with a given model like predictScores does', () => {
    const spec = SPECS.mlp16;
    const w = initialWeights(spec, DIM, seededRng(4));
    const model = buildModel(spec, DIM, 0);
    setFlatWeights(model, w);
    expect(predictWithModel(model, data.x, 333)).toEqual(predictScores(spec, DIM, w, data.x));
    expect(() => predictWithModel(model, new Float32Array(DIM + 1))).toThrow(/input width 7/);
    model.dispose();
  });
});
