/**
 * A non-IID split of the real credit_data set (examples/data) across three lenders, for the
 * real-data federated scenario.
 *
 * Split rule: each row goes to one party, drawn at random with probabilities that depend on the
 * applicant's housing (`Home`) and age (`Age`):
 *
 *   Home                      bank-north  bank-south  lender-online
 *   owner                        0.75        0.17         0.08
 *   rent                         0.15        0.60         0.25
 *   parents                      0.20        0.50         0.30
 *   other/priv/ignore/missing    0.30        0.40         0.30
 *
 * then the lender-online weight is multiplied by 1.5 for applicants younger than 30 and by 2 for
 * part-time workers (`Job` = "partime"), and the weights are normalized. So bank-north is mostly
 * home owners (the safest group), bank-south mostly renters and people living with their
 * parents, and the online lender leans to the young and to part-time workers (the riskiest job
 * group): in expectation the parties hold about 45% / 33% / 22% of the rows with default rates
 * of about 22% / 32% / 35%, and their feature distributions differ, while every kind of applicant
 * still appears at every party. The draw is a pure
 * function of the seed (`seededRng(deriveSeed(seed, "credit-split"))`, one uniform per row in
 * file order), and each party keeps its rows in file order.
 *
 *   npx tsx examples/credit/split.ts --out DIR [--seed N] [--in CSV]
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveSeed, seededRng, uniform01 } from '../../core/random.ts';
import { intOption, parseOptions, readCsvFile, writeCsvFile, runAsScript } from '../../sim/csv.ts';

/** The three parties of the credit_data split, in output order. */
export const CREDIT_PARTIES = ['bank-north', 'bank-south', 'lender-online'] as const;
/** Name of a party of the credit_data split. */
export type CreditParty = (typeof CREDIT_PARTIES)[number];

/** Affinity of each housing situation to [bank-north, bank-south, lender-online]. */
export const HOME_AFFINITY: Record<string, readonly [number, number, number]> = {
  owner: [0.75, 0.17, 0.08],
  rent: [0.15, 0.6, 0.25],
  parents: [0.2, 0.5, 0.3],
};
/** Affinity of every other `Home` value (other, priv, ignore, missing). */
export const OTHER_HOME_AFFINITY: readonly [number, number, number] = [0.3, 0.4, 0.3];
/** Applicants younger than this lean to the online lender. */
export const YOUNG_AGE = 30;
/** Factor on the online lender's weight for young applicants. */
export const YOUNG_ONLINE_BOOST = 1.5;
/** Factor on the online lender's weight for part-time workers (`Job` = "partime"). */
export const PARTTIME_ONLINE_BOOST = 2;

/** Default seed of the split. */
export const DEFAULT_SPLIT_SEED = 11;
/** Default input file: the copy of credit_data in examples/data. */
export const CREDIT_DATA_PATH = fileURLToPath(new URL('../data/credit_data.csv', import.meta.url));

/** One party's share of the split: its name and its rows (same cells as the input). */
export interface CreditSplitPart {
  name: CreditParty;
  rows: string[][];
}

/**
 * Splits credit_data rows across the three parties by the rule in the module header. `header`
 * must contain `Home`, `Age` and `Job`; rows are not copied (each output row is an input row).
 */
export function splitCreditData(
  header: readonly string[],
  rows: readonly string[][],
  opts: { parties: 3; seed: number },
): CreditSplitPart[] {
  if (opts.parties !== 3) throw new RangeError(`splitCreditData supports exactly 3 parties, got ${opts.parties}`);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  const home = header.indexOf('Home');
  const age = header.indexOf('Age');
  const job = header.indexOf('Job');
  if (home < 0 || age < 0 || job < 0) throw new RangeError('the header must contain the columns "Home", "Age" and "Job"');
  const rng = seededRng(deriveSeed(opts.seed, 'credit-split'));
  const parts: CreditSplitPart[] = CREDIT_PARTIES.map((name) => ({ name, rows: [] }));
  for (const [r, row] of rows.entries()) {
    const homeCell = row[home];
    const ageCell = row[age];
    const jobCell = row[job];
    if (homeCell === undefined || ageCell === undefined || jobCell === undefined) {
      throw new RangeError(`row ${r} has ${row.length} cells, too few for the "Home", "Age" and "Job" columns of the header (${header.length} columns)`);
    }
    const weights: [number, number, number] = [...(HOME_AFFINITY[homeCell.trim()] ?? OTHER_HOME_AFFINITY)];
    const years = Number(ageCell);
    if (ageCell.trim() !== '' && years < YOUNG_AGE) weights[2] *= YOUNG_ONLINE_BOOST;
    if (jobCell.trim() === 'partime') weights[2] *= PARTTIME_ONLINE_BOOST;
    // drawIndex returns an index < weights.length = parts.length (3).
    parts[drawIndex(weights, uniform01(rng))]!.rows.push(row);
  }
  return parts;
}

/** Index i chosen with probability weights[i] / Σ weights, given a uniform u in [0, 1). */
function drawIndex(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let left = u * total;
  for (const [i, w] of weights.entries()) {
    left -= w;
    if (left < 0) return i;
  }
  return weights.length - 1;
}

/** Summary of one written party file. */
export interface WrittenCreditPart {
  name: CreditParty;
  path: string;
  rows: number;
  /** Share of rows whose `Status` is "bad". */
  defaultRate: number;
}

/** Share of rows whose `Status` cell is "bad". */
export function badRate(header: readonly string[], rows: readonly string[][]): number {
  const status = header.indexOf('Status');
  if (status < 0) throw new RangeError('the header has no "Status" column');
  return rows.length === 0 ? 0 : rows.filter((r) => r[status] === 'bad').length / rows.length;
}

/**
 * Reads credit_data (default: examples/data/credit_data.csv), splits it and writes
 * `dir/<party>.csv` with the original header; returns what was written.
 */
export function writeCreditSplit(dir: string, seed: number = DEFAULT_SPLIT_SEED, input: string = CREDIT_DATA_PATH): WrittenCreditPart[] {
  const { header, rows } = readCsvFile(input);
  return splitCreditData(header, rows, { parties: 3, seed }).map((part) => ({
    name: part.name,
    path: writeCsvFile(join(dir, `${part.name}.csv`), header, part.rows),
    rows: part.rows.length,
    defaultRate: badRate(header, part.rows),
  }));
}

/** The command line: parses options, writes the files and prints their paths. */
export function main(argv: readonly string[]): void {
  const opts = parseOptions(argv, ['out', 'seed', 'in']);
  if (!opts.out) throw new RangeError('usage: split.ts --out DIR [--seed N] [--in CSV]');
  const written = writeCreditSplit(resolve(opts.out), intOption(opts, 'seed', DEFAULT_SPLIT_SEED), opts.in ?? CREDIT_DATA_PATH);
  for (const w of written) console.log(`${w.path}  ${w.rows} rows, default rate ${(100 * w.defaultRate).toFixed(1)}%`);
}

runAsScript(import.meta.url, main);
