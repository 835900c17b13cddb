/**
 * The base handler: the participant's own data and trainer. Per job it splits off a seeded,
 * stratified held-out set and encodes both parts with the round's preprocessing, once per job
 * ({@link localData}), then answers stats (federated preprocessing), train (local epochs from the
 * global weights, returning the example-weighted delta) and evaluate (score histograms of
 * held-out rows) tasks exactly ({@link exactHandler}). It also keeps the node's own local metrics
 * for its operators. Differential privacy wraps it as handler mods (./privacy/dp-mods.ts), which
 * work on the same data.
 */
import { encodeTable, statsContribution, subsetTable } from '../core/data/preprocess.ts';
import { inputDim } from '../core/data/schema.ts';
import { splitRecordwise } from '../core/data/split.ts';
import type { HoldoutSplit } from '../core/data/split.ts';
import type { Table } from '../core/data/table.ts';
import type { FitConfig, JobSpec } from '../core/job.ts';
import { personalizationOf } from '../core/job.ts';
import { trainContribution } from '../core/aggregate/train.ts';
import { evaluationContribution, metricsFromEvaluation } from '../core/metrics/histogram.ts';
import type { EvalMetrics } from '../core/metrics/histogram.ts';
import { deriveSeed } from '../core/random.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { trainLocal } from './trainer/train.ts';
import { sharedFloat32, TWO_THREAD_MIN_ROWS } from './trainer/logistic-threads.ts';
import { privacyMod } from './privacy/dp-mods.ts';
import { personalizationMod } from './personal/mod.ts';
import type { PersonalizationDeps } from './personal/mod.ts';
import type { NodePrivacy } from './privacy/node-privacy.ts';
import type { Rng } from '../core/types.ts';
import { predictScores } from './trainer/predict.ts';
import type { ParsedTask, TaskHandler } from './handler.ts';
import { boostedScores, boostingTasks } from './trees/boosting-tasks.ts';
import { treeColumns, treeFeatureNames } from '../core/trees/features.ts';
import { chain } from './handler.ts';
import { carriedEvaluationMod } from './carried-evaluation-mod.ts';

/** Held-out split of a participant's table for one job seed. */
export interface SplitData {
  /** The rows of federated training. */
  train: Table;
  /** The held-out rows of federated evaluation. */
  test: Table;
  /** Jobs with personalization: training rows kept out of federated training to choose the member's personal model. */
  validation?: Table;
}

/**
 * The split a participant uses for a job: row by row (core/data/split.ts `splitRecordwise`),
 * deterministic in (job seed, participant name), so one row never moves another between the
 * parts — which record-level DP needs, and which keeps the held-out rows of a job the same with
 * or without DP, so their metrics compare.
 */
export function splitForJob(table: Table, name: string, seed: number, holdout: number, validation?: number): SplitData {
  const idx = holdoutRows(table, name, seed, holdout);
  const train = subsetTable(table, idx.train);
  const test = subsetTable(table, idx.test);
  if (validation === undefined) return { train, test };
  // Personalization's validation rows: split off the training rows the same row-wise way.
  const v = splitRecordwise(train, validation, deriveSeed(seed, `personal-validation:${name}`));
  return { train: subsetTable(train, v.train), test, validation: subsetTable(train, v.test) };
}

/**
 * Which of participant `name`'s rows a job with `seed` holds out for federated evaluation (`test`)
 * and which it trains on (`train`, before personalization's validation rows are taken from it):
 * the row indices {@link splitForJob} uses.
 */
export function holdoutRows(table: Table, name: string, seed: number, holdout: number): HoldoutSplit {
  return splitRecordwise(table, holdout, deriveSeed(seed, `holdout:${name}`));
}

/** {@link splitForJob} with the job's holdout and, when it personalizes, its validation fraction. */
export function jobSplit(table: Table, name: string, job: Pick<JobSpec, 'seed' | 'evaluation'> & { personalization?: JobSpec['personalization'] }): SplitData {
  return splitForJob(table, name, job.seed, job.evaluation.holdout, personalizationOf(job)?.validation);
}

