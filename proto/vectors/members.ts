/**
 * The local computation of the example members, through the same core functions a participant
 * uses: the row-by-row holdout split (as participant/local-handler.ts `splitForJob` does it),
 * the preprocessing statistics, the encoded feature matrix, and the evaluation histograms (alone,
 * or carried by a training contribution under `evaluation.`-prefixed names). Local
 * training is replaced by one full-batch gradient step of logistic regression in float64, so the
 * vectors need no tensor library; a real node trains with tfjs, and only the resulting numbers
 * travel — the protocol does not depend on how they were computed.
 */
import { trainContribution } from '../../core/aggregate/train.ts';
import { encodeTable, statsContribution, subsetTable } from '../../core/data/preprocess.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import { inputDim } from '../../core/data/schema.ts';
import { splitRecordwise } from '../../core/data/split.ts';
import type { Table } from '../../core/data/table.ts';
import { evaluationContribution } from '../../core/metrics/histogram.ts';
import { deriveSeed } from '../../core/random.ts';
import { joinCarried } from '../../core/round/carried-evaluation.ts';
import type { TaskConfig } from '../../core/round/task-config.ts';
import type { Contribution, TaskKind } from '../../core/types.ts';
import { tableOf } from './fixtures.ts';

/** What a member is asked to compute. */
export interface LocalTask {
  kind: TaskKind;
  config: TaskConfig;
  weights?: Float32Array;
}

/** The member's training and held-out rows for the job (seeded by the job seed and its name). */
export function splitOf(member: string, config: TaskConfig): { train: Table; test: Table } {
  const table = tableOf(member, config.schema);
  const idx = splitRecordwise(table, config.job.evaluation.holdout, deriveSeed(config.job.seed, `holdout:${member}`));
  return { train: subsetTable(table, idx.train), test: subsetTable(table, idx.test) };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Logistic-regression scores of the encoded rows x (n × d, row-major); weights = kernel [d, 1] then bias. */
export function logisticScores(x: Float32Array, d: number, w: Float32Array): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // w has d + 1 entries and x has n·d, so every index below is in range.
    let z = w[d]!;
    for (let j = 0; j < d; j++) z += x[i * d + j]! * w[j]!;
    out[i] = sigmoid(z);
  }
  return out;
}

/** One full-batch gradient step of the mean binary cross-entropy; returns new weights and Σ loss. */
function gradientStep(x: Float32Array, y: Uint8Array, d: number, w: Float32Array, lr: number): { local: Float32Array; lossSum: number } {
  const n = y.length;
  const p = logisticScores(x, d, w);
  const grad = new Float64Array(d + 1);
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    // p and y have n entries, x has n·d and grad d + 1 = w.length.
    const e = p[i]! - y[i]!;
    for (let j = 0; j < d; j++) grad[j]! += (e * x[i * d + j]!) / n;
    grad[d]! += e / n;
    lossSum -= y[i] === 1 ? Math.log(p[i]!) : Math.log(1 - p[i]!);
  }
  const local = Float32Array.from(w, (v, j) => v - lr * grad[j]!);
  return { local, lossSum };
}

/** The member's contribution to a task. */
export function localContribution(member: string, task: LocalTask): Contribution {
  const { config } = task;
  const s: DataSchema = config.schema;
  const { train, test } = splitOf(member, config);
  if (task.kind === 'stats') return statsContribution(train, s);
  const prep = config.preprocessing;
  const w = task.weights;
  if (!prep || !w) throw new Error(`${task.kind} task without preprocessing or weights`);
  const d = inputDim(s);
  const evaluation = () => evaluationContribution(logisticScores(encodeTable(test, s, prep), d, w), test.labels, config.job.evaluation.bins);
  if (task.kind === 'evaluate') return evaluation();
  const lr = config.fit?.train.learningRate ?? config.job.train.learningRate;
  const { local, lossSum } = gradientStep(encodeTable(train, s, prep), train.labels, d, w, lr);
  const update = trainContribution(local, w, train.n, lossSum);
  // A training task that carries the previous round's evaluation scores the weights it trains from.
  return config.evaluates === undefined ? update : joinCarried(update, evaluation());
}
