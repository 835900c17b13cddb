/**
 * The credit_data vertical consortium measured (credit-columns.ts for the split): the platform
 * is aligned to the bank by private set intersection, the bank's customers are split once into
 * training and held-out rows, and three logistic regressions are scored on the same held-out rows:
 *
 *   labelHolderOnly  the bank's own inputs (exact Newton solver, logistic.ts);
 *   centralized      both parties' inputs pooled in one place (the same solver) — the reference;
 *   federated        both parties' inputs, trained by a {@link VerticalTrainer}: by default
 *                    `trainSharedLogistic` (sim/vertical/shared-logistic.ts, logistic regression
 *                    on additive secret shares simulated in this process).
 *
 * Hold-out: 30 % of the bank's customers by default, stratified by label (that share of the
 * defaulters and that share of the others, each drawn by a seeded shuffle), so both parts keep
 * the data's 28.2 % default rate.
 */
import { exactAuc, exactKs } from '../../core/metrics/exact.ts';
import { deriveSeed, seededRng, shuffleInPlace } from '../../core/random.ts';
import { intersectPair } from '../../participant/psi/intersect.ts';
import { PsiPool } from '../../participant/psi/pool.ts';
import { readCsvFile } from '../../sim/csv.ts';
import { trainSharedLogistic } from '../../sim/vertical/shared-logistic.ts';
import { CREDIT_DATA_PATH } from '../credit/split.ts';
import { BANK_COLUMNS, LABEL_COLUMN, PLATFORM_COLUMNS, POSITIVE_LABEL, partyColumn, splitCreditColumns } from './credit-columns.ts';
import { encodeParty } from './credit-encode.ts';
import { fitLogistic, scoreLogistic } from './logistic.ts';

/**
 * Trains a vertical logistic regression. `blocks[p]` are party p's input columns over ALL aligned
 * (bank) rows — the first block starts with a constant 1 column for the intercept — `y` the 0/1
 * labels over the same rows, `train` the rows to train on. Returns one weight per column, in
 * block order (`blocks.flat()`). A networked trainer may return a promise.
 */
export type VerticalTrainer = (blocks: Float64Array[][], y: Float64Array | number[], train: number[]) => Float64Array | Promise<Float64Array>;

/** Settings of the default trainer (`trainSharedLogistic`). */
export interface SharedTrainerSettings {
  epochs: number;
  batchBits: number;
  learningRate: number;
  /** Seed of the dealer's and the parties' randomness. */
  seed: number;
}

/** The default trainer's settings, tuned on credit_data (examples/vertical/README.md). */
export const DEFAULT_SHARED_SETTINGS: Omit<SharedTrainerSettings, 'seed'> = { epochs: 10, batchBits: 7, learningRate: 0.5 };

/** The default trainer: logistic regression on secret shares with these settings. */
export function sharedLogisticTrainer(s: SharedTrainerSettings): VerticalTrainer {
  return (blocks, y, train) =>
    trainSharedLogistic(blocks, y, train, { epochs: s.epochs, batchBits: s.batchBits, learningRate: s.learningRate, rng: seededRng(deriveSeed(s.seed, 'credit-vertical:shares')) });
}

/** Options of {@link creditVerticalReport}. */
export interface CreditVerticalOptions {
  /** Seed of the split, the hold-out and the default trainer (default 1). */
  seed?: number;
  /** Share of the bank's customers held out (default 0.3). */
  holdout?: number;
  /** Share of the bank's customers the platform does not know (default 0.1). */
  platformMissing?: number;
  /** The credit_data CSV (default: examples/data/credit_data.csv). */
  input?: string;
  /** PSI salt (default "credit-consortium") and worker threads (default 2). */
  salt?: string;
  workers?: number;
  /** Overrides of {@link DEFAULT_SHARED_SETTINGS} (ignored when a trainer is passed). */
  shared?: Partial<Omit<SharedTrainerSettings, 'seed'>>;
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
  psi: { label: number; feature: number; shared: number; seconds: number };
  split: { train: number; test: number; trainDefaultRate: number; testDefaultRate: number };
  inputs: { bank: string[]; platform: string[] };
  labelHolderOnly: Scores;
  centralized: Scores;
  federated: Scores;
  /** The default trainer's settings, or "custom" when a trainer was passed. */
  trainer: SharedTrainerSettings | 'custom';
  seconds: number;
}