/** Local metrics of the node's own held-out rows, per job and round. */
export type LocalMetricsSink = (jobId: string, round: number, metrics: EvalMetrics) => void;

/** What local training takes: the global weights, the encoded training rows, their labels and the round's settings. */
export interface TrainInput {
  inputDim: number;
  weights: Float32Array;
  x: Float32Array;
  y: Uint8Array;
  fit: FitConfig;
}

/** What scoring the held-out rows takes: the global weights, the encoded held-out rows and their labels. */
export type EvaluateInput = Omit<TrainInput, 'fit'>;

/** The node's data, per job; each accessor throws when the task lacks what it needs. */
export interface LocalData {
  /** The participant's name. */
  name: string;
  split(task: ParsedTask): SplitData;
  trainInput(task: ParsedTask): TrainInput;
  evaluateInput(task: ParsedTask): EvaluateInput;
  /** The global weights and both encoded parts of the split (for the member's own use: personalization). */
  encodedRows(task: ParsedTask): { inputDim: number; weights: Float32Array; train: { x: Float32Array; y: Uint8Array }; test: { x: Float32Array; y: Uint8Array }; validation?: { x: Float32Array; y: Uint8Array } };
  /** A gbdt job's rows as row-major tree features (core/trees/features.ts), with the task's model. */
  treeRows(task: ParsedTask): { inputDim: number; weights: Float32Array; train: { x: Float64Array; y: Uint8Array }; test: { x: Float64Array; y: Uint8Array }; validation?: { x: Float64Array; y: Uint8Array } };
}

/** Row-major copy of tree feature columns. */
function rowMajor(columns: Float64Array[], n: number): Float64Array {
  const d = columns.length;
  const x = new Float64Array(n * d);
  columns.forEach((col, f) => {
    for (let i = 0; i < n; i++) x[i * d + f] = col[i]!;
  });
  return x;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`the task carries no ${what}`);
  return v;
}

/** The data of participant `name` over its validated `table`; keeps the current job's split and encoding. */
export function localData(name: string, table: Table): LocalData {
  let cache: { jobId: string; split: SplitData; prepKey?: string; xTrain?: Float32Array; xTest?: Float32Array } | undefined;
  const forJob = (task: ParsedTask) => {
    if (!cache || cache.jobId !== task.jobId) {
      const { job } = task.config;
      cache = { jobId: task.jobId, split: jobSplit(table, name, job) };
    }
    return cache;
  };
  const model = (task: ParsedTask) => {
    const c = forJob(task);
    const prep: PreprocessingParams = need(task.config.preprocessing, 'preprocessing parameters');
    const weights = need(task.weights, 'model weights');
    const key = JSON.stringify(prep);
    if (c.prepKey !== key) {
      c.prepKey = key;
      // A large logistic member's rows go to shared memory, where the trainer's second thread can
      // read them (whether it runs is decided at each training).
      const rows = c.split.train.n;
      const shared = task.config.job.model.type === 'logistic' && rows >= TWO_THREAD_MIN_ROWS;
      c.xTrain = encodeTable(c.split.train, task.config.schema, prep, shared ? sharedFloat32(rows * inputDim(task.config.schema)) : undefined);
      c.xTest = encodeTable(c.split.test, task.config.schema, prep);
    }
    return { split: c.split, weights, xTrain: c.xTrain!, xTest: c.xTest!, inputDim: inputDim(task.config.schema) };
  };
  return {
    name,
    split: (task) => forJob(task).split,
    trainInput(task) {
      const m = model(task);
      return { inputDim: m.inputDim, weights: m.weights, x: m.xTrain, y: m.split.train.labels, fit: need(task.config.fit, 'training configuration') };
    },
    evaluateInput(task) {
      const m = model(task);
      return { inputDim: m.inputDim, weights: m.weights, x: m.xTest, y: m.split.test.labels };
    },
    encodedRows(task) {
      const m = model(task);
      const v = m.split.validation;
      return {
        inputDim: m.inputDim, weights: m.weights, train: { x: m.xTrain, y: m.split.train.labels }, test: { x: m.xTest, y: m.split.test.labels },
        ...(v ? { validation: { x: encodeTable(v, task.config.schema, need(task.config.preprocessing, 'preprocessing parameters')), y: v.labels } } : {}),
      };
    },
    treeRows(task) {
      const { split } = forJob(task);
      const { schema } = task.config;
      const rows = (t: Table) => ({ x: rowMajor(treeColumns(t, schema), t.n), y: t.labels });
      return {
        inputDim: treeFeatureNames(schema).length, weights: need(task.weights, 'model weights'), train: rows(split.train), test: rows(split.test),
        ...(split.validation ? { validation: rows(split.validation) } : {}),
      };
    },
  };
}

