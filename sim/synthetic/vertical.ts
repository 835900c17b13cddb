/**
 * Seeded generator of the synthetic VERTICAL consortium: three parties that know different
 * columns about the SAME borrowers, each filing them under an ID written its own way.
 *
 *   bank      every borrower; ID `C-000123`; the label `default` (0/1, about 14 % ones) and
 *             bureau_score, past_due_30d_2y, debt_to_income, loan_amount, months_on_book, product
 *   platform  about 85 % of the bank's borrowers plus platform-only users (20 % of the bank's
 *             size); ID `c000123`, some with surrounding spaces; orders_12m, avg_basket,
 *             return_rate, bnpl_share, late_bnpl_12m, account_age_months
 *   customs   exactly the bank's merchant borrowers (about 28 %) plus a few declarants the bank
 *             does not know (2 % of the bank's size); ID `C/000123`; declarations_12m,
 *             declared_value_k, inspection_hits_2y, clearance_days
 *
 * The three ID formats meet after canonicalization with `form: 'alnum'` (core/psi/ids.ts): all
 * become `c000123`. The risk model (ground truth) is in vertical-truth.ts: the default logit sums
 * a bank part (history, leverage, tenure), a platform part (spending stability), a customs part
 * (merchants' trade health) and two interactions. The columns are in vertical-columns.ts, the
 * file writer in vertical-write.ts.
 *
 * The generator is a pure function of its options: every random draw comes from
 * `seededRng(deriveSeed(seed, "vertical:<purpose>"))` (core/random.ts), one stream per purpose
 * (population, labels, each party's columns, coverage, IDs, row order, outside entries).
 */
import { deriveSeed, seededRng, shuffleInPlace, uniform01 } from '../../core/random.ts';
import {
  BANK_COLUMNS,
  bankCells,
  CUSTOMS_COLUMNS,
  customsCells,
  drawVerticalBorrower,
  ID_FORMATS,
  PLATFORM_COLUMNS,
  PLATFORM_SPACED_SHARE,
  platformCells,
} from './vertical-columns.ts';
import { logistic, verticalLogit, type VerticalBorrower } from './vertical-truth.ts';

export { BANK_COLUMNS, CUSTOMS_COLUMNS, PLATFORM_COLUMNS, PRODUCTS } from './vertical-columns.ts';
export { verticalLogit, verticalLogitParts, type VerticalBorrower } from './vertical-truth.ts';

/** Options of {@link generateVerticalConsortium}. */
export interface VerticalOptions {
  /** Seed of every random draw; the same seed gives the same tables. */
  seed: number;
  /** Multiplies every size (default 1: 6,000 bank borrowers); at least 10 borrowers are kept. */
  scale?: number;
}

/** Bank borrowers at scale 1. */
export const VERTICAL_BORROWERS = 6000;
/** Share of the bank's borrowers the platform knows. */
export const PLATFORM_COVERAGE = 0.85;
/** Platform-only users, as a share of the bank's borrowers. */
export const PLATFORM_ONLY_SHARE = 0.2;
/** Customs declarants the bank does not know, as a share of the bank's borrowers. */
export const CUSTOMS_ONLY_SHARE = 0.02;

/** One party's table: an ID column first, then its data columns; "" is a missing cell. */
export interface VerticalTable {
  name: 'bank' | 'platform' | 'customs';
  /** Name of the ID column (the first column of `header`). */
  idColumn: string;
  header: string[];
  rows: string[][];
}

/** The generated consortium, with the true join for checking an alignment. */
export interface VerticalConsortium {
  bank: VerticalTable;
  platform: VerticalTable;
  customs: VerticalTable;
  /** Realized share of the bank's rows whose `default` is 1. */
  defaultRate: number;
  /** The latent borrower behind each bank row (bank row order). */
  borrowers: VerticalBorrower[];
  /** For each platform row, the bank row of the same borrower, or −1 for a platform-only user. */
  platformToBank: Int32Array;
  /** For each customs row, the bank row of the same borrower, or −1 for a declarant the bank does not know. */
  customsToBank: Int32Array;
}

/**
 * Generates the three tables. Borrowers are drawn once; the label is Bernoulli(σ(verticalLogit));
 * each party sees its own noisy columns of the borrowers it covers; outside entries (platform-only
 * users, unknown declarants) are fresh borrowers without a bank row. Party rows are shuffled.
 */
