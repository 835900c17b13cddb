/**
 * Validation of parsed CSV rows against the shared {@link DataSchema}, producing a columnar,
 * typed {@link Table}. This is the single place where raw cells become model inputs, so every
 * problem is reported here with its file, line and column (see errors.ts for the line convention),
 * and as many problems as possible are reported at once (up to `maxErrors`).
 *
 * Pure module: rows come in as strings, the table goes out; the caller does the file I/O.
 */
import { describeNonNumber, formatCounts, missingMarkers, parseNumberCell, sortCounts } from './cells.ts';
import { CoreInputError } from '../types.ts';
import { ErrorCollector, dataError, quoteList, quoteValue } from './errors.ts';
import type { DataSchema } from './schema.ts';
import { MISSING_LEVEL, OTHER_LEVEL, encodedLevels } from './schema.ts';

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
 * {@link DataError} listing every problem found; `file` names the source in messages.
 */
export function validateTable(
  header: string[],
  rows: string[][],
  schema: DataSchema,
  file: string,
  opts: ValidateOptions = {},
): { table: Table; warnings: string[]; labelled: boolean } {
  const warnings: string[] = [];
  const cols = resolveColumns(header, schema, file, warnings, opts.labelOptional === true);
  if (rows.length === 0) throw dataError({ file }, 'file has a header but no data rows');

  const n = rows.length;
  const isMissing = missingMarkers(schema.missingValues);
  const errors = new ErrorCollector(file, opts.maxErrors ?? 20);
  const { lines } = opts;
  if (lines !== undefined && lines.length < n) {
    throw new CoreInputError(`validateTable: opts.lines has ${lines.length} line numbers for ${n} rows`, 'lines');
  }
  // lines.length >= n is checked above, so lines[i] exists for every row index i.
  const lineOf = (i: number): number => (lines ? lines[i]! : i + 2);
  const { positive, negative } = schema.label;
  const negatives = negative ? new Set(negative) : undefined;
  const labelColumn = schema.label.column;

  const labels = new Uint8Array(n);
  const numericCols = schema.numeric.map((f) => ({ f, at: cols.at(f.name), values: new Float64Array(n) }));
  const categoricalCols = schema.categorical.map((f) => ({
    f,
    at: cols.at(f.name),
    values: new Int32Array(n),
    index: new Map(f.levels.map((l, k) => [l, k] as const)),
    levels: encodedLevels(f),
    unseen: new Map<string, number>(),
    unseenFirstLine: new Map<string, number>(),
  }));

  for (const [i, row] of rows.entries()) {
    const line = lineOf(i);
    if (row.length !== header.length) {
      errors.add(line, undefined, raggedRowMessage(row, header.length));
      continue;
    }
    // From here row.length === header.length, and every column position from resolveColumns is
    // below header.length, so row[position] exists.

    const rawLabel = cols.label < 0 ? undefined : row[cols.label]!;
    const label = rawLabel?.trim();
    if (rawLabel === undefined) {
      // No label column (labelOptional): the row is an applicant without an outcome.
    } else if (isMissing(rawLabel)) {
      errors.add(line, labelColumn, `the label is missing; every row needs an outcome (${expectedLabels(schema)}) — fill it in or remove the row`);
    } else if (label === positive) {
      labels[i] = 1;
    } else if (negatives && !negatives.has(label!)) {
      errors.add(line, labelColumn, `unexpected label ${quoteValue(rawLabel)}; expected ${expectedLabels(schema)}`);
    }

    for (const { f, at, values } of numericCols) {
      const cell = row[at]!;
      if (isMissing(cell)) {
        if (f.missing === 'error') {
          errors.add(line, f.name, `the value is missing, and the schema does not allow missing values for this feature (missing: "error") — fill it in, or set missing to "mean" or "zero"`);
        }
        values[i] = Number.NaN;
        continue;
      }
      const v = parseNumberCell(cell);
      if (v === undefined) errors.add(line, f.name, describeNonNumber(cell, schema.missingValues));
      else values[i] = v;
    }

    for (const { f, at, values, index, levels, unseen, unseenFirstLine } of categoricalCols) {
      const cell = row[at]!;
      if (isMissing(cell)) {
        if (f.missing === 'error') {
          errors.add(line, f.name, `the value is missing, and the schema does not allow missing values for this feature (missing: "error") — fill it in, or set missing to "level"`);
        } else {
          values[i] = levels.indexOf(MISSING_LEVEL);
        }
        continue;
      }
      const value = cell.trim();
      const k = index.get(value);
      if (k !== undefined) {
        values[i] = k;
      } else if (f.unseen === 'other') {
        values[i] = levels.indexOf(OTHER_LEVEL);
        unseen.set(value, (unseen.get(value) ?? 0) + 1);
        if (!unseenFirstLine.has(value)) unseenFirstLine.set(value, line);
      } else {
        errors.add(
          line,
          f.name,
          `unknown category ${quoteValue(cell)}; the schema's levels are ${quoteList(f.levels, 20)} ` +
            `(add it to levels, or set unseen: "other" to encode unknown values as "${OTHER_LEVEL}")`,
        );
      }
    }
  }
  errors.throwIfAny();

  for (const { f, unseen, unseenFirstLine } of categoricalCols) {
    if (unseen.size === 0) continue;
    const entries = sortCounts(unseen);
    const rowsAffected = entries.reduce((a, [, c]) => a + c, 0);
    const firstLine = Math.min(...unseenFirstLine.values());
    warnings.push(
      `${file}, column ${JSON.stringify(f.name)}: ${entries.length} value(s) not among the schema's levels ` +
        `were encoded as "${OTHER_LEVEL}" in ${rowsAffected} row(s) (first on line ${firstLine}): ${formatCounts(entries)}`,
    );
  }
  const numeric = numericCols.map((c) => c.values);
  const categorical = categoricalCols.map((c) => c.values);
  return { table: { n, labels, numeric, categorical }, warnings, labelled: cols.label >= 0 };
}

