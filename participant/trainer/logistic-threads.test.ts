/**
 * Two-thread logistic regression takes the one-thread loop's steps: the same weights (up to the
 * order of float64 additions) and loss for every optimizer, penalty, class weighting, batch size
 * and epoch count; it stops on abort without leaving its worker behind.
 */
import { describe, expect, it } from 'vitest';
import { initialWeights } from '../../core/model/layout.ts';
import { seededRng, shuffleInPlace } from '../../core/random.ts';
import { fitConfig, SPECS, syntheticRows } from './fixtures.ts';
import { sharedOrder, trainLogisticOnTwoThreads } from './logistic-threads.ts';
import { trainLocal } from './train.ts';

const DIM = 12;
const data = syntheticRows(3000, DIM, 7, 4);
const weights = initialWeights(SPECS.logistic, DIM, seededRng(5));

async function both(fit: ReturnType<typeof fitConfig>) {
  const one = await trainLocal({ spec: SPECS.logistic, inputDim: DIM, weights, x: data.x, y: data.y, fit, threads: 1 });
  const two = await trainLocal({ spec: SPECS.logistic, inputDim: DIM, weights, x: data.x, y: data.y, fit, threads: 2 });
  return { one, two };
}

describe('logistic regression on two threads', () => {
  const cases = [
    ['sgd, batch 64', fitConfig()],
    ['momentum, batch 37 (a short last batch), 3 epochs', fitConfig({ train: { optimizer: 'momentum', batchSize: 37, localEpochs: 3 } })],
    ['adam with L2 and FedProx', fitConfig({ train: { optimizer: 'adam', learningRate: 0.05, l2: 0.01 }, mu: 0.1 })],
    ['class weights, batch 1', fitConfig({ train: { batchSize: 1 }, classWeights: { positive: 3, negative: 0.5 } })],
  ] as const;
  for (const [name, fit] of cases) {
    it(`takes the one-thread loop's steps: ${name}`, async () => {
      const { one, two } = await both(fit);
      expect(two.steps).toBe(one.steps);
      expect(two.examples).toBe(one.examples);
      expect(two.lossSum).toBeCloseTo(one.lossSum, 6);
      two.weights.forEach((w, j) => expect(Math.abs(w - one.weights[j]!), `weight ${j}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(one.weights[j]!))));
      // And it learned something: the weights moved.
      expect(two.weights.some((w, j) => Math.abs(w - weights[j]!) > 1e-3)).toBe(true);
    });
  }

  it('gives the same weights when it takes some batches alone (3 batches one way, 2 the other, by turns)', async () => {
    const fit = fitConfig({ train: { optimizer: 'adam', learningRate: 0.05, localEpochs: 2 } });
    const one = await trainLocal({ spec: SPECS.logistic, inputDim: DIM, weights, x: data.x, y: data.y, fit, threads: 1 });
    const order = sharedOrder(data.y.length);
    const rng = seededRng(fit.seed);
    const two = await trainLogisticOnTwoThreads(
      { inputDim: DIM, weights, x: data.x, y: data.y, fit },
      order,
      function* () {
        shuffleInPlace(order, rng);
        for (let start = 0; start < order.length; start += 64) yield order.subarray(start, Math.min(order.length, start + 64));
      },
      () => undefined,
      { use: 3, probe: 2 },
    );
    expect(two.steps).toBe(one.steps);
    two.weights.forEach((w, j) => expect(Math.abs(w - one.weights[j]!), `weight ${j}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(one.weights[j]!))));
  });

  it('stops between batches when aborted, and its worker with it', async () => {
    const controller = new AbortController();
    let batches = 0;
    const order = sharedOrder(data.y.length);
    const run = trainLogisticOnTwoThreads(
      { inputDim: DIM, weights, x: data.x, y: data.y, fit: fitConfig({ train: { localEpochs: 50 } }), signal: controller.signal },
      order,
      function* () {
        for (let start = 0; start < order.length; start += 64) {
          if (++batches === 10) controller.abort(new Error('deadline passed'));
          yield order.subarray(start, start + 64);
        }
      },
      () => undefined,
    );
    await expect(run).rejects.toThrow(/deadline passed/);
    expect(batches).toBe(10);
  });

  it('refuses a row order outside shared memory, and batches that are not slices of it', async () => {
    const args = { inputDim: DIM, weights, x: data.x, y: data.y, fit: fitConfig() };
    await expect(trainLogisticOnTwoThreads(args, new Uint32Array(3000), () => [], () => undefined)).rejects.toThrow(/shared memory/);
    await expect(trainLogisticOnTwoThreads(args, sharedOrder(3000), () => [Uint32Array.of(1, 2)], () => undefined)).rejects.toThrow(/slices of the shared row order/);
  });
});
