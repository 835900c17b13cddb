/**
 * Reading a participant's table from PostgreSQL: a table or a read-only query is streamed through
 * a server-side cursor (pg-cursor) in batches into the same {@link TableBuilder} the CSV reader
 * feeds, so the schema checks and messages are the CSV ones — only the location reads
 * `table "loans" row 17` (data rows counted from 1 in the order the server returned them)
 * instead of a file line. At most one batch of raw rows is held at a time.
 *
 * Every value is taken as PostgreSQL's text output (no driver-side conversion): NUMERIC and
 * BIGINT keep every digit until the shared strict decimal parser reads them, floats arrive in
 * their shortest exact form, and NULL is missing whatever the schema's missingValues say. The
 * read runs inside `BEGIN READ ONLY`, so a query cannot change the database. The password never
 * appears in a message: connection problems name the URL with the password replaced by `***`.
 */
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { DataError, dataError } from '../../core/data/errors.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import { TableBuilder } from '../../core/data/table-builder.ts';
import { CoreInputError } from '../../core/types.ts';
import type { Table } from '../../core/data/table.ts';
import { resolvePassword } from './postgres-password.ts';
import type { PostgresTarget } from './postgres-url.ts';
import { parsePostgresUrl, quoteTableName } from './postgres-url.ts';

/** Connection settings as an object, for programs that hold them apart (no URL to parse). */
export interface PostgresConnection {
  /** Host name, IP address, or a unix-socket directory. */
  host: string;
  /** Default 5432. */
  port?: number;
  database: string;
  user: string;
  /** TLS settings (node:tls), or false (the default) for plaintext. */
  ssl?: false | ConnectionOptions;
  /** Seconds to wait for the connection; default 10, 0 = no limit. */
  connectTimeoutSeconds?: number;
  /** Default `fedcredit-participant`. */
  applicationName?: string;
}

/**
 * Options of {@link loadTableFromPostgres}: where (`url` or `connection`, exactly one) and what —
 * exactly one of `table` (or the URL's `?table=`) and `query`.
 */
