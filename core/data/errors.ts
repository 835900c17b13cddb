/**
 * Errors for bad input data (CSV files, schema files, rows and cells). Every error names WHERE the
 * problem is — file, line, column — so that an operator can open the file and fix it.
 *
 * Line convention: a "line" is the physical line number an editor shows, counting the header as
 * line 1, so the first data row is normally line 2. A row whose quoted value spans several lines
 * is reported at the line where the row starts.
 *
 * Pure module: no I/O.
 */

/** Where in the input a problem is. All parts are optional; the more the better. */
export interface DataLocation {
  /** File name or path, as the user supplied it. */
  file?: string;
  /** 1-based physical line number; the header is line 1. */
  line?: number;
  /** 1-based data row number, for sources without lines (a database table or query). */
  row?: number;
  /** Column name as written in the header. */
  column?: string;
}

/** How a source numbers its rows in messages: physical file lines, or data rows counted from 1. */
export type RowNumbering = 'line' | 'row';

/**
 * Bad input data. `message` is complete and user-facing; the location fields repeat the location
 * of the (first) problem for programs. `problems` lists every problem when several were collected.
 */
export class DataError extends Error {
  file?: string;
  line?: number;
  row?: number;
  column?: string;
  /** Individual problem messages when one error reports several (each with its own location). */
  problems: string[];

  constructor(message: string, where: DataLocation = {}, options?: { cause?: unknown; problems?: string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataError';
    this.file = where.file;
    this.line = where.line;
    this.row = where.row;
    this.column = where.column;
    this.problems = options?.problems ?? [message];
  }
}

/**
 * Renders a location as `credit.csv line 17, column "Income"` or `table "loans" row 16, column
 * "Income"` (parts that are unknown are left out).
 */
export function formatLocation(where: DataLocation): string {
  const parts: string[] = [];
  let head = where.file ?? '';
  if (where.line !== undefined) head = head ? `${head} line ${where.line}` : `line ${where.line}`;
  if (where.row !== undefined) head = head ? `${head} row ${where.row}` : `row ${where.row}`;
  if (head) parts.push(head);
  if (where.column !== undefined) parts.push(`column ${JSON.stringify(where.column)}`);
  return parts.join(', ');
}

/** A DataError whose message is `<location>: <detail>`. */
export function dataError(where: DataLocation, detail: string, cause?: unknown): DataError {
  const loc = formatLocation(where);
  return new DataError(loc ? `${loc}: ${detail}` : detail, where, { cause });
}

/** Quotes a cell value for a message, shortening long values so one bad cell cannot flood the log. */
export function quoteValue(value: string, max = 40): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}

/** Quotes and joins names: `"a", "b", "c"`, listing at most `max` and saying how many were left out. */
export function quoteList(names: readonly string[], max = 30): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n));
  if (names.length > max) shown.push(`… (${names.length - max} more)`);
  return shown.join(', ');
}

/**
 * Collects per-row problems of one file (or other source) up to a limit, keeps counting past it,
 * and throws them as one DataError. The thrown error carries the first problem's location in its
 * fields. `numbering` says whether positions are file lines or data rows.
 */
export class ErrorCollector {
  private readonly items: { where: DataLocation; detail: string }[] = [];
  private total = 0;

  constructor(
    private readonly file: string,
    private readonly maxErrors = 20,
    private readonly numbering: RowNumbering = 'line',
  ) {}

  /** Records a problem at a line (or row, see `numbering`) and (optionally) a column. */
  add(position: number | undefined, column: string | undefined, detail: string): void {
    this.total++;
    if (this.items.length >= this.maxErrors) return;
    const at = position === undefined ? {} : this.numbering === 'line' ? { line: position } : { row: position };
    this.items.push({ where: { file: this.file, ...at, column }, detail });
  }

  /** Number of problems recorded so far (including those past the limit). */
  get count(): number {
    return this.total;
  }

  /** Throws the collected problems as one DataError; does nothing when there are none. */
  throwIfAny(): void {
    if (this.total === 0) return;
    const first = this.items[0];
    if (first === undefined) {
      // maxErrors <= 0: the problems were counted but none was kept.
      throw new DataError(
        `${this.file}: ${this.total} problem${this.total === 1 ? '' : 's'} found (none listed: maxErrors is ${this.maxErrors})`,
        { file: this.file },
      );
    }
    const problems = this.items.map((it) => `${formatLocation(it.where)}: ${it.detail}`);
    if (this.total === 1) {
      throw new DataError(`${formatLocation(first.where)}: ${first.detail}`, first.where, { problems });
    }
    const shown = this.items.length < this.total ? `; showing the first ${this.items.length}` : '';
    const numbering = this.numbering === 'line' ? 'line numbers count the header as line 1' : 'rows are numbered from 1 in the order they were read';
    const head = `${this.file}: ${this.total} problems found (${numbering}${shown}):`;
    const lines = this.items.map(
      (it) => `  ${formatLocation({ line: it.where.line, row: it.where.row, column: it.where.column }) || '(whole file)'}: ${it.detail}`,
    );
    throw new DataError([head, ...lines].join('\n'), first.where, { problems });
  }
}