export function generateVerticalConsortium(opts: VerticalOptions): VerticalConsortium {
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const stream = (purpose: string) => seededRng(deriveSeed(opts.seed, `vertical:${purpose}`));
  const n = Math.max(10, Math.round(VERTICAL_BORROWERS * scale));
  const nPlatformOnly = Math.round(PLATFORM_ONLY_SHARE * n);
  const nCustomsOnly = Math.max(1, Math.round(CUSTOMS_ONLY_SHARE * n));

  const population = stream('population');
  const borrowers = Array.from({ length: n }, () => drawVerticalBorrower(population));
  const platformOnly = Array.from({ length: nPlatformOnly }, () => drawVerticalBorrower(population));
  const customsOnly = Array.from({ length: nCustomsOnly }, () => drawVerticalBorrower(population, true));

  // One customer number per person, unique across everyone (bank borrowers and outside entries).
  const numbers = shuffleInPlace(
    Uint32Array.from({ length: n + nPlatformOnly + nCustomsOnly }, (_, i) => i + 1),
    stream('ids'),
  ) as Uint32Array;
  const numberOf = (k: number) => numbers[k]!;

  const labels = stream('labels');
  const bankRng = stream('bank');
  let defaults = 0;
  const bankRows = borrowers.map((b, i) => {
    const isDefault = uniform01(labels) < logistic(verticalLogit(b));
    if (isDefault) defaults++;
    return [ID_FORMATS.bank(numberOf(i)), ...bankCells(b, bankRng), isDefault ? '1' : '0'];
  });

  const coverage = stream('coverage');
  const onPlatform = borrowers.map(() => uniform01(coverage) < PLATFORM_COVERAGE);
  const spacing = stream('spacing');
  const platformRng = stream('platform');
  const platformEntries: { bankRow: number; number: number; borrower: VerticalBorrower }[] = [];
  borrowers.forEach((b, i) => {
    if (onPlatform[i]) platformEntries.push({ bankRow: i, number: numberOf(i), borrower: b });
  });
  platformOnly.forEach((b, k) => platformEntries.push({ bankRow: -1, number: numberOf(n + k), borrower: b }));
  const platform = shuffled(platformEntries, stream('platform-order')).map((e) => ({
    bankRow: e.bankRow,
    row: [ID_FORMATS.platform(e.number, uniform01(spacing) < PLATFORM_SPACED_SHARE), ...platformCells(e.borrower, platformRng)],
  }));

  const customsRng = stream('customs');
  const customsEntries: { bankRow: number; number: number; borrower: VerticalBorrower }[] = [];
  borrowers.forEach((b, i) => {
    if (b.merchant) customsEntries.push({ bankRow: i, number: numberOf(i), borrower: b });
  });
  customsOnly.forEach((b, k) => customsEntries.push({ bankRow: -1, number: numberOf(n + nPlatformOnly + k), borrower: b }));
  const customs = shuffled(customsEntries, stream('customs-order')).map((e) => ({
    bankRow: e.bankRow,
    row: [ID_FORMATS.customs(e.number), ...customsCells(e.borrower, customsRng)],
  }));

  return {
    bank: { name: 'bank', idColumn: 'customer_id', header: ['customer_id', ...BANK_COLUMNS], rows: bankRows },
    platform: { name: 'platform', idColumn: 'platform_uid', header: ['platform_uid', ...PLATFORM_COLUMNS], rows: platform.map((p) => p.row) },
    customs: { name: 'customs', idColumn: 'declarant_id', header: ['declarant_id', ...CUSTOMS_COLUMNS], rows: customs.map((c) => c.row) },
    defaultRate: defaults / n,
    borrowers,
    platformToBank: Int32Array.from(platform, (p) => p.bankRow),
    customsToBank: Int32Array.from(customs, (c) => c.bankRow),
  };
}

/**
 * The true alignment of a feature party to the bank, in the form `intersectPair` returns: for
 * every bank row (ascending) that the party knows, that bank row and the party's row.
 */
export function trueAlignment(toBank: Int32Array, bankRows: number): { labelRows: Uint32Array; featureRows: Uint32Array } {
  const partyRowOf = new Int32Array(bankRows).fill(-1);
  toBank.forEach((bankRow, partyRow) => {
    if (bankRow >= 0) partyRowOf[bankRow] = partyRow;
  });
  const labelRows: number[] = [];
  const featureRows: number[] = [];
  partyRowOf.forEach((partyRow, bankRow) => {
    if (partyRow < 0) return;
    labelRows.push(bankRow);
    featureRows.push(partyRow);
  });
  return { labelRows: Uint32Array.from(labelRows), featureRows: Uint32Array.from(featureRows) };
}

/** The column of a table by name, as strings (one per row). */
export function tableColumn(t: VerticalTable, name: string): string[] {
  const j = t.header.indexOf(name);
  if (j < 0) throw new RangeError(`${t.name} has no column "${name}"`);
  return t.rows.map((r) => r[j]!);
}

function shuffled<T>(items: T[], rng: ReturnType<typeof seededRng>): T[] {
  const order = shuffleInPlace(Uint32Array.from(items, (_, i) => i), rng) as Uint32Array;
  return Array.from(order, (i) => items[i]!);
}
