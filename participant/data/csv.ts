/**
 * Reading a participant's CSV file safely: size and column limits, strict UTF-8 decoding (with the
 * byte offset, line and column of the first invalid byte), BOM stripping, and RFC 4180 parsing with
 * csv-parse whose errors are turned into {@link DataError}s naming the file and line.
 *
 * Line convention (errors.ts): physical line numbers as an editor shows them, header = line 1; a
 * row whose quoted value spans lines is reported at its first line.
 */
import { readFileSync, statSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { DataError, dataError } from '../../core/data/errors.ts';
import { raggedRowMessage } from '../../core/data/table.ts';
import { firstInvalidUtf8 } from './utf8.ts';

/** The UTF-8 validity scan (utf8.ts), re-exported for the readers' callers and tests. */
export { firstInvalidUtf8 } from './utf8.ts';

/** Limits of {@link readCsvFile}. */
export interface ReadCsvOptions {
  /** Largest accepted file, in bytes (a sanity check). Default 2 GiB. */
  maxBytes?: number;
  /** Most columns accepted on any line. Default 10,000. */
  maxColumns?: number;
}

/** A parsed CSV file: header, data rows (cells as strings, trimmed), and each row's first line. */
export interface CsvContent {
  header: string[];
  rows: string[][];
  /** Physical line number (header = 1) on which each data row starts. */
  lines: number[];
}

/** Default {@link ReadCsvOptions.maxBytes}: 2 GiB. */
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
/** Default {@link ReadCsvOptions.maxColumns}. */
export const DEFAULT_MAX_COLUMNS = 10_000;

/** Reads, decodes and parses a CSV file with a header line; throws DataError naming file and line. */
export function readCsvFile(path: string, opts: ReadCsvOptions = {}): CsvContent {
  const text = decodeUtf8(readBytes(path, opts.maxBytes ?? DEFAULT_MAX_BYTES), path, { csv: true });
  if (text.trim() === '') throw dataError({ file: path }, 'file is empty (expected a header line followed by data rows)');
  return parseCsvText(text, path, opts.maxColumns ?? DEFAULT_MAX_COLUMNS);
}

/** Reads a file's bytes, checking that it exists, is a regular file and is within `maxBytes`. */
export function readBytes(path: string, maxBytes: number): Buffer {
  fileSize(path, maxBytes);
  try {
    return readFileSync(path);
  } catch (e) {
    throw dataError({ file: path }, `cannot read the file: ${describeFsError(e)}`, e);
  }
}

/** The size of a file in bytes, checking that it exists, is a regular file and is within `maxBytes`. */
export function fileSize(path: string, maxBytes: number): number {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw dataError({ file: path }, 'is a directory, expected a file');
    size = st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw dataError({ file: path }, `cannot read the file: ${describeFsError(e)}`, e);
  }
  if (size > maxBytes) {
    throw dataError({ file: path }, `the file is ${size} bytes, more than the limit of ${maxBytes} bytes; split it or raise the limit`);
  }
  return size;
}

/** Human wording of common file-system errors. */
export function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file (check the path)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, expected a file';
  return e instanceof Error ? e.message : String(e);
}

/**
 * Decodes UTF-8 strictly and strips a leading BOM. On invalid bytes, reports the line and byte
 * offset of the first one (offset counted from 0 at the start of the file) and, for a CSV file
 * (`csv`), the header name of the column it is in.
 */
export function decodeUtf8(bytes: Uint8Array, file: string, opts: { csv?: boolean } = {}): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    const hex = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    const column = opts.csv ? csvColumnAt(bytes, offset) : undefined;
    throw dataError(
      { file, line, ...(column !== undefined ? { column } : {}) },
      `invalid UTF-8 byte 0x${hex} at byte offset ${offset}; the file must be UTF-8 encoded — ` +
        're-save it as UTF-8 (it is probably Latin-1 or Windows-1252)',
      e,
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The header name of the CSV column that byte `offset` lies in, or undefined when it lies in the
 * header itself or past the header's columns. Quotes, commas and line breaks are ASCII, so the
 * scan over raw bytes is exact even when other bytes are not valid UTF-8.
 */
export function csvColumnAt(bytes: Uint8Array, offset: number): string | undefined {
  let quoted = false;
  let cell = 0;
  let headerEnd = -1;
  let lineHasContent = false;
  // Bytes past the end (offset > bytes.length) could neither open a quote nor end a line.
  const end = Math.min(offset, bytes.length);
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (b === 0x0a || b === 0x0d) {
      if (headerEnd < 0 && lineHasContent) headerEnd = i;
      cell = 0;
      lineHasContent = false;
    } else if (b === 0x2c) cell++;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && !(i < 3 && b >= 0x80)) lineHasContent = true; // a BOM is not content
  }
  if (headerEnd < 0) return undefined;
  let header: string[];
  try {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, headerEnd)); // BOM stripped
    header = (parse(text, { trim: true, skip_empty_lines: true }) as string[][])[0] ?? [];
  } catch {
    return undefined;
  }
  return header[cell];
}

/**
 * Parses CSV text (comma-delimited, double-quoted, header on the first non-blank line). Cells are
 * trimmed; blank lines are skipped; rows must have as many cells as the header.
 */
