/**
 * The credit_data vertical consortium measured (credit-columns.ts for the split). The joint model
 * is a real vertical job (job.ts: both parties' protocol code in this process, over an in-memory
 * grid): the bank and the platform each hand the job their own encoded table under their own IDs,
 * in their own row order, and the job aligns them by its own private set intersection. Three
 * logistic regressions are scored on the same held-out rows, the job's row plan (fixed by a seed):
 *
 *   labelHolderOnly  the bank's own inputs (exact Newton solver, logistic.ts);
 *   centralized      both parties' inputs pooled in one place (the same solver) — the reference;
 *   federated        both parties' inputs, trained by the vertical job (mini-batch SGD on the
 *                    first-order Taylor expansion of the logistic loss, residuals in secret shares).
 *
 * The plan holds out a seeded random 30 % of the bank's customers (by default), not stratified.
 * For the pooled model the rows are joined on canonical IDs in the clear (job.ts `joinByIds`);
 * that join also tells which platform rows belong to training customers, the rows the platform
 * fits its encoding on (in a real consortium the platform learns them after the intersection).
 */
import { exactAuc, exactKs } from '../../core/metrics/exact.ts';
import { deriveSeed } from '../../core/random.ts';
import type { VerticalPartyData } from '../../participant/vertical/state.ts';
import { readCsvFile } from '../../sim/csv.ts';
import { CREDIT_DATA_PATH } from '../credit/split.ts';
import { BANK_COLUMNS, LABEL_COLUMN, PLATFORM_COLUMNS, POSITIVE_LABEL, partyColumn, splitCreditColumns } from './credit-columns.ts';
import { encodeParty } from './credit-encode.ts';
import { exampleJob, examplePlan, type JobNumbers, joinByIds, runExampleJob } from './job.ts';
import { fitLogistic, scoreLogistic } from './logistic.ts';

/** Training settings of the example's vertical job. */
export interface CreditJobTrain {
  epochs: number;
  /** A power of two. */
  batchSize: number;
  learningRate: number;
}

/**
 * The job's settings on credit_data (examples/vertical/README.md has the measurements): batches of
 * 128 (this data set has 3,118 training rows) and the job's default learning rate.
 */
export const CREDIT_JOB_TRAIN: CreditJobTrain = { epochs: 10, batchSize: 128, learningRate: 0.5 };

/** Options of {@link creditVerticalReport}. */
export interface CreditVerticalOptions {
  /** Seed of the column split and of the job's row plan (default 1). */
  seed?: number;
  /** Share of the bank's customers held out (default 0.3). */
  holdout?: number;
  /** Share of the bank's customers the platform does not know (default 0.1). */
  platformMissing?: number;
  /** The credit_data CSV (default: examples/data/credit_data.csv). */
  input?: string;
  /** The consortium's ID salt in the job (default "credit-consortium"). */
  salt?: string;
  /** Overrides of {@link CREDIT_JOB_TRAIN}. */
  train?: Partial<CreditJobTrain>;
}

/** Held-out discrimination of one model. */
export interface Scores {
  auc: number;
  ks: number;
  /** Model inputs, without the intercept. */
  inputs: number;
  /** Training time. */
  seconds: number;
}

/** What {@link creditVerticalReport} measured. */
export interface CreditVerticalReport {
  rows: { bank: number; platform: number; defaultRate: number };
  /** The job's private set intersection: usable bank and platform IDs, shared ones, its time. */
  psi: { label: number; feature: number; shared: number; seconds: number };
  split: { train: number; test: number; trainDefaultRate: number; testDefaultRate: number };
  inputs: { bank: string[]; platform: string[] };
  labelHolderOnly: Scores;
  centralized: Scores;
  /** The vertical job's joint model; `seconds` is the job's training time. */
  federated: Scores;
  /** What the job reported (settings, its own bank-only SGD baseline, counts, time, bytes). */
  job: JobNumbers;
  seconds: number;
}

