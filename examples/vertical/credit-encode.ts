/**
 * One party's model inputs for the credit_data vertical split (credit-columns.ts), computed by
 * that party from its own table alone, indexed by the label holder's (bank's) rows after
 * alignment.
 *
 * Each party learns from the bank which aligned rows are training rows (row numbers only, no
 * labels) and fits every statistic — means, standard deviations, category levels — on the
 * training rows it holds; held-out rows are encoded with those statistics, never their own.
 *
 *   numeric      a cell that is empty or carries the source's missing code 99999999 is
 *                missing; optionally log1p; standardized with the training rows' mean and
 *                standard deviation of the present cells; a missing cell becomes 0 (mean
 *                imputation) and, when the column has any missing training cell, a 0/1
 *                `<name>:missing` input says so.
 *   categorical  one 0/1 input per level seen in the training rows except the most frequent one
 *                (the reference, all zeros); an empty cell is its own level `missing`; a level
 *                not seen in training also encodes as all zeros.
 *   presence     for a party that may not know a bank customer (the platform), a last 0/1
 *                input `<party>:has_record`. For an unknown customer every input of that party
 *                is 0 — the row is kept, never dropped.
 */
import type { ColumnSpec, PartyTable } from './credit-columns.ts';
import { partyColumn } from './credit-columns.ts';

/** The source's code for a missing number (the original credit scoring files use it). */
export const MISSING_CODE = 99999999;

/** A party's encoded inputs: one column per input, indexed by bank row. */
export interface EncodedBlock {
  names: string[];
  columns: Float64Array[];
}

/** Options of {@link encodeParty}. */
export interface EncodeOptions {
  /** `rowOf[bankRow]`: the party's table row of that bank customer, or −1 when it has none. */
  rowOf: Int32Array;
  /** Training rows (bank row indices): the only rows statistics are fitted on. */
  train: readonly number[];
  /** Append the `<party>:has_record` input (for a party that may miss customers). */
  presence: boolean;
}

/** Encodes `specs` of party table `t` as the module header describes. */
export function encodeParty(t: PartyTable, specs: readonly ColumnSpec[], o: EncodeOptions): EncodedBlock {
  const block: EncodedBlock = { names: [], columns: [] };
  for (const spec of specs) {
    const raw = partyColumn(t, spec.name);
    const cellOf = (bankRow: number): string | undefined => {
      const r = o.rowOf[bankRow]!;
      return r < 0 ? undefined : raw[r]!.trim();
    };
    const part = spec.kind === 'numeric' ? encodeNumeric(t.name, spec, cellOf, o) : encodeCategorical(spec, cellOf, o);
    block.names.push(...part.names);
    block.columns.push(...part.columns);
  }
  if (o.presence) {
    block.names.push(`${t.name}:has_record`);
    block.columns.push(Float64Array.from(o.rowOf, (r) => (r >= 0 ? 1 : 0)));
  }
  return block;
}

/** A cell by bank row: undefined when the party does not know that customer. */
type CellOf = (bankRow: number) => string | undefined;

function encodeNumeric(party: string, spec: ColumnSpec, cellOf: CellOf, o: EncodeOptions): EncodedBlock {
  // NaN: a missing cell of a known customer; undefined: an unknown customer.
  const value = (bankRow: number): number | undefined => {
    const cell = cellOf(bankRow);
    if (cell === undefined) return undefined;
    if (cell === '') return Number.NaN;
    const v = Number(cell);
    if (!Number.isFinite(v)) throw new RangeError(`${party}.${spec.name}: "${cell}" is not a number`);
    if (v >= MISSING_CODE) return Number.NaN;
    return spec.log ? Math.sign(v) * Math.log1p(Math.abs(v)) : v;
  };
  let count = 0;
  let missing = 0;
  let sum = 0;
  let sumSq = 0;
  for (const i of o.train) {
    const v = value(i);
    if (v === undefined) continue;
    if (Number.isNaN(v)) {
      missing++;
      continue;
    }
    count++;
    sum += v;
    sumSq += v * v;
  }
  const mean = count > 0 ? sum / count : 0;
  const sd = count > 1 ? Math.sqrt(Math.max(0, sumSq / count - mean * mean)) : 0;
  const n = o.rowOf.length;
  const out: EncodedBlock = {
    names: [spec.name],
    columns: [
      Float64Array.from({ length: n }, (_, i) => {
        const v = value(i);
        return v === undefined || Number.isNaN(v) || sd === 0 ? 0 : (v - mean) / sd;
      }),
    ],
  };
  if (missing > 0) {
    out.names.push(`${spec.name}:missing`);
    out.columns.push(Float64Array.from({ length: n }, (_, i) => (Number.isNaN(value(i)) ? 1 : 0)));
  }
  return out;
}

function encodeCategorical(spec: ColumnSpec, cellOf: CellOf, o: EncodeOptions): EncodedBlock {
  const level = (bankRow: number): string | undefined => {
    const cell = cellOf(bankRow);
    return cell === undefined ? undefined : cell === '' ? 'missing' : cell;
  };
  const counts = new Map<string, number>();
  for (const i of o.train) {
    const l = level(i);
    if (l !== undefined) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  // Most frequent first (ties by name, so the order does not depend on the rows' order).
  const levels = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l);
  const n = o.rowOf.length;
  const kept = levels.slice(1);
  return {
    names: kept.map((l) => `${spec.name}=${l}`),
    columns: kept.map((l) => Float64Array.from({ length: n }, (_, i) => (level(i) === l ? 1 : 0))),
  };
}
