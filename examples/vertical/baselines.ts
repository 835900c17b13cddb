/**
 * The vertical model and the reference numbers it is measured against on the synthetic vertical
 * consortium (sim/synthetic/vertical.ts). The joint model is a real vertical job (job.ts: every
 * party's protocol code in this process, over an in-memory grid): each party hands the job its
 * own table, the job aligns the rows by its own private set intersection and trains a logistic
 * regression no party sees whole. Two references are fitted with an exact Newton solver on the
 * job's training rows and scored on its held-out rows (the job's row plan, fixed by a seed):
 *
 *   bank-only     the bank's own columns;
 *   centralized   every party's columns pooled in one place, the rows joined on canonical IDs
 *                 — the upper reference the vertical model aims to approach.
 *
 * Encoding (the same in the job and the references): numeric columns optionally log1p-transformed
 * (counts and amounts), standardized with the training rows' mean and standard deviation, a
 * missing cell 0 (the mean); the bank's `product` one-hot (personal, the most frequent, is the
 * reference). For a party that does not know a borrower, every column of that party is 0 and the
 * party's 0/1 "present" input is 0.
 */
import { exactAuc, exactKs } from '../../core/metrics/exact.ts';
import { deriveSeed } from '../../core/random.ts';
import { verticalPartyData } from '../../participant/vertical/table.ts';
import { generateVerticalConsortium, tableColumn, type VerticalConsortium, type VerticalTable } from '../../sim/synthetic/vertical.ts';
import { type Alignment, exampleJob, examplePlan, type JobNumbers, joinByIds, runExampleJob } from './job.ts';
import { fitLogistic, scoreLogistic } from './logistic.ts';

/** Options of {@link verticalBaselines}. */
export interface BaselineOptions {
  /** Seed of the consortium and of the job's row plan. */
  seed: number;
  /** Size of the consortium relative to 6,000 bank borrowers (default 1). */
  scale?: number;
  /** Share of the bank's borrowers the job holds out to score every model (default 0.25). */
  holdout?: number;
  /** The consortium's ID salt in the job (default "example-consortium"). */
  salt?: string;
}

/** Held-out discrimination of one model. */
export interface Scores {
  auc: number;
  ks: number;
  /** Model inputs (without the intercept). */
  inputs: number;
}

/** Counts of the job's private set intersection of the bank with one feature party. */
export interface PsiCounts {
  label: number;
  feature: number;
  shared: number;
}

/** What {@link verticalBaselines} measured. */
export interface BaselineReport {
  consortium: VerticalConsortium;
  /** The job's private set intersection: usable IDs per party, shared with the bank, and its time. */
  psi: { platform: PsiCounts; customs: PsiCounts; seconds: number };
  /** The centralized reference's rows, joined on canonical IDs in the clear. */
  alignment: { platform: Alignment; customs: Alignment };
  split: { train: number; test: number; trainDefaultRate: number; testDefaultRate: number };
  bankOnly: Scores;
  centralized: Scores;
  /** The vertical job's joint model, scored by the bank on the held-out rows. */
  federated: Scores;
  /** The same job with the split MLP (a tanh bottom network with a linear skip at each party). */
  federatedMlp: Scores;
  /** What the job reported (settings, its own bank-only SGD baseline, counts, time, bytes). */
  job: JobNumbers;
  seconds: number;
}

/** A numeric column and whether it is log1p-transformed before standardization. */
type NumericColumn = readonly [name: string, log: boolean];

const BANK_NUMERIC: NumericColumn[] = [['bureau_score', false], ['past_due_30d_2y', true], ['debt_to_income', false], ['loan_amount', true], ['months_on_book', false]];
const PLATFORM_NUMERIC: NumericColumn[] = [['orders_12m', false], ['avg_basket', true], ['return_rate', false], ['bnpl_share', false], ['late_bnpl_12m', true], ['account_age_months', false]];
const CUSTOMS_NUMERIC: NumericColumn[] = [['declarations_12m', true], ['declared_value_k', true], ['inspection_hits_2y', true], ['clearance_days', false]];

/** The vertical job's settings in this example (the holdout comes from the options). */
export const VERTICAL_JOB_TRAIN = { epochs: 8, batchSize: 256, learningRate: 0.5 } as const;
/** The split MLP's settings: 2 hidden units per party and an L2 penalty of 0.01, otherwise as the logistic job. */
export const VERTICAL_MLP = { model: { type: 'mlp', hidden: 2 }, l2: 0.01 } as const;

