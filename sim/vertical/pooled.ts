/**
 * The centralized reference of a vertical job: the same model the parties train on secret
 * shares, trained instead on every party's columns pooled in the clear. It is what a vertical job
 * would reach if privacy cost nothing, so a simulation can show how close the job comes.
 *
 * Everything mirrors the job except the privacy machinery:
 *   - rows are aligned by a plaintext join on canonical IDs (core/psi/ids.ts with the job's `ids`
 *     settings), in the label holder's canonical row order — the order the job's private set
 *     intersection produces; a feature party's first row of a canonical ID is the one used;
 *   - the label holder contributes an intercept column and its columns; each feature party its
 *     columns (missing, NaN, on rows it does not know) and a 0/1 "(has_record)" column;
 *   - every column is standardized over the training rows (core/vertical/schedule.ts), the
 *     intercept left as is;
 *   - training and held-out rows and the order of every step come from the same row plan
 *     (`makeSchedule` with the job's plan seed), and training is the same mini-batch gradient
 *     descent on the first-order Taylor residual r = z/4 + 1/2 − y, with
 *     w ← w − lr·(Xᵀr / B + l2·w) (no penalty on the intercept) — in floating point, where the
 *     job computes in fixed point on shares.
 */
import { exactAuc, exactKs, meanLogLoss } from '../../core/metrics/exact.ts';
import { canonicalizeIds } from '../../core/psi/ids.ts';
import { CoreInputError } from '../../core/types.ts';
import { columnStats, makeSchedule, type Schedule, standardizedMatrix, stepRows } from '../../core/vertical/schedule.ts';
import type { VerticalJobSpec } from '../../core/vertical/spec.ts';
import { applyGradient, gradientMatrix, gradientTimes, gradientWidth, initialWeights, partScores } from '../../participant/vertical/model-part.ts';
import { gatherRows, type VerticalPartyData } from '../../participant/vertical/state.ts';
import { deriveSeed, seededRng } from '../../core/random.ts';
import type { Rng } from '../../core/types.ts';

/** Every party's columns joined in the label holder's canonical row order. */
export interface PooledColumns {
  /** Column names, prefixed with the party: "bank:(intercept)", "platform:orders_12m", "platform:(has_record)". */
  names: string[];
  /** One array per column, one value per aligned row; NaN marks a missing value. */
  columns: Float64Array[];
  /** The label of each aligned row (0 or 1). */
  y: Float64Array;
  /** Rows of the label holder each feature party also has (the job's intersection counts). */
  shared: Record<string, number>;
}

/** The reference model's held-out result. */
export interface PooledResult {
  metrics: { auc: number; ks: number; logLoss: number };
  rows: { aligned: number; train: number; test: number };
  shared: Record<string, number>;
  /** Pooled column names, in weight order. */
  columns: string[];
  weights: Float64Array;
  steps: number;
}

function partyData(data: Readonly<Record<string, VerticalPartyData>>, party: string): VerticalPartyData {
  const d = data[party];
  if (!d) throw new CoreInputError(`no data for party "${party}" of the job`, 'parties');
  return d;
}

/** Joins the parties' columns by canonical ID, in the label holder's canonical row order. */
export function pooledColumns(job: VerticalJobSpec, data: Readonly<Record<string, VerticalPartyData>>): PooledColumns {
  const L = job.labelHolder;
  const label = partyData(data, L);
  if (!label.labels) throw new CoreInputError(`the label holder "${L}" has no label column`, 'labels');
  const canon = canonicalizeIds(label.ids, job.ids);
  const n = canon.ids.length;
  const y = Float64Array.from(canon.rows, (row) => {
    const v = label.labels![row]!;
    if (v !== 0 && v !== 1) throw new CoreInputError(`party "${L}": the label of row ${row + 1} is ${v}; labels must be 0 or 1`, 'labels');
    return v;
  });
  const names = [`${L}:(intercept)`, ...label.columns.map((c) => `${L}:${c}`)];
  const columns = [new Float64Array(n).fill(1), ...label.values.map((c) => Float64Array.from(canon.rows, (row) => c[row]!))];
  const shared: Record<string, number> = {};
  for (const p of job.featureParties) {
    const d = partyData(data, p);
    const own = canonicalizeIds(d.ids, job.ids);
    const rowOf = new Map<string, number>(own.ids.map((id, i) => [id, own.rows[i]!]));
    const local = Int32Array.from(canon.ids, (id) => rowOf.get(id) ?? -1);
    shared[p] = local.reduce((m, row) => m + (row >= 0 ? 1 : 0), 0);
    d.columns.forEach((c, j) => {
      names.push(`${p}:${c}`);
      const v = d.values[j]!;
      columns.push(Float64Array.from(local, (row) => (row >= 0 ? v[row]! : Number.NaN)));
    });
    names.push(`${p}:(has_record)`);
    columns.push(Float64Array.from(local, (row) => (row >= 0 ? 1 : 0)));
  }
  return { names, columns, y, shared };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));


/**
 * Mini-batch gradient descent on the Taylor residual with the job's model (model-part.ts), every
 * step of `plan`; column 0 is the unpenalized intercept. `rng` initializes an MLP's hidden layer.
 */
export function trainPooled(x: Float64Array, k: number, y: Float64Array, plan: Schedule, job: Pick<VerticalJobSpec, 'model' | 'train'>, rng: Rng): Float64Array {
  const B = plan.batchSize;
  const w = initialWeights(job.model, k, true, rng);
  const m = gradientWidth(job.model, k, true);
  for (let t = 0; t < plan.steps; t++) {
    const rows = stepRows(plan, t);
    const xb = gatherRows(x, k, rows);
    const z = partScores(job.model, xb, k, w, true);
    const r = Float64Array.from(rows, (row, i) => z[i]! / 4 + 0.5 - y[row]!);
    applyGradient(job.model, w, gradientTimes(gradientMatrix(job.model, xb, k, w, true), r, m), k, true, B, job.train.learningRate, job.train.l2);
  }
  return w;
}

/**
 * Trains the job's model on all columns pooled in the clear, on the rows and steps of the row
 * plan `planSeed` gives (pass the same seed to the job), and scores its held-out rows.
 */
export function pooledReference(job: VerticalJobSpec, data: Readonly<Record<string, VerticalPartyData>>, planSeed: number): PooledResult {
  const pooled = pooledColumns(job, data);
  const n = pooled.y.length;
  const { batchSize, epochs } = job.train;
  const plan = makeSchedule(planSeed, n, job.evaluation.holdout, batchSize, epochs);
  const { mean, std } = columnStats(pooled.columns, plan.train);
  mean[0] = 0;
  std[0] = 1;
  const k = pooled.columns.length;
  const x = standardizedMatrix(pooled.columns, n, mean, std);
  const w = trainPooled(x, k, pooled.y, plan, job, seededRng(deriveSeed(planSeed, 'pooled-init')));
  const p = Array.from(partScores(job.model, gatherRows(x, k, plan.test), k, w, true), sigmoid);
  const y = Array.from(plan.test, (row) => pooled.y[row]!);
  return {
    metrics: { auc: exactAuc(p, y), ks: exactKs(p, y), logLoss: meanLogLoss(p, y) },
    rows: { aligned: n, train: plan.train.length, test: plan.test.length },
    shared: pooled.shared,
    columns: pooled.names,
    weights: w,
    steps: plan.steps,
  };
}
