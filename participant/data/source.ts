/**
 * Where a participant's rows come from: a CSV file, or a PostgreSQL table or read-only query.
 * One description ({@link DataSource}), one loader ({@link loadDataSource}) giving the same
 * validated Table either way, and one rendering that is safe to log ({@link describeDataSource}:
 * a database URL always shows `***` for its password).
 */
import { readFileSync } from 'node:fs';
import { dataError } from '../../core/data/errors.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { loadTable } from './load.ts';
import { readPasswordFile } from './postgres-password.ts';
import { loadTableFromPostgres } from './postgres-source.ts';
import { isPostgresUrl, parsePostgresUrl, redactPostgresUrl } from './postgres-url.ts';

/** A participant's data source. */
export type DataSource =
  | { kind: 'csv'; path: string }
  | {
      kind: 'postgres';
      /** `postgres://user@host:port/database[?table=…]`; a password in it is never shown. */
      url: string;
      table?: string;
      query?: string;
      /** The password (e.g. read from a file); otherwise the URL's, PGPASSWORD, or the pgpass file. */
      password?: string;
      /** Rows per cursor batch (default 10,000). */
      batchRows?: number;
    };

/** The command-line form: `--data` plus the database options that go with a URL. */
export interface DataSourceFlags {
  /** A CSV path or a postgres:// URL. */
  data: string;
  /** The table to read (instead of the URL's `?table=`). */
  dataTable?: string;
  /** A read-only SQL query whose columns match the schema. */
  dataQuery?: string;
  /** A file holding that query. */
  dataQueryFile?: string;
  /** A file whose first line is the database password. */
  dataPasswordFile?: string;
}

/**
 * Turns the command-line form into a {@link DataSource}, refusing combinations that make no sense
 * (database options with a CSV file, a table and a query at once). Errors are DataErrors naming
 * the source (a URL redacted).
 */
export function parseDataSource(f: DataSourceFlags): DataSource {
  const dbOptions = (['dataTable', 'dataQuery', 'dataQueryFile', 'dataPasswordFile'] as const).filter((k) => f[k] !== undefined);
  if (!isPostgresUrl(f.data)) {
    if (dbOptions.length > 0) {
      const verb = dbOptions.length === 1 ? 'goes' : 'go';
      throw dataError({ file: f.data }, `${dbOptions.map(flagName).join(', ')} ${verb} only with a postgres:// URL in --data, not with a CSV file`);
    }
    return { kind: 'csv', path: f.data };
  }
  const target = parsePostgresUrl(f.data);
  if (f.dataQuery !== undefined && f.dataQueryFile !== undefined) {
    throw dataError({ file: target.display }, 'give the query once: --data-query or --data-query-file');
  }
  let query = f.dataQuery;
  if (f.dataQueryFile !== undefined) {
    try {
      query = readFileSync(f.dataQueryFile, 'utf8');
    } catch (e) {
      throw dataError({ file: f.dataQueryFile }, `cannot read the query file: ${(e as Error).message}`, e);
    }
  }
  const tables = [target.table, f.dataTable].filter((t) => t !== undefined).length;
  if (tables + (query !== undefined ? 1 : 0) !== 1) {
    throw dataError(
      { file: target.display },
      tables + (query !== undefined ? 1 : 0) === 0
        ? 'name what to read: ?table=NAME in the URL, --data-table NAME, or --data-query "SELECT …"'
        : 'name one thing to read: a table (?table= or --data-table) or a query (--data-query), not several',
    );
  }
  return {
    kind: 'postgres',
    url: f.data,
    ...(f.dataTable !== undefined ? { table: f.dataTable } : {}),
    ...(query !== undefined ? { query } : {}),
    ...(f.dataPasswordFile !== undefined ? { password: readPasswordFile(f.dataPasswordFile) } : {}),
  };
}

/** The `--data-…` flag for an option key. */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Advice about how a source is given, for the log (never holding the password). */
export function dataSourceWarnings(s: DataSource): string[] {
  if (s.kind !== 'postgres' || parsePostgresUrl(s.url).urlPassword === undefined) return [];
  return ['the --data URL holds a password, which other users of this machine can see in the process list; use PGPASSWORD, --data-password-file or a pgpass file instead'];
}

/** The source as logs and messages show it: the path, or the redacted URL with the table or `query`. */
export function describeDataSource(s: DataSource): string {
  if (s.kind === 'csv') return s.path;
  const url = redactPostgresUrl(s.url);
  if (s.query !== undefined) return `${url} (query)`;
  return s.table !== undefined ? `${url} (table ${JSON.stringify(s.table)})` : url;
}

/** Loads and validates a source against the schema: the CSV reader or the PostgreSQL cursor. */
export async function loadDataSource(
  s: DataSource,
  schema: DataSchema,
  opts: { maxErrors?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ table: Table; warnings: string[] }> {
  if (s.kind === 'csv') return loadTable(s.path, schema, opts.maxErrors !== undefined ? { maxErrors: opts.maxErrors } : {});
  const { table, warnings } = await loadTableFromPostgres({
    url: s.url, schema,
    ...(s.table !== undefined ? { table: s.table } : {}),
    ...(s.query !== undefined ? { query: s.query } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(s.batchRows !== undefined ? { batchRows: s.batchRows } : {}),
    ...(opts.maxErrors !== undefined ? { maxErrors: opts.maxErrors } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
  });
  return { table, warnings };
}
