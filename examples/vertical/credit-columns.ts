/**
 * The real credit_data set (examples/data/credit_data.csv, 4,454 loan applications) split by
 * COLUMNS into a two-party vertical consortium: the same applicants, each party knowing
 * different facts about them under its own ID format.
 *
 *   bank      label `Status` + Seniority, Records, Job, Time, Amount, Price
 *   platform  Home, Age, Marital, Expenses, Income, Assets, Debt
 *
 * Rationale. The bank is the lender: it holds the outcome of its own loans and what its loan
 * file and the credit bureau tell it — the requested term (`Time`) and amount (`Amount`), the
 * price of the financed purchase (`Price`), the employment the applicant declared and the bank
 * verified (`Job`, years with the employer `Seniority`) and the bureau's arrears flag
 * (`Records`). The platform is a household-finance service (a budgeting app or marketplace
 * wallet) that sees the applicant's living situation and money flows: housing (`Home`), age,
 * marital status, monthly expenses and income, assets and other debt. Both halves carry signal
 * (Records, Job and Seniority at the bank; Income, Home and Assets at the platform), so the
 * pooled model clearly beats the bank alone and a vertical model has something to recover.
 *
 * IDs. Every applicant gets a synthetic customer number from its file row (row r → number r+1,
 * zero-padded to 4 digits): "C0001" at the bank, "c-0001" at the platform. They meet only after
 * canonicalization with `form: 'alnum'` (both become "c0001"), as private set intersection needs.
 *
 * Partial overlap. The platform does not know a seeded share (default 10 %) of the bank's
 * customers; those rows are absent from its table (not blank rows). Its remaining rows are in a
 * seeded shuffled order, so aligning the two tables really needs the intersection.
 */
import { deriveSeed, seededRng, shuffleInPlace } from '../../core/random.ts';

/** How one source column is encoded (credit-encode.ts). */
export interface ColumnSpec {
  name: string;
  kind: 'numeric' | 'categorical';
  /** Numeric only: transform with log1p before standardizing (skewed amounts with many zeros). */
  log?: boolean;
}

/** The bank's feature columns (the label `Status` is kept separately). */
export const BANK_COLUMNS: readonly ColumnSpec[] = [
  { name: 'Seniority', kind: 'numeric' },
  { name: 'Records', kind: 'categorical' },
  { name: 'Job', kind: 'categorical' },
  { name: 'Time', kind: 'numeric' },
  { name: 'Amount', kind: 'numeric' },
  { name: 'Price', kind: 'numeric' },
];

/** The platform's columns. */
export const PLATFORM_COLUMNS: readonly ColumnSpec[] = [
  { name: 'Home', kind: 'categorical' },
  { name: 'Age', kind: 'numeric' },
  { name: 'Marital', kind: 'categorical' },
  { name: 'Expenses', kind: 'numeric' },
  { name: 'Income', kind: 'numeric' },
  { name: 'Assets', kind: 'numeric', log: true },
  { name: 'Debt', kind: 'numeric', log: true },
];

/** The label column and its positive (default) value. */
export const LABEL_COLUMN = 'Status';
export const POSITIVE_LABEL = 'bad';
/** Default share of the bank's customers the platform does not know. */
export const DEFAULT_PLATFORM_MISSING = 0.1;

/** One party's table: an ID column first, then its columns, cells as read from the CSV. */
export interface PartyTable {
  name: 'bank' | 'platform';
  idColumn: string;
  header: string[];
  rows: string[][];
}

/** The two parties' tables. */
export interface CreditColumnSplit {
  /** `customer_id`, `Status`, then {@link BANK_COLUMNS}; one row per file row, in file order. */
  bank: PartyTable;
  /** `platform_user`, then {@link PLATFORM_COLUMNS}; the known customers, shuffled. */
  platform: PartyTable;
  /** File rows (= bank rows) the platform does not know, ascending. */
  platformMissingRows: number[];
}

/** Options of {@link splitCreditColumns}. */
export interface ColumnSplitOptions {
  seed: number;
  /** Share of the bank's customers absent from the platform's table (default 0.1). */
  platformMissing?: number;
}

/** The bank's ID for file row `row` ("C0001" for row 0). */
export function bankId(row: number): string {
  return `C${String(row + 1).padStart(4, '0')}`;
}

/** The platform's ID for file row `row` ("c-0001" for row 0): the same customer, written its way. */
export function platformId(row: number): string {
  return `c-${String(row + 1).padStart(4, '0')}`;
}

/**
 * Splits credit_data's rows by columns as the module header describes. `header` must contain
 * `Status` and every column of both parties. Deterministic in `seed`: the platform's missing
 * customers come from `deriveSeed(seed, "credit-columns:missing")`, its row order from
 * `deriveSeed(seed, "credit-columns:order")`.
 */
export function splitCreditColumns(header: readonly string[], rows: readonly string[][], o: ColumnSplitOptions): CreditColumnSplit {
  const missing = o.platformMissing ?? DEFAULT_PLATFORM_MISSING;
  if (!(missing >= 0 && missing < 1)) throw new RangeError(`platformMissing must be in [0, 1), got ${missing}`);
  const index = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new RangeError(`credit_data has no "${name}" column (header: ${header.join(', ')})`);
    return i;
  };
  const label = index(LABEL_COLUMN);
  const bankCols = BANK_COLUMNS.map((c) => index(c.name));
  const platformCols = PLATFORM_COLUMNS.map((c) => index(c.name));
  rows.forEach((row, r) => {
    if (row.length !== header.length) throw new RangeError(`row ${r} has ${row.length} cells, the header has ${header.length}`);
    const status = row[label]!.trim();
    if (status !== POSITIVE_LABEL && status !== 'good') throw new RangeError(`row ${r}: Status "${status}" is neither "bad" nor "good"`);
  });

  const n = rows.length;
  const drop = shuffleInPlace(Uint32Array.from({ length: n }, (_, i) => i), seededRng(deriveSeed(o.seed, 'credit-columns:missing'))) as Uint32Array;
  const platformMissingRows = Array.from(drop.subarray(0, Math.round(missing * n))).sort((a, b) => a - b);
  const absent = new Set(platformMissingRows);
  const known = Uint32Array.from({ length: n }, (_, i) => i).filter((r) => !absent.has(r));
  shuffleInPlace(known, seededRng(deriveSeed(o.seed, 'credit-columns:order')));

  return {
    bank: {
      name: 'bank',
      idColumn: 'customer_id',
      header: ['customer_id', LABEL_COLUMN, ...BANK_COLUMNS.map((c) => c.name)],
      rows: rows.map((row, r) => [bankId(r), row[label]!.trim(), ...bankCols.map((c) => row[c]!)]),
    },
    platform: {
      name: 'platform',
      idColumn: 'platform_user',
      header: ['platform_user', ...PLATFORM_COLUMNS.map((c) => c.name)],
      rows: Array.from(known, (r) => [platformId(r), ...platformCols.map((c) => rows[r]![c]!)]),
    },
    platformMissingRows,
  };
}

/** The cells of column `name` of a party table, one per row. */
export function partyColumn(t: PartyTable, name: string): string[] {
  const i = t.header.indexOf(name);
  if (i < 0) throw new RangeError(`${t.name} has no column "${name}"`);
  return t.rows.map((row) => row[i]!);
}
