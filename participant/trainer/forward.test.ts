/**
 * Tests of the trainer's explicit forward pass and loss: the stable BCE, the dropout masks, the
 * objective's terms, and the hook DP-SGD will use — per-example gradient norms of dense layers
 * from layer inputs and probe gradients (‖a_i‖²·‖δ_i‖² + ‖δ_i‖²) agree with per-example backprop.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialWeights, modelLayout } from '../../core/model/layout.ts';
import { seededRng } from '../../core/random.ts';
import { initBackend } from './backend.ts';
import { SPECS, syntheticRows } from './fixtures.ts';
import type { Batch } from './forward.ts';
import { computeGradients, dropoutMask, exampleBce, forward, lossTerms } from './forward.ts';
import { unflatten } from './model.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

function batchOf(x: Float32Array, y: Uint8Array, rows: number, dim: number, w = 1): Batch {
  return {
    x: tf.tensor2d(x.subarray(0, rows * dim), [rows, dim]),
    y: tf.tensor2d(Float32Array.from(y.subarray(0, rows)), [rows, 1]),
    w: tf.fill([rows, 1], w) as tf.Tensor2D,
    masks: [],
  };
}

describe('exampleBce', () => {
  it('matches −y·log σ(z) − (1−y)·log(1−σ(z)) and stays finite for extreme logits', () => {
    const z = [-40, -3, -0.5, 0, 0.5, 3, 40];
    const got = tf.tidy(() => {
      const logits = tf.tensor2d(z.concat(z), [14, 1]);
      const y = tf.tensor2d([...z.map(() => 1), ...z.map(() => 0)], [14, 1]);
      return Array.from(exampleBce(logits, y).dataSync());
    });
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const want = [...z.map((v) => softplus(-v)), ...z.map((v) => softplus(v))];
    got.forEach((g, i) => {
      expect(Number.isFinite(g)).toBe(true);
      expect(g).toBeCloseTo(want[i]!, 5);
    });
  });
});

describe('dropoutMask', () => {
  it('keeps about 1 − rate of the entries, scaled by 1/(1 − rate), reproducibly', () => {
    const m = dropoutMask(seededRng(3), 100, 50, 0.3);
    const kept = m.filter((v) => v !== 0);
    expect(kept.length / m.length).toBeGreaterThan(0.67);
    expect(kept.length / m.length).toBeLessThan(0.73);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.7)]));
    expect(dropoutMask(seededRng(3), 100, 50, 0.3)).toEqual(m);
    expect(dropoutMask(seededRng(4), 100, 50, 0.3)).not.toEqual(m);
  });
});

describe('lossTerms', () => {
  it('adds l2·Σ‖kernel‖² and (μ/2)·‖θ − anchor‖² to the weighted mean BCE', () => {
    const spec = SPECS.mlp16;
    const layout = modelLayout(spec, 4);
    const data = syntheticRows(10, 4, 1);
    const flat = initialWeights(spec, 4, seededRng(2));
    const shifted = flat.map((v) => v + 0.1);
    const [plain, weighted, withL2, withProx, kernelSq, bceSum] = tf.tidy<[number, number, number, number, number, number]>(() => {
      const params = unflatten(flat, layout);
      const anchor = unflatten(shifted, layout);
      const b1 = batchOf(data.x, data.y, 10, 4);
      const b3 = batchOf(data.x, data.y, 10, 4, 3);
      const value = (b: Batch, l2: number, mu: number) => lossTerms(spec, params, b, { l2, mu, anchor }).total.dataSync()[0]!;
      const ksq = tf.addN([tf.sum(tf.square(params[0]!)), tf.sum(tf.square(params[2]!))]).dataSync()[0]!;
      const s = lossTerms(spec, params, b3, { l2: 0, mu: 0 }).bceSum.dataSync()[0]!;
      return [value(b1, 0, 0), value(b3, 0, 0), value(b1, 0.5, 0), value(b1, 0, 2), ksq, s];
    });
    expect(weighted).toBeCloseTo(3 * plain, 5);
    expect(bceSum).toBeCloseTo(10 * plain, 4); // unweighted, summed
    expect(withL2 - plain).toBeCloseTo(0.5 * kernelSq, 4);
    expect(withProx - plain).toBeCloseTo((2 / 2) * flat.length * 0.01, 4);
  });
});

describe('per-example gradient norms (DP-SGD hook)', () => {
  for (const label of ['logistic', 'mlp16'] as const) {
    it(`${label}: ‖a_i‖²·‖δ_i‖² + ‖δ_i‖² equals the norm of example i's own gradient`, () => {
      const spec = SPECS[label];
      const dim = 6;
      const rows = 5;
      const layout = modelLayout(spec, dim);
      const data = syntheticRows(rows, dim, 9);
      const flat = initialWeights(spec, dim, seededRng(4)).map((v, i) => v + 0.02 * Math.cos(i));
      const vars = unflatten(flat, layout).map((t) => tf.variable(t));
      try {
        const viaProbes = tf.tidy(() => {
          const b = batchOf(data.x, data.y, rows, dim);
          const probes = layout.filter((_, i) => i % 2 === 1).map((t) => tf.zeros([rows, t.shape[0]!]) as tf.Tensor2D);
          let inputs: tf.Tensor2D[] = [];
          const sumLoss = (...ps: tf.Tensor[]) => {
            const trace = forward(spec, vars, b.x, [], ps as tf.Tensor2D[]);
            // Intermediates die when the gradient function returns; keep the hidden inputs.
            inputs = trace.inputs.map((a, l) => (l === 0 ? a : tf.keep(a)));
            return tf.sum(exampleBce(trace.logits, b.y));
          };
          const deltas = tf.grads(sumLoss)(probes);
          const perLayer = deltas.map((d, l) => {
            const dSq = tf.sum(tf.square(d), 1);
            return tf.add(tf.mul(tf.sum(tf.square(inputs[l]!), 1), dSq), dSq);
          });
          const out = Array.from(tf.addN(perLayer).dataSync());
          tf.dispose(inputs.slice(1));
          return out;
        });
        for (let i = 0; i < rows; i++) {
          const direct = tf.tidy(() => {
            const b = batchOf(data.x.subarray(i * dim), data.y.subarray(i), 1, dim);
            const { grads, bceSum } = computeGradients(spec, vars, b, { l2: 0, mu: 0 });
            bceSum.dispose();
            return tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]!;
          });
          expect(viaProbes[i]).toBeCloseTo(direct, 5);
        }
      } finally {
        tf.dispose(vars);
      }
    });
  }
});