/** Splits, aligns, encodes, trains the three models and scores them (module header). */
export async function creditVerticalReport(options: CreditVerticalOptions = {}, trainer?: VerticalTrainer): Promise<CreditVerticalReport> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const { header, rows } = readCsvFile(options.input ?? CREDIT_DATA_PATH);
  const { bank, platform } = splitCreditColumns(header, rows, { seed, platformMissing: options.platformMissing });

  let t = performance.now();
  const pool = new PsiPool(options.workers ?? 2);
  const aligned = await intersectPair(partyColumn(bank, bank.idColumn), partyColumn(platform, platform.idColumn), {
    salt: options.salt ?? 'credit-consortium',
    canonicalization: { form: 'alnum' },
    pool,
  }).finally(() => pool.close());
  const psiSeconds = (performance.now() - t) / 1000;

  const n = bank.rows.length;
  const y: number[] = partyColumn(bank, LABEL_COLUMN).map((s) => (s === POSITIVE_LABEL ? 1 : 0));
  const { train, test } = stratifiedHoldout(y, options.holdout ?? 0.3, seed);

  // The bank knows every one of its rows; the platform only the rows the intersection matched.
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const platformRowOf = new Int32Array(n).fill(-1);
  aligned.labelRows.forEach((bankRow, k) => (platformRowOf[bankRow] = aligned.featureRows[k]!));
  const bankBlock = encodeParty(bank, BANK_COLUMNS, { rowOf: identity, train, presence: false });
  const platformBlock = encodeParty(platform, PLATFORM_COLUMNS, { rowOf: platformRowOf, train, presence: true });

  const labels = test.map((i) => y[i]!);
  const newton = (columns: Float64Array[]): Scores => {
    const s = performance.now();
    const rowsOf = (idx: number[]) => idx.map((i) => Float64Array.from(columns, (c) => c[i]!));
    const model = fitLogistic(rowsOf(train), train.map((i) => y[i]!));
    const scores = scoreLogistic(model, rowsOf(test));
    return { auc: exactAuc(scores, labels), ks: exactKs(scores, labels), inputs: columns.length, seconds: (performance.now() - s) / 1000 };
  };
  const labelHolderOnly = newton(bankBlock.columns);
  const centralized = newton([...bankBlock.columns, ...platformBlock.columns]);

  const settings: SharedTrainerSettings = { ...DEFAULT_SHARED_SETTINGS, ...options.shared, seed };
  const trainJoint = trainer ?? sharedLogisticTrainer(settings);
  const blocks = [[Float64Array.from({ length: n }, () => 1), ...bankBlock.columns], platformBlock.columns];
  const columns = blocks.flat();
  t = performance.now();
  const w = await trainJoint(blocks, y, train);
  const trainSeconds = (performance.now() - t) / 1000;
  if (w.length !== columns.length) throw new RangeError(`the trainer returned ${w.length} weights for ${columns.length} columns`);
  const scores = test.map((i) => columns.reduce((z, c, j) => z + c[i]! * w[j]!, 0));
  const federated = { auc: exactAuc(scores, labels), ks: exactKs(scores, labels), inputs: columns.length - 1, seconds: trainSeconds };

  const rate = (idx: readonly number[]) => idx.reduce((s, i) => s + y[i]!, 0) / idx.length;
  return {
    rows: { bank: n, platform: platform.rows.length, defaultRate: y.reduce((a, b) => a + b, 0) / n },
    psi: { ...aligned.counts, seconds: psiSeconds },
    split: { train: train.length, test: test.length, trainDefaultRate: rate(train), testDefaultRate: rate(test) },
    inputs: { bank: bankBlock.names, platform: platformBlock.names },
    labelHolderOnly,
    centralized,
    federated,
    trainer: trainer ? 'custom' : settings,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Held-out rows: `share` of the positives and of the negatives (rounded), each chosen by a shuffle
 * seeded with `deriveSeed(seed, "credit-vertical:holdout")`; both lists ascending.
 */
export function stratifiedHoldout(y: readonly number[], share: number, seed: number): { train: number[]; test: number[] } {
  if (!(share > 0 && share < 1)) throw new RangeError(`holdout must be in (0, 1), got ${share}`);
  const rng = seededRng(deriveSeed(seed, 'credit-vertical:holdout'));
  const test: number[] = [];
  for (const cls of [1, 0]) {
    const rows = y.flatMap((v, i) => (v === cls ? [i] : []));
    shuffleInPlace(rows, rng);
    test.push(...rows.slice(0, Math.round(share * rows.length)));
  }
  const held = new Set(test);
  return { train: y.flatMap((_, i) => (held.has(i) ? [] : [i])), test: test.sort((a, b) => a - b) };
}