export function parseCsvText(text: string, file: string, maxColumns = DEFAULT_MAX_COLUMNS): CsvContent {
  const records: string[][] = [];
  const lines: number[] = [];
  parseCsvRecords(text, file, { maxColumns, firstLine: 1 }, (record, line) => {
    records.push(record);
    lines.push(line);
  });
  const [header, ...rows] = records;
  if (header === undefined) throw dataError({ file }, 'file is empty (expected a header line followed by data rows)');
  lines.shift();
  if (rows.length === 0) throw dataError({ file }, 'file has a header but no data rows');
  return { header, rows, lines };
}

/** Where a block of CSV text sits in its file, and the checks {@link parseCsvRecords} applies. */
export interface CsvBlockOptions {
  maxColumns: number;
  /** Physical line number of the block's first line (1 for a whole file). */
  firstLine: number;
  /** Cells every record must have; undefined: as many as the block's first record (the header). */
  width?: number;
}

/**
 * The general RFC 4180 parser (csv-parse) over text holding whole records: calls `onRecord` with
 * each record (cells trimmed, blank lines skipped) and the physical line it starts on. Throws a
 * DataError at the offending line for malformed CSV, a record wider than `maxColumns`, or a record
 * whose cell count differs from `width`.
 */
export function parseCsvRecords(text: string, file: string, opts: CsvBlockOptions, onRecord: (record: string[], line: number) => void): void {
  const { maxColumns } = opts;
  checkColumnLimit(text, file, maxColumns, opts.firstLine);
  let width = opts.width;
  let lastEnd = opts.firstLine - 1;
  let lastEmpty = 0;
  try {
    parse(text, {
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], ctx) => {
        // Own line count: csv-parse's ctx.lines counts a CRLF inside a quoted value as two lines.
        const start = lastEnd + 1 + (ctx.empty_lines - lastEmpty);
        lastEnd = start + lineBreaksIn(record);
        lastEmpty = ctx.empty_lines;
        if (record.length > maxColumns) {
          throw dataError(
            { file, line: start },
            `the line has ${record.length} columns, more than the limit of ${maxColumns}; is this the right file and delimiter?`,
          );
        }
        if (width === undefined) width = record.length;
        else if (record.length !== width) throw dataError({ file, line: start }, raggedRowMessage(record, width));
        onRecord(record, start);
        return null;
      },
    });
  } catch (e) {
    if (e instanceof DataError) throw e;
    if (e instanceof CsvError) {
      const empty = (e as CsvError & { empty_lines?: number }).empty_lines ?? lastEmpty;
      throw csvErrorToDataError(e, file, lastEnd + 1 + (empty - lastEmpty));
    }
    throw e;
  }
}

/**
 * Rejects the first record with more than `maxColumns` cells before csv-parse materializes it:
 * one quote-aware pass counting commas, stopping at the end of the first offending record.
 */
function checkColumnLimit(text: string, file: string, maxColumns: number, firstLine: number): void {
  let cells = 1;
  let line = firstLine;
  let recordLine = firstLine;
  let quoted = false;
  const fail = (): never => {
    throw dataError(
      { file, line: recordLine },
      `the line has ${cells} columns, more than the limit of ${maxColumns}; is this the right file and delimiter?`,
    );
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      quoted = !quoted; // an escaped "" toggles twice
    } else if (c === 0x0a || c === 0x0d) {
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      line++;
      if (quoted) continue;
      if (cells > maxColumns) fail(); // the offending record is complete: report its exact width
      cells = 1;
      recordLine = line;
    } else if (c === 0x2c && !quoted) {
      cells++;
    }
  }
  if (cells > maxColumns) fail();
}

/** Number of line breaks (CRLF, CR or LF, each counting once) inside the cells of a record. */
function lineBreaksIn(record: readonly string[]): number {
  let breaks = 0;
  for (const cell of record) {
    if (cell.indexOf('\n') < 0 && cell.indexOf('\r') < 0) continue;
    for (let i = 0; i < cell.length; i++) {
      const ch = cell.charCodeAt(i);
      if (ch === 0x0a || (ch === 0x0d && cell.charCodeAt(i + 1) !== 0x0a)) breaks++;
    }
  }
  return breaks;
}

/** Converts a csv-parse error into a DataError at the line where the offending row starts. */
function csvErrorToDataError(e: CsvError, file: string, rowStart: number): DataError {
  const record = (e as CsvError & { record?: string[] }).record;
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const expected = Number(/expect (\d+)/.exec(e.message)?.[1] ?? Number.NaN);
      return dataError({ file, line: rowStart }, record ? raggedRowMessage(record, expected) : e.message, e);
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return dataError(
        { file, line: rowStart },
        'a quoted value in the row starting on this line is never closed (the quote runs to the end of the file); ' +
          'look for a stray " character',
        e,
      );
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return dataError(
        { file, line: rowStart },
        'misplaced double quote in the row starting on this line: a value containing " must be entirely in double ' +
          'quotes, with each " inside it written twice (e.g. "5\'10"" tall")',
        e,
      );
    default:
      return dataError({ file, line: rowStart }, `malformed CSV in the row starting on this line: ${e.message}`, e);
  }
}
