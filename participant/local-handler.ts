/**
 * The base handler: the participant's own data and trainer. Per job it splits off a seeded,
 * stratified held-out set, then answers stats (federated preprocessing), train (local epochs
 * from the global weights, returning the example-weighted delta) and evaluate (score histograms
 * of held-out rows) tasks. It also keeps the node's own local metrics for its operators.
 */
import { encodeTable, statsContribution, subsetTable } from '../core/data/preprocess.ts';
import type { Table } from '../core/data/table.ts';
import { splitRecordwise } from '../core/data/split.ts';
import { inputDim } from '../core/data/schema.ts';
import { trainContribution } from '../core/aggregate/train.ts';
import { evaluationContribution, metricsFromEvaluation } from '../core/metrics/histogram.ts';
import type { EvalMetrics } from '../core/metrics/histogram.ts';
import { deriveSeed } from '../core/random.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { trainLocal } from './trainer/train.ts';
import { dpSgdSpend } from './privacy/dp-params.ts';
import { evaluationRelease, recordJobFor, statsRelease } from './privacy/record-tasks.ts';
import { recordPrivacy } from '../core/privacy/record-plan.ts';
import { clientJobRefusal } from './privacy/client-train.ts';
import { cryptoRng } from '../platform/crypto-rng.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import type { Rng } from '../core/types.ts';
import { trainWithClientDp } from './privacy/client-train.ts';
import { privacyRefusal } from './privacy/node-privacy.ts';
import type { NodePrivacy } from './privacy/node-privacy.ts';
import { predictScores } from './trainer/predict.ts';
import type { ParsedTask, TaskHandler } from './handler.ts';

/** Held-out split of a participant's table for one job seed. */
export interface SplitData {
  train: Table;
  test: Table;
}

/**
 * The split a participant uses for a job: row by row (core/data/split.ts `splitRecordwise`),
 * deterministic in (job seed, participant name), so one row never moves another between the
 * parts — which record-level DP needs, and which keeps the held-out rows of a job the same with
 * or without DP, so their metrics compare.
 */
export function splitForJob(table: Table, name: string, seed: number, holdout: number): SplitData {
  const idx = splitRecordwise(table, holdout, deriveSeed(seed, `holdout:${name}`));
  return { train: subsetTable(table, idx.train), test: subsetTable(table, idx.test) };
}

interface JobCache {
  jobId: string;
  split: SplitData;
  prepKey?: string;
  xTrain?: Float32Array;
  xTest?: Float32Array;
}

/** Local metrics of the node's own held-out rows, per job and round. */
export type LocalMetricsSink = (jobId: string, round: number, metrics: EvalMetrics) => void;

/**
 * Creates the base handler over a validated table. With `privacy` (the node's ledger and receipt
 * signer), it trains only with differential privacy (record- or client-level) within the node's
 * budget and returns a signed receipt with each DP-trained update; without it, it refuses DP jobs.
 * `rng` is the node's secret randomness for DP noise and sampling (node:crypto unless a seeded
 * one is injected to replay a simulation).
 */
export function localHandler(name: string, table: Table, onLocalMetrics?: LocalMetricsSink, privacy?: NodePrivacy, rng: Rng = cryptoRng): TaskHandler {
  let cache: JobCache | undefined;
  const forJob = (task: ParsedTask): JobCache => {
    if (!cache || cache.jobId !== task.jobId) {
      const { job } = task.config;
      cache = { jobId: task.jobId, split: splitForJob(table, name, job.seed, job.evaluation.holdout) };
    }
    return cache;
  };
  const encoded = (c: JobCache, task: ParsedTask, p: PreprocessingParams) => {
    const key = JSON.stringify(p);
    if (c.prepKey !== key) {
      c.prepKey = key;
      c.xTrain = encodeTable(c.split.train, task.config.schema, p);
      c.xTest = encodeTable(c.split.test, task.config.schema, p);
    }
    return { xTrain: c.xTrain!, xTest: c.xTest! };
  };
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the task carries no ${what}`);
    return v;
  };

  return async (task) => {
    const c = forJob(task);
    const { schema, job } = task.config;
    // A node with a budget uses its data only with DP; under record-level DP every release is noised.
    if (job.privacy.mode === 'none' && privacy) return privacyRefusal(task, undefined, privacy)!;
    const record = job.privacy.mode === 'record' ? recordJobFor(task, c.split.train.n, privacy, rng) : undefined;
    if (record && 'refusal' in record) return record;
    if (task.kind === 'stats') {
      if (record) return statsRelease(task, c.split.train, schema, privacy!, rng);
      if (job.privacy.mode === 'client') {
        const over = clientJobRefusal(task, layoutSize(modelLayout(job.model, inputDim(schema))), privacy);
        if (over) return over;
      }
      return { contribution: statsContribution(c.split.train, schema) };
    }
    const prep = need(task.config.preprocessing, 'preprocessing parameters');
    const weights = need(task.weights, 'model weights');
    const { xTrain, xTest } = encoded(c, task, prep);
    const dim = inputDim(schema);
    if (task.kind === 'train') {
      const fit = need(task.config.fit, 'training configuration');
      if (job.privacy.mode === 'client') {
        return trainWithClientDp(task, { inputDim: dim, weights, x: xTrain, y: c.split.train.labels, fit }, privacy, rng);
      }
      if (!record) {
        const out = await trainLocal({ spec: job.model, inputDim: dim, weights, x: xTrain, y: c.split.train.labels, fit });
        return { contribution: trainContribution(out.weights, weights, out.examples, out.lossSum) };
      }
      const { clipNorm, secureNoise } = recordPrivacy(job)!;
      const dp = { noiseMultiplier: record.noiseMultiplier, clipNorm, sampleRate: record.sampleRate, secureNoise };
      const preview = privacy!.ledger.preview(dpSgdSpend(dp, record.stepsPerRound), { jobId: task.jobId, partition: 'train' });
      if (!preview.fits) return { refusal: { code: 'privacy_budget', reason: `privacy budget: ${preview.reason}` } };
      const out = await trainLocal({ spec: job.model, inputDim: dim, weights, x: xTrain, y: c.split.train.labels, fit, dp, dpRng: rng });
      // FedAvg weight: the noisy row count (a DP release), never the exact one; the training loss is not sent.
      const contribution = trainContribution(out.weights, weights, Math.max(1, record.noisyRows), 0);
      contribution.loss = Float64Array.of(0, 0);
      // Charged (and persisted) before the update can leave this node.
      const receipt = privacy!.charge(task, dpSgdSpend(dp, out.dp?.steps ?? 0), { partition: 'train' });
      return { contribution, receipt, noised: true };
    }
    const scores = predictScores(job.model, dim, weights, xTest);
    if (record) {
      onLocalMetrics?.(task.jobId, task.round, metricsFromEvaluation(evaluationContribution(scores, c.split.test.labels, job.evaluation.bins), job.evaluation.bins));
      return evaluationRelease(task, scores, c.split.test.labels, privacy!, rng);
    }
    const contribution = evaluationContribution(scores, c.split.test.labels, job.evaluation.bins);
    onLocalMetrics?.(task.jobId, task.round, metricsFromEvaluation(contribution, job.evaluation.bins));
    return { contribution };
  };
}