/**
 * Creates the participant's handler over a validated table: the exact handler wrapped by the
 * differential-privacy mods. With `privacy` (the node's ledger and receipt signer), it trains
 * only with differential privacy (record- or client-level) within the node's budget and returns
 * a signed receipt with each DP release; without it, it refuses DP training. `rng` is the node's
 * secret randomness for DP noise and sampling (node:crypto unless a seeded one is injected to
 * replay a simulation). With `personal` (the node's state dir and log), jobs with personalization
 * leave the member's personal models and value report there (./personal/mod.ts).
 */
export function localHandler(name: string, table: Table, onLocalMetrics?: LocalMetricsSink, privacy?: NodePrivacy, rng?: Rng, personal?: Omit<PersonalizationDeps, 'name' | 'data'>): TaskHandler {
  const data = localData(name, table);
  return chain(exactHandler(data, onLocalMetrics), [
    // A train task that also evaluates its weights becomes an evaluate task and a train task for the mods below.
    carriedEvaluationMod,
    // Then: it sees the final global weights and answers with the inner (DP or exact) answer.
    ...(personal ? [personalizationMod({ name, data, ...personal })] : []),
    privacyMod({ data, ...(privacy ? { privacy } : {}), ...(onLocalMetrics ? { onLocalMetrics } : {}), ...(rng ? { rng } : {}) }),
  ]);
}

/** Answers every task with the exact statistics, update or evaluation of the node's own rows. */
export function exactHandler(data: LocalData, onLocalMetrics?: LocalMetricsSink): TaskHandler {
  const boosting = boostingTasks(data.name, (task) => data.split(task).train);
  return async (task) => {
    const { schema, job } = task.config;
    if (task.kind === 'stats') return { contribution: statsContribution(data.split(task).train, schema) };
    if (task.kind === 'sketch') return { contribution: boosting.sketch(task) };
    if (task.kind === 'tree') return { contribution: boosting.tree(task) };
    if (task.kind === 'evaluate' && job.model.type === 'gbdt') {
      const test = data.split(task).test;
      const contribution = evaluationContribution(boostedScores(need(task.weights, 'model'), test, schema), test.labels, job.evaluation.bins);
      onLocalMetrics?.(task.jobId, task.round, metricsFromEvaluation(contribution, job.evaluation.bins));
      return { contribution };
    }
    if (task.kind === 'train') {
      const input = data.trainInput(task);
      const out = await trainLocal({ spec: job.model, ...input });
      return { contribution: trainContribution(out.weights, input.weights, out.examples, out.lossSum) };
    }
    const input = data.evaluateInput(task);
    const scores = predictScores(job.model, input.inputDim, input.weights, input.x);
    const contribution = evaluationContribution(scores, input.y, job.evaluation.bins);
    onLocalMetrics?.(task.jobId, task.round, metricsFromEvaluation(contribution, job.evaluation.bins));
    return { contribution };
  };
}
