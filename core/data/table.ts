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
): { table: Table; warnings: string[] } {
  const warnings: string[] = [];
  const cols = resolveColumns(header, schema, file, warnings);
  if (rows.length === 0) throw dataError({ file }, 'file has a header but no data rows');

  const n = rows.length;
  const isMissing = missingMarkers(schema.missingValues);
  const errors = new ErrorCollector(file, opts.maxErrors ?? 20);
  const lineOf = (i: number): number => (opts.lines ? opts.lines[i] : i + 2);
  const { positive, negative } = schema.label;
  const negatives = negative ? new Set(negative) : undefined;
  const labelColumn = schema.label.column;

  const labels = new Uint8Array(n);
  const numeric = schema.numeric.map(() => new Float64Array(n));
  const categorical = schema.categorical.map(() => new Int32Array(n));
  const catIndex = schema.categorical.map((f) => new Map(f.levels.map((l, k) => [l, k] as const)));
  const catLevels = schema.categorical.map((f) => encodedLevels(f));
  const unseen = schema.categorical.map(() => new Map<string, number>());
  const unseenFirstLine = schema.categorical.map(() => new Map<string, number>());

  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const line = lineOf(i);
    if (row.length !== header.length) {
      errors.add(line, undefined, raggedRowMessage(row, header.length));
      continue;
    }

    const rawLabel = row[cols.label];
    const label = rawLabel.trim();
    if (isMissing(rawLabel)) {
      errors.add(line, labelColumn, `the label is missing; every row needs an outcome (${expectedLabels(schema)}) — fill it in or remove the row`);
    } else if (label === positive) {
      labels[i] = 1;
    } else if (negatives && !negatives.has(label)) {
      errors.add(line, labelColumn, `unexpected label ${quoteValue(rawLabel)}; expected ${expectedLabels(schema)}`);
    }

    schema.numeric.forEach((f, j) => {
      const cell = row[cols.numeric[j]];
      if (isMissing(cell)) {
        if (f.missing === 'error') {
          errors.add(line, f.name, `the value is missing, and the schema does not allow missing values for this feature (missing: "error") — fill it in, or set missing to "mean" or "zero"`);
        }
        numeric[j][i] = Number.NaN;
        return;
      }
      const v = parseNumberCell(cell);
      if (v === undefined) errors.add(line, f.name, describeNonNumber(cell, schema.missingValues));
      else numeric[j][i] = v;
    });

    schema.categorical.forEach((f, j) => {
      const cell = row[cols.categorical[j]];
      const levels = catLevels[j];
      if (isMissing(cell)) {
        if (f.missing === 'error') {
          errors.add(line, f.name, `the value is missing, and the schema does not allow missing values for this feature (missing: "error") — fill it in, or set missing to "level"`);
        } else {
          categorical[j][i] = levels.indexOf(MISSING_LEVEL);
        }
        return;
      }
      const value = cell.trim();
      const k = catIndex[j].get(value);
      if (k !== undefined) {
        categorical[j][i] = k;
      } else if (f.unseen === 'other') {
        categorical[j][i] = levels.indexOf(OTHER_LEVEL);
        unseen[j].set(value, (unseen[j].get(value) ?? 0) + 1);
        if (!unseenFirstLine[j].has(value)) unseenFirstLine[j].set(value, line);
      } else {
        errors.add(
          line,
          f.name,
          `unknown category ${quoteValue(cell)}; the schema's levels are ${quoteList(f.levels, 20)} ` +
            `(add it to levels, or set unseen: "other" to encode unknown values as "${OTHER_LEVEL}")`,
        );
      }
    });
  }
  errors.throwIfAny();

  schema.categorical.forEach((f, j) => {
    if (unseen[j].size === 0) return;
    const entries = sortCounts(unseen[j]);
    const rowsAffected = entries.reduce((a, [, c]) => a + c, 0);
    const firstLine = Math.min(...unseenFirstLine[j].values());
    warnings.push(
      `${file}, column ${JSON.stringify(f.name)}: ${entries.length} value(s) not among the schema's levels ` +
        `were encoded as "${OTHER_LEVEL}" in ${rowsAffected} row(s) (first on line ${firstLine}): ${formatCounts(entries)}`,
    );
  });
  return { table: { n, labels, numeric, categorical }, warnings };
}

/** Column positions of the schema's columns in the header. */
interface ColumnIndex {
  label: number;
  numeric: number[];
  categorical: number[];
}

/** Checks the header (duplicates, required columns) and maps schema columns to positions. */
function resolveColumns(header: string[], schema: DataSchema, file: string, warnings: string[]): ColumnIndex {
  if (header.length === 0 || (header.length === 1 && header[0].trim() === '')) {
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

  const required = [schema.label.column, ...schema.numeric.map((f) => f.name), ...schema.categorical.map((f) => f.name)];
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

  const used = new Set([...required, ...schema.ignore]);
  const unused = names.filter((h) => !used.has(h));
  if (unused.length > 0) {
    warnings.push(
      `${file}: column(s) not in the schema are ignored: ${quoteList(unused)} ` +
        `(list them under "ignore" in the schema to silence this warning)`,
    );
  }
  const at = (c: string): number => position.get(c) as number;
  return {
    label: at(schema.label.column),
    numeric: schema.numeric.map((f) => at(f.name)),
    categorical: schema.categorical.map((f) => at(f.name)),
  };
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
  if (got === 1 && row[0].trim() === '') return `${base}; the line is blank — delete it`;
  if (got > expected) return `${base}; a value may contain an unquoted comma — put such values in double quotes`;
  return `${base}; a value or a delimiter is missing`;
}

/** Rows of `table` at `indices` (in that order), as a new table. */
export function subsetTable(table: Table, indices: Uint32Array): Table {
  for (let k = 0; k < indices.length; k++) {
    if (indices[k] >= table.n) {
      throw new CoreInputError(
        `subsetTable: index ${indices[k]} at position ${k} is out of range for a table of ${table.n} rows`,
        'indices',
      );
    }
  }
  const pick = <A extends Uint8Array | Float64Array | Int32Array>(src: A, make: (n: number) => A): A => {
    const out = make(indices.length);
    for (let k = 0; k < indices.length; k++) out[k] = src[indices[k]];
    return out;
  };
  return {
    n: indices.length,
    labels: pick(table.labels, (m) => new Uint8Array(m)),
    numeric: table.numeric.map((c) => pick(c, (m) => new Float64Array(m))),
    categorical: table.categorical.map((c) => pick(c, (m) => new Int32Array(m))),
  };
}
