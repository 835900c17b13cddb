/**
 * The reference numbers a vertical federated model must beat on the synthetic vertical
 * consortium (sim/synthetic/vertical.ts): the platform's and customs' tables are aligned to the
 * bank's by private set intersection, the bank's borrowers are split once into training and
 * held-out rows, and two logistic regressions are fitted on the training rows and scored on the
 * held-out ones:
 *
 *   bank-only     the bank's own columns;
 *   centralized   every party's columns pooled in one place after alignment — the upper
 *                 reference a vertical model (which never pools the columns) aims to approach.
 *
 * Encoding: numeric columns are optionally log-transformed (log1p, for counts and amounts),
 * standardized with the training rows' mean and standard deviation, and a missing cell becomes 0
 * (the mean); the bank's `product` is one-hot (personal is the reference). For a party that does
 * not know a borrower, every column of that party is 0 and the party's 0/1 "present" input is 0.
 */
import { exactAuc, exactKs } from '../../core/metrics/exact.ts';
import { deriveSeed, seededRng, shuffleInPlace } from '../../core/random.ts';
import { intersectPair } from '../../participant/psi/intersect.ts';
import { PsiPool } from '../../participant/psi/pool.ts';
import { generateVerticalConsortium, tableColumn, type VerticalConsortium, type VerticalTable } from '../../sim/synthetic/vertical.ts';
import { fitLogistic, scoreLogistic } from './logistic.ts';
import { trainSharedLogistic } from '../../sim/vertical/shared-logistic.ts';

/** Options of {@link verticalBaselines}. */
export interface BaselineOptions {
  seed: number;
  /** Size of the consortium relative to 6,000 bank borrowers (default 1). */
  scale?: number;
  /** Share of the bank's borrowers held out for evaluation (default 0.25). */
  holdout?: number;
  /** The consortium's PSI salt (default "example-consortium"). */
  salt?: string;
  /** PSI worker threads (default 2). */
  workers?: number;
}

/** Held-out discrimination of one model. */
export interface Scores {
  auc: number;
  ks: number;
  /** Model inputs (without the intercept). */
  inputs: number;
}

/** An alignment of a feature party to the bank (as returned by `intersectPair`). */
export interface Alignment {
  labelRows: Uint32Array;
  featureRows: Uint32Array;
  counts: { label: number; feature: number; shared: number };
}

/** What {@link verticalBaselines} measured. */
export interface BaselineReport {
  consortium: VerticalConsortium;
  psi: { platform: Alignment; customs: Alignment; seconds: number };
  split: { train: number; test: number; trainDefaultRate: number; testDefaultRate: number };
  bankOnly: Scores;
  centralized: Scores;
  /** Vertical logistic regression trained on secret shares, simulated in this process. */
  sharedVertical: Scores;
  seconds: number;
}

/** A numeric column and whether it is log1p-transformed before standardization. */
type NumericColumn = readonly [name: string, log: boolean];

const BANK_NUMERIC: NumericColumn[] = [['bureau_score', false], ['past_due_30d_2y', true], ['debt_to_income', false], ['loan_amount', true], ['months_on_book', false]];
const PLATFORM_NUMERIC: NumericColumn[] = [['orders_12m', false], ['avg_basket', true], ['return_rate', false], ['bnpl_share', false], ['late_bnpl_12m', true], ['account_age_months', false]];
const CUSTOMS_NUMERIC: NumericColumn[] = [['declarations_12m', true], ['declared_value_k', true], ['inspection_hits_2y', true], ['clearance_days', false]];

/** Generates the consortium, aligns it by PSI, and fits and scores the bank-only and centralized models. */
export async function verticalBaselines(opts: BaselineOptions): Promise<BaselineReport> {
  const started = performance.now();
  const consortium = generateVerticalConsortium({ seed: opts.seed, scale: opts.scale });
  const { bank, platform, customs } = consortium;
  const salt = opts.salt ?? 'example-consortium';
  const pool = new PsiPool(opts.workers ?? 2);
  const t = performance.now();
  let aligned: [Alignment, Alignment];
  try {
    const bankIds = tableColumn(bank, bank.idColumn);
    const psi = (party: VerticalTable) => intersectPair(bankIds, tableColumn(party, party.idColumn), { salt, canonicalization: { form: 'alnum' }, pool });
    aligned = [await psi(platform), await psi(customs)];
  } finally {
    await pool.close();
  }
  const psiSeconds = (performance.now() - t) / 1000;

  const n = bank.rows.length;
  const y = tableColumn(bank, 'default').map((v) => (v === '1' ? 1 : 0));
  const order = shuffleInPlace(Uint32Array.from({ length: n }, (_, i) => i), seededRng(deriveSeed(opts.seed, 'vertical:holdout'))) as Uint32Array;
  const nTest = Math.round((opts.holdout ?? 0.25) * n);
  const test = Array.from(order.subarray(0, nTest)).sort((a, b) => a - b);
  const train = Array.from(order.subarray(nTest)).sort((a, b) => a - b);

  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const product = tableColumn(bank, 'product');
  const bankBlock = [
    ...numericBlock(bank, identity, BANK_NUMERIC, train),
    ...['card', 'business'].map((level) => Float64Array.from(product, (p) => (p === level ? 1 : 0))),
  ];
  const platformBlock = partyBlock(platform, aligned[0], n, PLATFORM_NUMERIC, train);
  const customsBlock = partyBlock(customs, aligned[1], n, CUSTOMS_NUMERIC, train);

  const evaluate = (columns: Float64Array[]): Scores => {
    const rowsOf = (idx: number[]) => idx.map((i) => Float64Array.from(columns, (c) => c[i]!));
    const model = fitLogistic(rowsOf(train), train.map((i) => y[i]!));
    const scores = scoreLogistic(model, rowsOf(test));
    const labels = test.map((i) => y[i]!);
    return { auc: exactAuc(scores, labels), ks: exactKs(scores, labels), inputs: columns.length };
  };
  const rate = (idx: number[]) => idx.reduce((s, i) => s + y[i]!, 0) / idx.length;
  return {
    consortium,
    psi: { platform: aligned[0], customs: aligned[1], seconds: psiSeconds },
    split: { train: train.length, test: test.length, trainDefaultRate: rate(train), testDefaultRate: rate(test) },
    bankOnly: evaluate(bankBlock),
    centralized: evaluate([...bankBlock, ...platformBlock, ...customsBlock]),
    sharedVertical: sharedVertical([[Float64Array.from({ length: n }, () => 1), ...bankBlock], platformBlock, customsBlock], y, train, test, opts.seed),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The vertical model trained on secret shares (sim/vertical/shared-logistic.ts), scored with the
 * exact logistic function on the held-out rows.
 */
function sharedVertical(blocks: Float64Array[][], y: number[], train: number[], test: number[], seed: number): Scores {
  const w = trainSharedLogistic(blocks, y, train, { epochs: 8, batchBits: 8, learningRate: 0.5, rng: seededRng(deriveSeed(seed, 'vertical:shares')) });
  const cols = blocks.flat();
  const scores = test.map((i) => 1 / (1 + Math.exp(-cols.reduce((z, c, j) => z + c[i]! * w[j]!, 0))));
  const labels = test.map((i) => y[i]!);
  return { auc: exactAuc(scores, labels), ks: exactKs(scores, labels), inputs: cols.length - 1 };
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