/** Splits, aligns, encodes, runs the job, fits the two references and scores all three (module header). */
export async function creditVerticalReport(options: CreditVerticalOptions = {}): Promise<CreditVerticalReport> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const salt = options.salt ?? 'credit-consortium';
  const { header, rows } = readCsvFile(options.input ?? CREDIT_DATA_PATH);
  const { bank, platform } = splitCreditColumns(header, rows, { seed, platformMissing: options.platformMissing });
  const bankIds = partyColumn(bank, bank.idColumn);

  // The job's row plan is the split of every model.
  const job = exampleJob('bank', ['platform'], { ...CREDIT_JOB_TRAIN, ...options.train, holdout: options.holdout ?? 0.3 });
  const planSeed = deriveSeed(seed, 'credit-vertical:plan');
  const { train, test } = examplePlan(job, bankIds, planSeed);
  const aligned = joinByIds(bankIds, partyColumn(platform, platform.idColumn), job.ids);
  const n = bank.rows.length;
  const y: number[] = partyColumn(bank, LABEL_COLUMN).map((s) => (s === POSITIVE_LABEL ? 1 : 0));

  // Pooled: the platform's inputs by bank row (all 0 and has_record 0 where it lacks the customer).
  const identity = (rows: number) => Int32Array.from({ length: rows }, (_, i) => i);
  const platformRowOf = new Int32Array(n).fill(-1);
  aligned.labelRows.forEach((bankRow, k) => (platformRowOf[bankRow] = aligned.featureRows[k]!));
  const bankBlock = encodeParty(bank, BANK_COLUMNS, { rowOf: identity(n), train, presence: false });
  const platformBlock = encodeParty(platform, PLATFORM_COLUMNS, { rowOf: platformRowOf, train, presence: true });

  // The job: each party's inputs in its own row order under its own IDs; the job adds the
  // bank's intercept and the platform's "(has_record)" itself.
  const platformTrain = train.flatMap((bankRow) => (platformRowOf[bankRow]! >= 0 ? [platformRowOf[bankRow]!] : [])).sort((a, b) => a - b);
  const platformOwn = encodeParty(platform, PLATFORM_COLUMNS, { rowOf: identity(platform.rows.length), train: platformTrain, presence: false });
  const data: Record<string, VerticalPartyData> = {
    bank: { ids: bankIds, columns: bankBlock.names, values: bankBlock.columns, labels: Float64Array.from(y) },
    platform: { ids: partyColumn(platform, platform.idColumn), columns: platformOwn.names, values: platformOwn.columns },
  };
  const jobNumbers = await runExampleJob(job, data, { salt, planSeed, test: test.length });
  const shared = jobNumbers.psi.shared.platform!;
  if (shared !== aligned.counts.shared) throw new Error(`the job matched ${shared} of the platform's IDs, a plain join ${aligned.counts.shared}`);

  const labels = test.map((i) => y[i]!);
  const newton = (columns: Float64Array[]): Scores => {
    const s = performance.now();
    const rowsOf = (idx: number[]) => idx.map((i) => Float64Array.from(columns, (c) => c[i]!));
    const model = fitLogistic(rowsOf(train), train.map((i) => y[i]!));
    const scores = scoreLogistic(model, rowsOf(test));
    return { auc: exactAuc(scores, labels), ks: exactKs(scores, labels), inputs: columns.length, seconds: (performance.now() - s) / 1000 };
  };
  const { auc, ks, inputs } = jobNumbers.joint;
  const rate = (idx: readonly number[]) => idx.reduce((s, i) => s + y[i]!, 0) / idx.length;
  return {
    rows: { bank: n, platform: platform.rows.length, defaultRate: y.reduce((a, b) => a + b, 0) / n },
    psi: { label: jobNumbers.psi.labelIds, feature: jobNumbers.psi.partyIds.platform!, shared, seconds: jobNumbers.seconds.psi },
    split: { train: train.length, test: test.length, trainDefaultRate: rate(train), testDefaultRate: rate(test) },
    inputs: { bank: bankBlock.names, platform: platformBlock.names },
    labelHolderOnly: newton(bankBlock.columns),
    centralized: newton([...bankBlock.columns, ...platformBlock.columns]),
    federated: { auc, ks, inputs, seconds: jobNumbers.seconds.train },
    job: jobNumbers,
    seconds: (performance.now() - started) / 1000,
  };
}
