/**
 * Tests of the tfjs model and its flat-weight bridge: the weight order and shapes equal
 * `modelLayout`, flat vectors round-trip exactly, mismatches are named, and the explicit forward
 * pass of the trainer computes what the layers model computes.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialWeights, modelLayout } from '../../core/model/layout.ts';
import { seededRng, standardNormal } from '../../core/random.ts';
import { layoutSize } from '../../core/types.ts';
import { initBackend } from './backend.ts';
import { SPECS, syntheticRows } from './fixtures.ts';
import { forward } from './forward.ts';
import { assertModelMatches, buildModel, getFlatWeights, setFlatWeights, TrainerInputError, unflatten } from './model.ts';

const DIM = 5;

function randomVector(n: number, seed: number): Float32Array {
  const rng = seededRng(seed);
  return Float32Array.from({ length: n }, () => standardNormal(rng));
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('buildModel', () => {
  for (const [label, spec] of Object.entries(SPECS)) {
    it(`${label}: weights follow modelLayout in names, order and shapes`, () => {
      const model = buildModel(spec, DIM, 3);
      try {
        const layout = modelLayout(spec, DIM);
        expect(model.weights.map((w) => w.originalName)).toEqual(layout.map((t) => t.name));
        expect(model.weights.map((w) => w.shape)).toEqual(layout.map((t) => t.shape));
        expect(model.outputs[0]!.shape).toEqual([null, 1]);
        const last = model.layers[model.layers.length - 1]!;
        expect((last.getConfig() as { activation: string }).activation).toBe('sigmoid');
      } finally {
        model.dispose();
      }
    });
  }

  it('adds a dropout layer after each hidden layer only when dropout > 0', () => {
    const names = (spec: (typeof SPECS)[keyof typeof SPECS]) => {
      const m = buildModel(spec, DIM, 0);
      const out = m.layers.map((l) => l.getClassName());
      m.dispose();
      return out;
    };
    expect(names(SPECS.logistic)).toEqual(['Dense']);
    expect(names(SPECS.mlp16)).toEqual(['Dense', 'Dense']);
    expect(names(SPECS.mlpDrop)).toEqual(['Dense', 'Dropout', 'Dense', 'Dropout', 'Dense']);
  });

  it('rejects a non-positive input dimension', () => {
    expect(() => buildModel(SPECS.logistic, 0, 1)).toThrow(TrainerInputError);
  });
});

describe('flat weights', () => {
  it('round-trip exactly and keep modelLayout order', () => {
    const spec = SPECS.mlpDrop;
    const n = layoutSize(modelLayout(spec, DIM));
    const flat = randomVector(n, 11);
    const model = buildModel(spec, DIM, 0);
    try {
      setFlatWeights(model, flat);
      expect(getFlatWeights(model)).toEqual(flat);
      // Each tensor of getWeights() is the matching slice of the flat vector.
      let off = 0;
      for (const w of model.getWeights()) {
        expect(Array.from(w.dataSync())).toEqual(Array.from(flat.subarray(off, off + w.size)));
        off += w.size;
      }
      expect(off).toBe(n);
    } finally {
      model.dispose();
    }
  });

  it('reads the layout initial weights back unchanged', () => {
    const spec = SPECS.mlp16;
    const w0 = initialWeights(spec, DIM, seededRng(5));
    const model = buildModel(spec, DIM, 9);
    setFlatWeights(model, w0);
    expect(getFlatWeights(model)).toEqual(w0);
    model.dispose();
  });

  it('names the mismatch when lengths or shapes differ', () => {
    const model = buildModel(SPECS.mlp16, DIM, 0);
    try {
      const n = layoutSize(modelLayout(SPECS.mlp16, DIM));
      expect(() => setFlatWeights(model, new Float32Array(n + 1))).toThrow(/length 114, the model layout needs 113/);
      expect(() => assertModelMatches(model, SPECS.mlp16, DIM + 1)).toThrow(/dense_0\/kernel.*\[5,16\].*\[6,16\]/);
      expect(() => assertModelMatches(model, { type: 'mlp', hidden: [16, 2], dropout: 0, activation: 'relu' }, DIM)).toThrow(
        /4 weight tensors, layout expects 6/,
      );
    } finally {
      model.dispose();
    }
  });

  it('does not leak tensors', () => {
    const model = buildModel(SPECS.logistic, DIM, 0);
    const flat = randomVector(DIM + 1, 2);
    setFlatWeights(model, flat);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      setFlatWeights(model, flat);
      getFlatWeights(model);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('explicit forward pass', () => {
  for (const [label, spec] of Object.entries(SPECS)) {
    it(`${label}: σ(forward) equals model.predict in inference mode`, () => {
      const data = syntheticRows(50, DIM, 4);
      const flat = initialWeights(spec, DIM, seededRng(8));
      flat.forEach((v, i) => (flat[i] = v + 0.05 * Math.sin(i))); // non-zero biases too
      const model = buildModel(spec, DIM, 0);
      setFlatWeights(model, flat);
      const params = unflatten(flat, modelLayout(spec, DIM));
      try {
        const [mine, theirs] = tf.tidy(() => {
          const x = tf.tensor2d(data.x, [data.rows, DIM]);
          const a = tf.sigmoid(forward(spec, params, x).logits).dataSync();
          const b = (model.predict(x) as tf.Tensor).dataSync();
          return [Array.from(a), Array.from(b)];
        });
        for (let i = 0; i < mine.length; i++) expect(mine[i]).toBeCloseTo(theirs[i]!, 6);
      } finally {
        tf.dispose(params);
        model.dispose();
      }
    });
  }
});