/** Column positions of the schema's columns in the header. */
interface ColumnIndex {
  /** Position of the label column; -1 when it is absent and optional. */
  label: number;
  /** Position of a column the schema requires (label, numeric or categorical feature). */
  at: (column: string) => number;
}

/** Checks the header (duplicates, required columns) and maps schema columns to positions. */
function resolveColumns(header: string[], schema: DataSchema, file: string, warnings: string[], labelOptional: boolean): ColumnIndex {
  if (header.length === 0 || (header.length === 1 && header[0]?.trim() === '')) {
    throw dataError({ file }, 'file is empty (expected a header line followed by data rows)');
  }
  const names = header.map((h) => h.trim());
  const position = new Map<string, number>();
  const duplicates: string[] = [];
  names.forEach((name, k) => {
    const prev = position.get(name);
    if (prev !== undefined) duplicates.push(`${JSON.stringify(name)} (columns ${prev + 1} and ${k + 1})`);
    else position.set(name, k);
  });
  if (duplicates.length > 0) {
    throw dataError(
      { file, line: 1 },
      `the header names a column more than once: ${duplicates.join(', ')}; rename or remove the duplicates`,
    );
  }

  const withLabel = !labelOptional || position.has(schema.label.column);
  const required = [...(withLabel ? [schema.label.column] : []), ...schema.numeric.map((f) => f.name), ...schema.categorical.map((f) => f.name)];
  const missing = required.filter((c) => !position.has(c));
  if (missing.length > 0) {
    const lower = new Map(names.map((h) => [h.toLowerCase(), h] as const));
    const hints = missing
      .filter((c) => lower.has(c.toLowerCase()))
      .map((c) => `${JSON.stringify(c)} → found ${JSON.stringify(lower.get(c.toLowerCase()))}? (names are case-sensitive)`);
    throw dataError(
      { file, line: 1, column: missing[0] },
      `missing column(s) required by the schema: ${quoteList(missing)}; the header has: ${quoteList(names, 50)}` +
        (hints.length ? `; did you mean: ${hints.join('; ')}` : ''),
    );
  }

  const used = new Set([...required, schema.label.column, ...schema.ignore]);
  const unused = names.filter((h) => !used.has(h));
  if (unused.length > 0) {
    warnings.push(
      `${file}: column(s) not in the schema are ignored: ${quoteList(unused)} ` +
        `(list them under "ignore" in the schema to silence this warning)`,
    );
  }
  const at = (c: string): number => position.get(c) as number;
  return { label: withLabel ? at(schema.label.column) : -1, at };
}

/** The accepted label values, for messages: `"bad" (positive) or "good"`. */
function expectedLabels(schema: DataSchema): string {
  const { positive, negative } = schema.label;
  if (!negative) return `${JSON.stringify(positive)} (positive) or any other value (negative)`;
  return `${JSON.stringify(positive)} (positive) or ${quoteList(negative)} (negative)`;
}

/** Explains a row whose cell count differs from the header's. */
export function raggedRowMessage(row: readonly string[], expected: number): string {
  const got = row.length;
  const base = `the row has ${got} cell${got === 1 ? '' : 's'} but the header has ${expected} columns`;
  if (got === 1 && row[0]?.trim() === '') return `${base}; the line is blank — delete it`;
  if (got > expected) return `${base}; a value may contain an unquoted comma — put such values in double quotes`;
  return `${base}; a value or a delimiter is missing`;
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
