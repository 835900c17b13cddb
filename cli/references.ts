/**
 * Reference models for `fedcredit simulate`, computed in the same run as the federated job:
 * the same model trained on the pooled data (centralized) and on each party alone (local-only).
 * The simulation harness may see every party's rows — it plays all institutions at once; the
 * federated job itself never does. Metrics here come from raw scores (exact AUC/KS), which only
 * the harness can compute.
 */
import { encodeTable, preprocessingFromStats, statsContribution } from '../core/data/preprocess.ts';
import type { Table } from '../core/data/table.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { inputDim } from '../core/data/schema.ts';
import type { JobSpec } from '../core/job.ts';
import { exactAuc, exactKs } from '../core/metrics/exact.ts';
import { initialWeights } from '../core/model/layout.ts';
import { deriveSeed, seededRng } from '../core/random.ts';
import { resolveClassWeights } from '../core/round/engine.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { sumContributions } from '../core/aggregate/sum.ts';
import { jobSplit } from '../participant/local-handler.ts';
import type { SplitData } from '../participant/local-handler.ts';
import { predictScores } from '../participant/trainer/predict.ts';
import { trainLocal } from '../participant/trainer/train.ts';
import { boostedScores } from '../participant/trees/boosting-tasks.ts';
import { boostLocally, localEdges } from '../participant/trees/local-boosting.ts';

/** AUC and KS of a model on a set of rows. */
export interface Score {
  auc: number;
  ks: number;
  n: number;
}

/** A party's data as the harness sees it. */
export interface PartyData {
  name: string;
  table: Table;
  split: SplitData;
}

/** Splits every party exactly as its node does for this job. */
export function splitParties(parties: { name: string; table: Table }[], job: JobSpec): PartyData[] {
  return parties.map((p) => ({ ...p, split: jobSplit(p.table, p.name, job) }));
}

/** Concatenates tables with the same schema. */
export function concatTables(tables: Table[]): Table {
  const [first] = tables;
  if (first === undefined) throw new Error('concatTables: no tables to concatenate');
  const n = tables.reduce((a, t) => a + t.n, 0);
  const labels = new Uint8Array(n);
  const numeric = first.numeric.map(() => new Float64Array(n));
  const categorical = first.categorical.map(() => new Int32Array(n));
  let off = 0;
  for (const t of tables) {
    if (t.numeric.length !== numeric.length || t.categorical.length !== categorical.length) {
      throw new Error('concatTables: the tables do not have the same columns');
    }
    labels.set(t.labels, off);
    // Same column counts (checked above), so every numeric[j] / categorical[j] exists.
    t.numeric.forEach((col, j) => numeric[j]!.set(col, off));
    t.categorical.forEach((col, j) => categorical[j]!.set(col, off));
    off += t.n;
  }
  return { n, labels, numeric, categorical };
}

/**
 * Preprocessing from one party's (or the pool's) own rows. A numeric feature without any value
 * gets mean 0 and standard deviation 1, so a party that never collects a column can still train
 * alone (the column is then constant after imputation).
 */
export function ownPreprocessing(tables: Table[], schema: DataSchema): PreprocessingParams {
  const sum = sumContributions(tables.map((t) => statsContribution(t, schema)), { stats: 3 * schema.numeric.length, label: 2 });
  const { stats } = sum;
  if (stats === undefined) throw new Error('sumContributions returned no "stats" vector');
  for (let j = 0; j < schema.numeric.length; j++) {
    if (stats[3 * j] === 0) stats.set([1, 0, 1], 3 * j);
  }
  return preprocessingFromStats(sum, schema);
}

/** Scores `weights` on a table. */
export function scoreModel(job: JobSpec, schema: DataSchema, prep: PreprocessingParams, weights: Float32Array, table: Table): Score {
  const scores = job.model.type === 'gbdt' ? boostedScores(weights, table, schema) : predictScores(job.model, inputDim(schema), weights, encodeTable(table, schema, prep));
  return { auc: exactAuc(scores, table.labels), ks: exactKs(scores, table.labels), n: table.n };
}

/**
 * Trains the job's model on `train`: a dense model for as many epochs as the federated job runs
 * in total, a gbdt model with as many trees (edges from these rows' own sketch).
 */
export async function trainReference(job: JobSpec, schema: DataSchema, prep: PreprocessingParams, train: Table, label: string): Promise<Float32Array> {
  if (job.model.type === 'gbdt') {
    // The job's own code path over these rows: their sketch, edges and as many trees as the job grows.
    const edges = localEdges([train], schema, job.model);
    return boostLocally({ table: train, schema, spec: job.model, edges, trees: job.rounds, seed: job.seed, name: label });
  }
  const dim = inputDim(schema);
  const epochs = job.rounds * job.train.localEpochs;
  const out = await trainLocal({
    spec: job.model,
    inputDim: dim,
    weights: initialWeights(job.model, dim, seededRng(deriveSeed(job.seed, 'init'))),
    x: encodeTable(train, schema, prep),
    y: train.labels,
    fit: {
      train: { ...job.train, localEpochs: epochs },
      mu: 0,
      classWeights: resolveClassWeights(job, prep),
      seed: deriveSeed(job.seed, `reference:${label}`),
    },
  });
  return out.weights;
}
