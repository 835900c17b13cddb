/**
 * The columnar, typed {@link Table} every participant trains on, validation of a whole parsed CSV
 * file into one (through the row sink in table-builder.ts, where raw cells become model inputs),
 * and row subsets.
 *
 * Pure module: rows come in as strings, the table goes out; the caller does the file I/O.
 */
import { CoreInputError } from '../types.ts';
import type { DataSchema } from './schema.ts';
import { TableBuilder } from './table-builder.ts';

export { raggedRowMessage } from './table-builder.ts';

/** A validated table in columnar form; row i of every array is data row i of the file. */
export interface Table {
  /** Number of rows. */
  n: number;
  /** 1 = positive (schema.label.positive), 0 = negative. */
  labels: Uint8Array;
  /** One array per schema.numeric feature, in schema order; NaN where the cell was missing. */
  numeric: Float64Array[];
  /** One array per schema.categorical feature: index into `encodedLevels(feature)`. */
  categorical: Int32Array[];
}

/** Options of {@link validateTable}. */
export interface ValidateOptions {
  /** Stop listing problems after this many (they are still counted). Default 20. */
  maxErrors?: number;
  /** Physical line number of each row (from the CSV reader); default: row i is on line i + 2. */
  lines?: ArrayLike<number>;
  /**
   * Accept a header without the label column (applicants to score): every label is then 0 and the
   * result's `labelled` is false. A label column that is present is validated as usual.
   */
  labelOptional?: boolean;
}

/**
 * Checks `rows` (cells as strings, header excluded) against `schema` and returns the typed table
 * plus warnings (unused columns, unseen categories mapped to `__other__`). Throws one
 * {@link DataError} listing every problem found; `file` names the source in messages. The checks
 * themselves are the {@link TableBuilder}'s, which streaming sources feed row by row.
 */
export function validateTable(
  header: string[],
  rows: string[][],
  schema: DataSchema,
  file: string,
  opts: ValidateOptions = {},
): { table: Table; warnings: string[]; labelled: boolean } {
  const builder = new TableBuilder(header, schema, file, { maxErrors: opts.maxErrors, expectedRows: rows.length, labelOptional: opts.labelOptional === true });
  const n = rows.length;
  const { lines } = opts;
  if (lines !== undefined && lines.length < n) {
    throw new CoreInputError(`validateTable: opts.lines has ${lines.length} line numbers for ${n} rows`, 'lines');
  }
  // lines.length >= n is checked above, so lines[i] exists for every row index i.
  for (let i = 0; i < n; i++) builder.add(rows[i]!, lines ? lines[i]! : i + 2);
  return builder.finish();
}

/** Rows of `table` at `indices` (in that order), as a new table. */
export function subsetTable(table: Table, indices: Uint32Array): Table {
  for (const [k, index] of indices.entries()) {
    if (index >= table.n) {
      throw new CoreInputError(
        `subsetTable: index ${index} at position ${k} is out of range for a table of ${table.n} rows`,
        'indices',
      );
    }
  }
  const pick = <A extends Uint8Array | Float64Array | Int32Array>(src: A, make: (n: number) => A): A => {
    const out = make(indices.length);
    // Every index was checked against table.n above, and every column has table.n entries.
    for (let k = 0; k < indices.length; k++) out[k] = src[indices[k]!]!;
    return out;
  };
  return {
    n: indices.length,
    labels: pick(table.labels, (m) => new Uint8Array(m)),
    numeric: table.numeric.map((c) => pick(c, (m) => new Float64Array(m))),
    categorical: table.categorical.map((c) => pick(c, (m) => new Int32Array(m))),
  };
}
