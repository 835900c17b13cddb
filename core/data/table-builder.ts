/**
 * The row sink every data source feeds: it checks each row of strings against the shared
 * {@link DataSchema} and appends it to a growing columnar {@link Table}. A CSV file hands it all
 * its rows at once ({@link validateTable}); a database cursor hands it batch after batch, so no
 * more than one batch of raw rows is ever held. Either way the checks and the messages are the
 * same: each problem names the source, the line (CSV) or row (database) and the column, and as
 * many problems as possible are reported at once (up to `maxErrors`).
 *
 * Pure module: rows come in as strings (or null for a database NULL), the table goes out.
 */
import { describeNonNumber, formatCounts, missingMarkers, parseNumberCell, sortCounts } from './cells.ts';
import { ErrorCollector, dataError, quoteList, quoteValue } from './errors.ts';
import type { RowNumbering } from './errors.ts';
import type { CategoricalFeature, DataSchema, NumericFeature } from './schema.ts';
import { MISSING_LEVEL, OTHER_LEVEL, encodedLevels } from './schema.ts';
import type { Table } from './table.ts';

/** Options of {@link TableBuilder}. */
export interface TableBuilderOptions {
  /** Stop listing problems after this many (they are still counted). Default 20. */
  maxErrors?: number;
  /** Whether positions passed to {@link TableBuilder.add} are file lines (header = 1) or data rows (from 1). Default 'line'. */
  numbering?: RowNumbering;
  /** Rows expected, to size the columns once; they grow when more arrive. */
  expectedRows?: number;
  /** The message when no row arrives. Default: `file has a header but no data rows`. */
  emptyMessage?: string;
  /**
   * Accept a header without the label column (applicants to score): every label is then 0 and
   * {@link TableBuilder.finish}'s `labelled` is false. A label column that is present is validated as usual.
   */
  labelOptional?: boolean;
}

interface NumericColumn {
  f: NumericFeature;
  at: number;
  values: Float64Array;
}

interface CategoricalColumn {
  f: CategoricalFeature;
  at: number;
  values: Int32Array;
  index: Map<string, number>;
  /**
   * The levels a cell can match as it stands — no surrounding whitespace to trim, and not a
   * missing-value marker — so the usual cell skips the marker check and the trim.
   */
  exact: Map<string, number>;
  missingCode: number;
  otherCode: number;
  unseen: Map<string, number>;
  firstUnseenAt: number;
}

/** Validates rows one at a time into a typed, columnar table; see the module comment. */
export class TableBuilder {
  private readonly warnings: string[] = [];
  private readonly errors: ErrorCollector;
  private readonly numbering: RowNumbering;
  private readonly isMissing: (cell: string) => boolean;
  /** Whether some missing-value marker reads as a number (e.g. "-999"); then every number is checked against the markers. */
  private readonly numericMarkers: boolean;
  private readonly labelAt: number;
  private readonly negatives: Set<string> | undefined;
  private readonly numericCols: NumericColumn[];
  private readonly categoricalCols: CategoricalColumn[];
  private labels: Uint8Array;
  private n = 0;

  /** Checks the header (duplicates, required columns) at once; throws a DataError when it is unusable. */
  constructor(
    private readonly header: readonly string[],
    private readonly schema: DataSchema,
    private readonly source: string,
    private readonly opts: TableBuilderOptions = {},
  ) {
    this.numbering = opts.numbering ?? 'line';
    const at = resolveColumns(header, schema, source, this.numbering, this.warnings, opts.labelOptional === true);
    const capacity = Math.max(1, opts.expectedRows ?? 1024);
    this.errors = new ErrorCollector(source, opts.maxErrors ?? 20, this.numbering);
    this.isMissing = missingMarkers(schema.missingValues);
    this.numericMarkers = schema.missingValues.some((m) => parseNumberCell(m) !== undefined);
    // -1: no label column (allowed with labelOptional).
    this.labelAt = at(schema.label.column) ?? -1;
    this.negatives = schema.label.negative ? new Set(schema.label.negative) : undefined;
    this.labels = new Uint8Array(capacity);
    // Every feature column is required, so resolveColumns found each one.
    this.numericCols = schema.numeric.map((f) => ({ f, at: at(f.name)!, values: new Float64Array(capacity) }));
    const markers = new Set(schema.missingValues.map((m) => m.trim()));
    this.categoricalCols = schema.categorical.map((f) => {
      const levels = encodedLevels(f);
      const index = new Map(f.levels.map((l, k) => [l, k] as const));
      return {
        f, at: at(f.name)!, values: new Int32Array(capacity), index,
        exact: new Map([...index].filter(([l]) => l === l.trim() && !markers.has(l))),
        missingCode: levels.indexOf(MISSING_LEVEL), otherCode: levels.indexOf(OTHER_LEVEL), unseen: new Map(), firstUnseenAt: 0,
      };
    });
  }