/** Generates the consortium, runs the vertical job, and fits and scores the bank-only and centralized models. */
export async function verticalBaselines(opts: BaselineOptions): Promise<BaselineReport> {
  const started = performance.now();
  const consortium = generateVerticalConsortium({ seed: opts.seed, scale: opts.scale });
  const { bank, platform, customs } = consortium;
  const salt = opts.salt ?? 'example-consortium';
  const job = exampleJob('bank', ['platform', 'customs'], { ...VERTICAL_JOB_TRAIN, holdout: opts.holdout ?? 0.25 });
  const bankIds = tableColumn(bank, bank.idColumn);
  // The job's row plan is the split of every model.
  const planSeed = deriveSeed(opts.seed, 'vertical:plan');
  const { train, test } = examplePlan(job, bankIds, planSeed);
  const n = bank.rows.length;
  const y = tableColumn(bank, 'default').map((v) => (v === '1' ? 1 : 0));

  const party = (tb: VerticalTable, cols: NumericColumn[], labelColumn?: string) =>
    verticalPartyData(tb.header, tb.rows, { idColumn: tb.idColumn, ...(labelColumn ? { labelColumn } : {}), logColumns: cols.filter(([, log]) => log).map(([name]) => name), source: tb.name });
  const data = { bank: party(bank, BANK_NUMERIC, 'default'), platform: party(platform, PLATFORM_NUMERIC), customs: party(customs, CUSTOMS_NUMERIC) };
  const jobNumbers = await runExampleJob(job, data, { salt, planSeed, test: test.length });
  const mlpJob = exampleJob('bank', ['platform', 'customs'], { ...VERTICAL_JOB_TRAIN, ...VERTICAL_MLP, holdout: opts.holdout ?? 0.25 });
  const mlp = await runExampleJob(mlpJob, data, { salt, planSeed, test: test.length });
  const join = (tb: VerticalTable) => joinByIds(bankIds, tableColumn(tb, tb.idColumn), job.ids);
  const alignment = { platform: join(platform), customs: join(customs) };
  const psi = (name: 'platform' | 'customs'): PsiCounts => {
    const counts = { label: jobNumbers.psi.labelIds, feature: jobNumbers.psi.partyIds[name]!, shared: jobNumbers.psi.shared[name]! };
    if (counts.shared !== alignment[name].counts.shared) throw new Error(`the job matched ${counts.shared} of the ${name}'s IDs, a plain join ${alignment[name].counts.shared}`);
    return counts;
  };

  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const product = tableColumn(bank, 'product');
  const bankBlock = [
    ...numericBlock(bank, identity, BANK_NUMERIC, train),
    ...['card', 'business'].map((level) => Float64Array.from(product, (p) => (p === level ? 1 : 0))),
  ];
  const platformBlock = partyBlock(platform, alignment.platform, n, PLATFORM_NUMERIC, train);
  const customsBlock = partyBlock(customs, alignment.customs, n, CUSTOMS_NUMERIC, train);

  const evaluate = (columns: Float64Array[]): Scores => {
    const rowsOf = (idx: number[]) => idx.map((i) => Float64Array.from(columns, (c) => c[i]!));
    const model = fitLogistic(rowsOf(train), train.map((i) => y[i]!));
    const scores = scoreLogistic(model, rowsOf(test));
    const labels = test.map((i) => y[i]!);
    return { auc: exactAuc(scores, labels), ks: exactKs(scores, labels), inputs: columns.length };
  };
  const rate = (idx: number[]) => idx.reduce((s, i) => s + y[i]!, 0) / idx.length;
  const { auc, ks, inputs } = jobNumbers.joint;
  return {
    consortium,
    psi: { platform: psi('platform'), customs: psi('customs'), seconds: jobNumbers.seconds.psi },
    alignment,
    split: { train: train.length, test: test.length, trainDefaultRate: rate(train), testDefaultRate: rate(test) },
    bankOnly: evaluate(bankBlock),
    centralized: evaluate([...bankBlock, ...platformBlock, ...customsBlock]),
    federated: { auc, ks, inputs },
    federatedMlp: { auc: mlp.joint.auc, ks: mlp.joint.ks, inputs },
    job: jobNumbers,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A feature party's input columns indexed by bank row: its numeric columns (0 where the party
 * does not know the borrower) and a last 0/1 column saying whether it does.
 */
function partyBlock(t: VerticalTable, a: Alignment, bankRows: number, cols: NumericColumn[], train: number[]): Float64Array[] {
  const partyRowOf = new Int32Array(bankRows).fill(-1);
  a.labelRows.forEach((bankRow, k) => {
    partyRowOf[bankRow] = a.featureRows[k]!;
  });
  return [...numericBlock(t, partyRowOf, cols, train), Float64Array.from(partyRowOf, (r) => (r >= 0 ? 1 : 0))];
}

/**
 * Standardized numeric columns indexed by bank row, read from table row `rowOf[bankRow]` (−1:
 * absent, 0). Mean and standard deviation come from the training bank rows' present cells only.
 */
function numericBlock(t: VerticalTable, rowOf: Int32Array, cols: NumericColumn[], train: number[]): Float64Array[] {
  return cols.map(([name, log]) => {
    const raw = tableColumn(t, name);
    const value = (bankRow: number): number => {
      const r = rowOf[bankRow]!;
      const cell = r < 0 ? '' : raw[r]!.trim();
      if (cell === '') return Number.NaN;
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new RangeError(`${t.name}.${name}: "${cell}" is not a number`);
      return log ? Math.sign(v) * Math.log1p(Math.abs(v)) : v;
    };
    let count = 0;
    let sum = 0;
    let sumSq = 0;
    for (const i of train) {
      const v = value(i);
      if (Number.isNaN(v)) continue;
      count++;
      sum += v;
      sumSq += v * v;
    }
    const mean = count > 0 ? sum / count : 0;
    const sd = count > 1 ? Math.sqrt(Math.max(0, sumSq / count - mean * mean)) : 0;
    return Float64Array.from({ length: rowOf.length }, (_, i) => {
      const v = value(i);
      return Number.isNaN(v) || sd === 0 ? 0 : (v - mean) / sd;
    });
  });
}
