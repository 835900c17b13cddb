import * as tf from '@tensorflow/tfjs';
import { activateBackend } from './backend';
import { syntheticRows } from './bench-trainer';
import { trainLocal } from './train';
const backend = process.argv[2] as 'cpu' | 'wasm';
await activateBackend(backend);
if (process.argv[3] === 'prod') tf.enableProdMode();
const d = syntheticRows(5000, 30, 7);
const fit = { train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd' as const, learningRate: 0.05, classWeights: 'none' as const, l2: 0 }, mu: 0, classWeights: { positive: 1, negative: 1 }, seed: 3 };
const spec = { type: 'logistic' as const };
for (let r = 0; r < 8; r++) {
  const t0 = performance.now();
  await trainLocal({ spec, inputDim: 30, weights: new Float32Array(31), x: d.x, y: d.y, fit });
  console.log(backend, r, (performance.now() - t0).toFixed(1));
}
// raw op cost
const a = tf.ones([64, 30]); const w = tf.ones([30, 1]);
let t0 = performance.now();
for (let i = 0; i < 2000; i++) tf.tidy(() => tf.matMul(a, w));
console.log('matMul µs', ((performance.now() - t0) / 2000 * 1000).toFixed(1));
t0 = performance.now();
for (let i = 0; i < 2000; i++) tf.tidy(() => tf.add(w, w));
console.log('add µs', ((performance.now() - t0) / 2000 * 1000).toFixed(1));