  /** Rows added so far. */
  get rows(): number {
    return this.n;
  }

  /** Problems found so far (rows with problems are still counted in {@link rows}). */
  get problems(): number {
    return this.errors.count;
  }

  /** Adds one data row (cells in header order; null = missing); `at` is its line or row number for messages. */
  /**
   * Per header column, 1 where a parser may hand over a plain integer cell as a number instead of
   * its text (a numeric feature column, when no missing-value marker reads as a number: then no
   * number needs its text again); undefined when none may.
   */
  numberColumns(): Uint8Array | undefined {
    if (this.numericMarkers || this.numericCols.length === 0) return undefined;
    const mask = new Uint8Array(this.header.length);
    for (const c of this.numericCols) mask[c.at] = 1;
    return mask;
  }

  /** Adds one row: cells as text (null = SQL NULL), or as numbers in {@link numberColumns}' columns. */
  add(row: readonly (string | number | null)[], at: number): void {
    if (this.n === this.labels.length) this.grow();
    const i = this.n++;
    if (row.length !== this.header.length) {
      this.errors.add(at, undefined, raggedRowMessage(row.map((c) => (c === null ? '' : String(c))), this.header.length));
      return;
    }
    // From here row.length === header.length, and every column position from resolveColumns is
    // below header.length, so row[position] exists (a string or null).
    const { schema, errors, isMissing } = this;

    // Only numeric feature columns carry numbers (numberColumns), so the label and categorical cells are text.
    const rawLabel = this.labelAt < 0 ? undefined : (row[this.labelAt] as string | null);
    if (rawLabel === undefined) {
      // No label column (labelOptional): the row is an applicant without an outcome.
    } else if (rawLabel === null || isMissing(rawLabel)) {
      errors.add(at, schema.label.column, `the label is missing; every row needs an outcome (${expectedLabels(schema)}) — fill it in or remove the row`);
    } else {
      const label = rawLabel.trim();
      if (label === schema.label.positive) this.labels[i] = 1;
      else if (this.negatives && !this.negatives.has(label)) {
        errors.add(at, schema.label.column, `unexpected label ${quoteValue(rawLabel)}; expected ${expectedLabels(schema)}`);
      }
    }

    // Indexed loops: this runs for every cell of files with millions of rows.
    const numericCols = this.numericCols;
    for (let k = 0; k < numericCols.length; k++) {
      const { f, at: col, values } = numericCols[k]!;
      const cell = row[col]!;
      if (typeof cell === 'number') {
        values[i] = cell;
        continue;
      }
      const v = cell === null ? undefined : parseNumberCell(cell);
      if (v !== undefined) {
        values[i] = v; // a number is never a missing-value marker (markers are checked below otherwise)
        if (!this.numericMarkers) continue;
      }
      if (cell === null || isMissing(cell)) {
        if (f.missing === 'error') {
          errors.add(at, f.name, `the value is missing, and the schema does not allow missing values for this feature (missing: "error") — fill it in, or set missing to "mean" or "zero"`);
        }
        values[i] = Number.NaN;
        continue;
      }
      if (v === undefined) errors.add(at, f.name, describeNonNumber(cell, schema.missingValues));
    }

    const categoricalCols = this.categoricalCols;
    for (let j = 0; j < categoricalCols.length; j++) {
      const c = categoricalCols[j]!;
      const cell = row[c.at] as string | null;
      const hit = cell === null ? undefined : c.exact.get(cell);
      if (hit !== undefined) {
        c.values[i] = hit;
        continue;
      }
      if (cell === null || isMissing(cell)) {
        if (c.f.missing === 'error') {
          errors.add(at, c.f.name, `the value is missing, and the schema does not allow missing values for this feature (missing: "error") — fill it in, or set missing to "level"`);
        } else {
          c.values[i] = c.missingCode;
        }
        continue;
      }
      const value = cell.trim();
      const k = c.index.get(value);
      if (k !== undefined) {
        c.values[i] = k;
      } else if (c.f.unseen === 'other') {
        c.values[i] = c.otherCode;
        if (c.unseen.size === 0) c.firstUnseenAt = at;
        c.unseen.set(value, (c.unseen.get(value) ?? 0) + 1);
      } else {
        errors.add(
          at,
          c.f.name,
          `unknown category ${quoteValue(cell)}; the schema's levels are ${quoteList(c.f.levels, 20)} ` +
            `(add it to levels, or set unseen: "other" to encode unknown values as "${OTHER_LEVEL}")`,
        );
      }
    }
  }

