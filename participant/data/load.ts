/**
 * Loading a participant's data from disk: the shared schema file (JSON, zod-validated) and the
 * local CSV file validated against it. All problems surface as {@link DataError}s that name the
 * file and — for JSON — the line/column of a syntax error or the JSON path of an invalid field,
 * and — for CSV — the line and column of the bad cell (header = line 1).
 */
import { DataError, dataError } from '../../core/data/errors.ts';
import type { InferOptions } from '../../core/data/infer.ts';
import { inferSchema } from '../../core/data/infer.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { TableBuilder } from '../../core/data/table-builder.ts';
import type { ReadCsvOptions } from './csv.ts';
import { decodeUtf8, readBytes, readCsvFile } from './csv.ts';
import { streamCsvFile } from './csv-stream.ts';

/** The CSV reader (participant/data/csv.ts), re-exported so callers need one import. */
export { readCsvFile } from './csv.ts';
/** Types of the CSV reader. */
export type { CsvContent, ReadCsvOptions } from './csv.ts';

/** Largest schema file accepted (a schema is a few kilobytes; this only stops accidents). */
const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;

/**
 * Reads and validates a schema file. Errors name the file and either the line/column of a JSON
 * syntax error or every invalid field by JSON path, e.g.
 * `schema.json: numeric[2].missing: Invalid option: expected one of "mean"|"zero"|"error"`.
 */
export function loadSchemaFile(path: string): DataSchema {
  return parseSchemaJson(readJsonFile(path, MAX_SCHEMA_BYTES, 'a JSON schema object'), path);
}

/**
 * Reads a small UTF-8 JSON file (at most `maxBytes`); a {@link DataError} names the file and, for
 * a syntax error, the line and column. `expected` describes the content for an empty file.
 */
export function readJsonFile(path: string, maxBytes: number, expected: string): unknown {
  const text = decodeUtf8(readBytes(path, maxBytes), path);
  if (text.trim() === '') throw dataError({ file: path }, `file is empty (expected ${expected})`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw jsonSyntaxError(e, text, path);
  }
}

/** Validates already-parsed JSON as a schema; `source` names it in messages. */
export function parseSchemaJson(json: unknown, source: string): DataSchema {
  const result = DataSchemaSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = formatJsonPath(issue.path);
    return `${source}: ${where ? `${where}: ` : ''}${issue.message}`;
  });
  const [only, ...more] = problems;
  const message =
    only !== undefined && more.length === 0 ? only : [`${source}: ${problems.length} problems in the schema:`, ...problems.map((p) => `  ${p}`)].join('\n');
  throw new DataError(message, { file: source }, { problems, cause: result.error });
}

/** Renders a zod issue path as `numeric[2].missing` (non-identifier keys as `["a b"]`). */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Turns a JSON.parse SyntaxError into a DataError with line and column (both 1-based). */
export function jsonSyntaxError(e: unknown, text: string, file: string): DataError {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /position (\d+)/.exec(msg);
  if (!pos) return dataError({ file }, `invalid JSON: ${msg}`, e);
  const offset = Number(pos[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return dataError({ file, line }, `invalid JSON at column ${column} (character ${offset}): ${msg}`, e);
}

/** Options of {@link loadTable}: CSV limits plus the cap on listed problems. */
export interface LoadTableOptions extends ReadCsvOptions {
  /** Stop listing row problems after this many. Default 20. */
  maxErrors?: number;
}

/**
 * Reads a CSV file and validates it against the schema, streaming it (csv-stream.ts) into a
 * {@link TableBuilder} so that only the typed columns are held, never the rows as text. Returns the typed table and warnings
 * (unused columns, unseen categories); throws one DataError listing the problems otherwise.
 */
export function loadTable(csvPath: string, schema: DataSchema, opts: LoadTableOptions = {}): { table: Table; warnings: string[] } {
  let builder: TableBuilder | undefined;
  streamCsvFile(
    csvPath,
    {
      header: (cells, expectedRows) => {
        builder = new TableBuilder(cells, schema, csvPath, { maxErrors: opts.maxErrors, expectedRows });
        return builder.numberColumns();
      },
      row: (cells, line) => builder!.add(cells, line), // the header always comes first
    },
    opts,
  );
  const { table, warnings } = builder!.finish(); // streamCsvFile throws unless it saw a header and rows
  return { table, warnings };
}

/**
 * Infers a draft schema from a CSV file (see core/data/infer.ts for the rules); `notes` explain
 * the decisions for the data scientist to review.
 */
export function inferSchemaFromFile(
  csvPath: string,
  opts: Omit<InferOptions, 'file' | 'lines'> & ReadCsvOptions,
): { schema: DataSchema; notes: string[] } {
  const { header, rows, lines } = readCsvFile(csvPath, opts);
  return inferSchema(header, rows, { ...opts, file: csvPath, lines });
}
