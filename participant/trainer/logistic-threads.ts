/**
 * Logistic regression on two threads, for a member with many rows training alone: every batch is
 * cut in two halves whose gradients this thread and a worker thread (logistic-worker.mjs) add up at
 * the same weights, at the same time; this thread then sums the halves and takes the optimizer
 * step. The steps, batches and optimizer are those of the one-thread loop (logistic-host.ts), so
 * the weights agree with it up to the order of floating-point additions.
 *
 * The rows, labels, batch order and weights live in SharedArrayBuffers that both threads read; the
 * threads meet through control words with Atomics. A batch is tens of microseconds of work, far
 * less than a thread's sleep and wake-up, so each side spins briefly for the other before it
 * sleeps; on a machine too busy for both to run at once, where that costs more than it saves,
 * this thread takes whole batches alone (it measures both ways as it goes). Between batches it
 * yields to the event loop as the one-thread loop does, and honours the AbortSignal; a worker that
 * fails fails the training with its error.
 */
import { availableParallelism, cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { addBatchGradient } from './logistic-kernel.mjs';
import type { HostLogisticArgs, HostLogisticResult } from './logistic-host.ts';
import { runLogisticSteps } from './logistic-host.ts';

/** Rows from which two threads pay for starting one (about 30 ms) within the first epoch. */
export const TWO_THREAD_MIN_ROWS = 100_000;

/** CPU time of all cores (ms, since boot) and of this process (ms), at a moment. */
function cpuSnapshot(): { at: number; busy: number; own: number } {
  const busy = cpus().reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  const own = process.cpuUsage();
  return { at: performance.now(), busy, own: (own.user + own.system) / 1000 };
}
let lastSnapshot = cpuSnapshot();

/**
 * Whether {@link trainLogisticOnTwoThreads} can use a second core here: the machine has one, and
 * other processes kept less than half a core busy since the last time this was asked (or since
 * this module loaded) — two threads that must meet every batch lose more than they gain when
 * they are not both running.
 */
export function secondCoreAvailable(): boolean {
  const now = cpuSnapshot();
  const elapsed = now.at - lastSnapshot.at;
  const others = elapsed > 0 ? (now.busy - lastSnapshot.busy - (now.own - lastSnapshot.own)) / elapsed : 0;
  lastSnapshot = now;
  return availableParallelism() >= 2 && others < 0.5;
}

// Control words (the same indices in logistic-worker.mjs).
const SEQ = 0;
const DONE = 1;
const STOP = 2;
const FROM = 3;
const TO = 4;
const BATCH = 5;
const LOSS = 6;
const SPINS = 20_000;
/** Batches run the faster way between measurements of the other way, and batches per measurement. */
const USE_BATCHES = 8192;
const PROBE_BATCHES = 1024;

/** Shared copies of arrays that were not in shared memory, kept as long as the original is (a member's rows serve every round). */
const sharedCopies = new WeakMap<object, Float32Array | Uint8Array>();

/** `a` itself when it spans a whole SharedArrayBuffer, otherwise a shared copy (made once per array). */
function shared<T extends Float32Array | Uint8Array>(a: T, make: (b: SharedArrayBuffer) => T): T {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a;
  const cached = sharedCopies.get(a) as T | undefined;
  if (cached) return cached;
  const copy = make(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  sharedCopies.set(a, copy);
  return copy;
}

/** A zero-filled Float32Array in shared memory (for a member's encoded rows). */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

/** A row order both threads can read: 0..n − 1 in shared memory, shuffled in place each epoch. */
export function sharedOrder(n: number): Uint32Array {
  const order = new Uint32Array(new SharedArrayBuffer(4 * n));
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/**
 * Trains as `trainLogisticOnHost` does, over `batches()` — consecutive slices of `order`, which
 * must come from {@link sharedOrder} — with each batch's gradient computed by two threads.
 * `plan`: how many batches run the faster way (one thread or two) before `probe` batches measure
 * the other way again.
 */
export async function trainLogisticOnTwoThreads(
  args: HostLogisticArgs,
  order: Uint32Array,
  batches: () => Iterable<Uint32Array>,
  yieldNow: () => Promise<void> | undefined,
  plan: { use: number; probe: number } = { use: USE_BATCHES, probe: PROBE_BATCHES },
): Promise<HostLogisticResult> {
  if (!(order.buffer instanceof SharedArrayBuffer)) throw new TypeError('the row order must be in shared memory (sharedOrder)');
  const d = args.inputDim;
  const size = d + 1;
  const { fit } = args;
  const x = shared(args.x, (b) => new Float32Array(b));
  const y = shared(args.y, (b) => new Uint8Array(b));
  const { positive, negative } = fit.classWeights;
  const ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
  const theta = new Float64Array(new SharedArrayBuffer(8 * size));
  theta.set(args.weights);
  const partial = new Float64Array(new SharedArrayBuffer(8 * (size + 1)));
  const worker = new Worker(new URL('./logistic-worker.mjs', import.meta.url), {
    workerData: { control: ctrl.buffer, theta: theta.buffer, partial: partial.buffer, order: order.buffer, x: x.buffer, y: y.buffer, d, positive, negative },
  });
  let failure: Error | undefined;
  let stopping = false;
  worker.on('error', (err) => (failure ??= err));
  worker.on('exit', (code) => {
    if (!stopping) failure ??= new Error(`the second training thread stopped (exit code ${code})`);
  });
  /** Waits until the worker has finished batch `seq`: spins, then sleeps in short slices, then lets events run (its failure arrives as one). */
  const finished = async (seq: number): Promise<void> => {
    for (;;) {
      for (let spins = 0; spins < SPINS; spins++) if (Atomics.load(ctrl, DONE) === seq) return;
      // Until the worker is done, DONE still holds the previous batch's number.
      Atomics.wait(ctrl, DONE, seq - 1, 20);
      if (Atomics.load(ctrl, DONE) === seq) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (failure) throw failure;
    }
  };
  let seq = 0;
  /** Batch gradient on both threads: this one takes the first half, the worker the second. */
  const together = async (from: number, b: number, g: Float64Array, last: boolean): Promise<number> => {
    const mid = from + (b >> 1);
    // Plain writes before the Atomics.store are visible to the worker once it sees the new number.
    ctrl[FROM] = mid;
    ctrl[TO] = from + b;
    ctrl[BATCH] = b;
    ctrl[LOSS] = last ? 1 : 0;
    Atomics.store(ctrl, SEQ, ++seq);
    Atomics.notify(ctrl, SEQ);
    const own = addBatchGradient(x, y, d, theta, order, from, mid, b, positive, negative, g, last);
    await finished(seq);
    for (let j = 0; j < size; j++) g[j]! += partial[j]!;
    return own + partial[size]!;
  };
  // On a busy machine the two threads are not always running at once, and a batch then waits for
  // the worker to be scheduled, which can cost more than the worker saves. So the time per batch
  // is measured both ways, `plan.probe` batches each, and the faster way runs the next
  // `plan.use` batches; then the other way is measured again, and so on.
  const perBatch = { two: Number.NaN, one: Number.NaN };
  let way: 'one' | 'two' = 'two';
  let probing = true;
  let left = plan.probe;
  let spent = 0;
  let counted = 0;
  /** After a stretch: the first two measure each way once, then the faster way and a probe of the other take turns. */
  const nextStretch = () => {
    perBatch[way] = spent / counted;
    spent = counted = 0;
    if (Number.isNaN(perBatch.one)) {
      way = 'one';
      left = plan.probe;
      return;
    }
    const faster = perBatch.one < perBatch.two ? 'one' : 'two';
    way = probing ? faster : faster === 'one' ? 'two' : 'one';
    left = probing ? plan.use : plan.probe;
    probing = !probing;
  };
  try {
    return await runLogisticSteps(args, theta, batches, yieldNow, async (rows, g, last) => {
      if (failure) throw failure;
      if (rows.buffer !== order.buffer) throw new TypeError('batches must be slices of the shared row order');
      const from = rows.byteOffset / 4;
      const t0 = performance.now();
      const loss = way === 'one' ? addBatchGradient(x, y, d, theta, order, from, from + rows.length, rows.length, positive, negative, g, last) : await together(from, rows.length, g, last);
      spent += performance.now() - t0;
      counted++;
      if (--left === 0) nextStretch();
      return loss;
    });
  } finally {
    stopping = true;
    Atomics.store(ctrl, STOP, 1);
    Atomics.store(ctrl, SEQ, ++seq);
    Atomics.notify(ctrl, SEQ);
    await worker.terminate();
  }
}