  /** The table and its warnings; throws one DataError listing every problem found (or when there was no row). */
  finish(): { table: Table; warnings: string[]; labelled: boolean } {
    if (this.n === 0) throw dataError({ file: this.source }, this.opts.emptyMessage ?? 'file has a header but no data rows');
    this.errors.throwIfAny();
    const where = this.numbering === 'line' ? 'line' : 'row';
    for (const { f, unseen, firstUnseenAt } of this.categoricalCols) {
      if (unseen.size === 0) continue;
      const entries = sortCounts(unseen);
      const rowsAffected = entries.reduce((a, [, c]) => a + c, 0);
      this.warnings.push(
        `${this.source}, column ${JSON.stringify(f.name)}: ${entries.length} value(s) not among the schema's levels ` +
          `were encoded as "${OTHER_LEVEL}" in ${rowsAffected} row(s) (first on ${where} ${firstUnseenAt}): ${formatCounts(entries)}`,
      );
    }
    // Columns are trimmed to n one at a time, each old array dropped before the next copy, so at
    // most one column is held twice.
    const n = this.n;
    const trimmed = <A extends Uint8Array | Float64Array | Int32Array>(a: A): A => (a.length === n ? a : (a.slice(0, n) as A));
    this.labels = trimmed(this.labels);
    for (const c of this.numericCols) c.values = trimmed(c.values);
    for (const c of this.categoricalCols) c.values = trimmed(c.values);
    const table: Table = { n, labels: this.labels, numeric: this.numericCols.map((c) => c.values), categorical: this.categoricalCols.map((c) => c.values) };
    return { table, warnings: [...this.warnings], labelled: this.labelAt >= 0 };
  }

  /** Doubles every column's capacity, one column at a time (see {@link finish}). */
  private grow(): void {
    const size = this.labels.length * 2;
    const bigger = <A extends Uint8Array | Float64Array | Int32Array>(a: A, make: (m: number) => A): A => {
      const out = make(size);
      out.set(a);
      return out;
    };
    this.labels = bigger(this.labels, (m) => new Uint8Array(m));
    for (const c of this.numericCols) c.values = bigger(c.values, (m) => new Float64Array(m));
    for (const c of this.categoricalCols) c.values = bigger(c.values, (m) => new Int32Array(m));
  }
}

/**
 * Checks the header (duplicates, required columns), records a warning for unused columns, and
 * returns the position of each column the schema requires.
 */
function resolveColumns(
  header: readonly string[], schema: DataSchema, source: string, numbering: RowNumbering, warnings: string[], labelOptional: boolean,
): (column: string) => number | undefined {
  if (header.length === 0 || (header.length === 1 && header[0]?.trim() === '')) {
    throw dataError({ file: source }, 'file is empty (expected a header line followed by data rows)');
  }
  // A CSV header is line 1; a database result's column list has no line of its own.
  const headerLine = numbering === 'line' ? { line: 1 } : {};
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
      { file: source, ...headerLine },
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
      { file: source, ...headerLine, column: missing[0] },
      `missing column(s) required by the schema: ${quoteList(missing)}; the header has: ${quoteList(names, 50)}` +
        (hints.length ? `; did you mean: ${hints.join('; ')}` : ''),
    );
  }

  const used = new Set([...required, ...schema.ignore]);
  const unused = names.filter((h) => !used.has(h));
  if (unused.length > 0) {
    warnings.push(
      `${source}: column(s) not in the schema are ignored: ${quoteList(unused)} ` +
        `(list them under "ignore" in the schema to silence this warning)`,
    );
  }
  return (c: string): number | undefined => position.get(c);
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