export interface PostgresSourceOptions {
  /** `postgres://user@host:port/database[?table=…]` (see postgres-url.ts for the parameters). */
  url?: string;
  /** The same as an object. */
  connection?: PostgresConnection;
  /** A table, `name` or `schema.name`: plain identifiers only, matched exactly as written (case included). */
  table?: string;
  /** A SELECT (or any statement returning rows) run read-only; its column names must match the schema's. */
  query?: string;
  schema: DataSchema;
  /** The password; without it: the URL's, then PGPASSWORD, then the pgpass file. */
  password?: string;
  /** Rows fetched per round trip. Default 10,000. */
  batchRows?: number;
  /** Stop listing row problems after this many (all are counted). Default 20. */
  maxErrors?: number;
  /** Environment for PGPASSWORD, PGPASSFILE, PGUSER… Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What {@link loadTableFromPostgres} returns. */
export interface PostgresLoadResult {
  table: Table;
  warnings: string[];
  /** The source as messages name it: `table "loans"` or `query`. */
  source: string;
  /** The URL with the password replaced by `***`, safe to log. */
  url: string;
}

/** Default {@link PostgresSourceOptions.batchRows}. */
export const DEFAULT_BATCH_ROWS = 10_000;

/** Every column as PostgreSQL's text output: parsing stays with the shared cell rules. */
const TEXT_ONLY: pg.CustomTypesConfig = { getTypeParser: () => (value: string) => value };

/** Streams a table or a query's rows into a validated {@link Table}; throws DataError on any problem. */
export async function loadTableFromPostgres(o: PostgresSourceOptions): Promise<PostgresLoadResult> {
  const target = targetOf(o);
  const { sql, source, quotedTable } = statementFor(o, target);
  const batchRows = o.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
  const password = resolvePassword(target, { password: o.password, urlPassword: target.urlPassword }, o.env);
  const scrub = (message: string): string => (password ? message.split(password).join('***') : message);

  const client = new pg.Client({
    host: target.host, port: target.port, database: target.database, user: target.user, ssl: target.ssl,
    application_name: target.applicationName, connectionTimeoutMillis: target.connectTimeoutSeconds * 1000,
    // A function, so the driver never falls back to its own (deprecated) pgpass lookup; the driver
    // takes a resolved undefined as "no password", which its type does not spell out.
    password: (async () => password) as () => Promise<string>,
  });
  // A connection lost between queries is reported by the pending query; this keeps it from crashing the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw dataError({ file: target.display }, `cannot connect: ${scrub(describePgError(e))}`, e);
  }
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const expectedRows = quotedTable === undefined ? undefined : await estimatedRows(client, quotedTable);
    const cursor = client.query(new Cursor<(string | null)[]>(sql, [], { rowMode: 'array', types: TEXT_ONLY }));
    let builder: TableBuilder | undefined;
    for (;;) {
      const { rows, fields } = await readBatch(cursor, batchRows);
      builder ??= new TableBuilder(fields, o.schema, source, {
        maxErrors: o.maxErrors, numbering: 'row', ...(expectedRows !== undefined ? { expectedRows } : {}), emptyMessage: o.query === undefined ? 'the table has no rows' : 'the query returned no rows',
      });
      for (const row of rows) builder.add(row, builder.rows + 1);
      if (rows.length < batchRows) break;
    }
    await cursor.close();
    await client.query('COMMIT');
    return { ...builder.finish(), source, url: target.display };
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw dataError({ file: source }, `the database refused the read (${target.display}): ${scrub(describePgError(e))}`, e);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The connection target from `url` or `connection` (exactly one). */
function targetOf(o: PostgresSourceOptions): PostgresTarget {
  if ((o.url === undefined) === (o.connection === undefined)) {
    throw new CoreInputError('loadTableFromPostgres needs exactly one of url and connection', o.url === undefined ? 'connection' : 'url');
  }
  if (o.url !== undefined) return parsePostgresUrl(o.url, o.env);
  const c = o.connection!;
  const port = c.port ?? 5432;
  const host = c.host.includes('/') ? encodeURIComponent(c.host) : c.host;
  return {
    host: c.host, port, database: c.database, user: c.user, ssl: c.ssl ?? false,
    connectTimeoutSeconds: c.connectTimeoutSeconds ?? 10, applicationName: c.applicationName ?? 'fedcredit-participant',
    display: `postgres://${encodeURIComponent(c.user)}@${host}:${port}/${encodeURIComponent(c.database)}`,
  };
}

/** The SQL to run and the name messages use for it. */
function statementFor(o: PostgresSourceOptions, target: PostgresTarget): { sql: string; source: string; quotedTable?: string } {
  const table = o.table ?? target.table;
  if (o.table !== undefined && target.table !== undefined && o.table !== target.table) {
    throw dataError({ file: target.display }, `two tables named: ${JSON.stringify(target.table)} in the URL and ${JSON.stringify(o.table)} as an option; give one`);
  }
  if (table !== undefined && o.query !== undefined) {
    throw dataError({ file: target.display }, 'both a table and a query are given; read one or the other');
  }
  if (o.query !== undefined) {
    if (o.query.trim() === '') throw dataError({ file: 'query' }, 'the query is empty');
    return { sql: o.query, source: 'query' };
  }
  if (table === undefined) {
    throw dataError({ file: target.display }, 'no table or query: add ?table=NAME to the URL, or give a table or a query');
  }
  const quotedTable = quoteTableName(table, target.display);
  return { sql: `SELECT * FROM ${quotedTable}`, source: `table ${JSON.stringify(table)}`, quotedTable };
}

/** Largest row-count estimate used to size the columns up front (a bad estimate must not allocate gigabytes). */
const MAX_ESTIMATE = 50_000_000;

/**
 * The planner's row estimate for a table read (pg_class.reltuples, exact after VACUUM or ANALYZE),
 * to size the columns once instead of doubling them; undefined when the table was never analysed.
 */
async function estimatedRows(client: pg.Client, quoted: string): Promise<number | undefined> {
  const r = await client.query<{ n: string | null }>('SELECT reltuples::bigint::text AS n FROM pg_class WHERE oid = to_regclass($1)', [quoted]);
  const n = Number(r.rows[0]?.n ?? -1);
  return n > 0 ? Math.min(n, MAX_ESTIMATE) : undefined;
}

/** One batch of rows and the result's column names. */
function readBatch(cursor: Cursor<(string | null)[]>, n: number): Promise<{ rows: (string | null)[][]; fields: string[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(n, (err, rows, result) => {
      if (err) reject(err);
      else resolve({ rows, fields: (result?.fields ?? []).map((f) => f.name) });
    });
  });
}

/** A driver or server error as one line: the server's message with its SQLSTATE, or the socket error. */
function describePgError(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return e.errors.map((x) => describePgError(x)).join('; ');
  const err = e as { message?: string; code?: string; detail?: string; hint?: string };
  const parts = [err.message || String(e)];
  if (err.code && /^[0-9A-Z]{5}$/.test(err.code)) parts[0] += ` (SQLSTATE ${err.code})`;
  if (err.detail) parts.push(`detail: ${err.detail}`);
  if (err.hint) parts.push(`hint: ${err.hint}`);
  return parts.join('; ');
}
