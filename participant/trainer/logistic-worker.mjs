// The second thread of two-thread logistic regression (logistic-threads.ts): waits for each batch,
// adds the gradient of its half of the rows at the current weights into shared memory, and says
// so. Everything it reads and writes is in SharedArrayBuffers handed over at start; the control
// words are read and written with Atomics, which also orders the plain reads and writes around them.
import { workerData } from 'node:worker_threads';
import { addBatchGradient } from './logistic-kernel.mjs';

const { control, theta: thetaBuf, partial: partialBuf, order: orderBuf, x: xBuf, y: yBuf, d, positive, negative } = workerData;
const ctrl = new Int32Array(control);
const theta = new Float64Array(thetaBuf);
const partial = new Float64Array(partialBuf);
const order = new Uint32Array(orderBuf);
const x = new Float32Array(xBuf);
const y = new Uint8Array(yBuf);
// Control words (the same indices in logistic-threads.ts).
const SEQ = 0, DONE = 1, STOP = 2, FROM = 3, TO = 4, BATCH = 5, LOSS = 6;
const SPINS = 20_000;

let seen = 0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctrl, SEQ) === seen) {
    // Spin while the next batch is microseconds away; sleep when the main thread is elsewhere.
    if (++spins > SPINS) {
      Atomics.wait(ctrl, SEQ, seen, 20);
      spins = 0;
    }
  }
  if (Atomics.load(ctrl, STOP) === 1) break;
  seen = Atomics.load(ctrl, SEQ);
  partial.fill(0);
  partial[d + 1] = addBatchGradient(x, y, d, theta, order, ctrl[FROM], ctrl[TO], ctrl[BATCH], positive, negative, partial, ctrl[LOSS] === 1);
  Atomics.store(ctrl, DONE, seen);
  Atomics.notify(ctrl, DONE);
}
