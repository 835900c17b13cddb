/**
 * Reading a participant's table from a real, throwaway PostgreSQL server (test/support): the same
 * Table as the equivalent CSV value for value, the CSV's messages for bad rows with `row N` in
 * place of the file line, read-only queries, refused table names, and no password in any message.
 * Skips with the reason shown when PostgreSQL is not installed (unless FEDCREDIT_REQUIRE_POSTGRES=1).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../core/data/errors.ts';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { READER, postgresUnavailable, startPostgres } from '../../test/support/postgres-server.ts';
import type { PostgresServer } from '../../test/support/postgres-server.ts';
import { copyCsvToTable } from '../../test/support/postgres-tables.ts';
import { loadSchemaFile, loadTable, readCsvFile } from './load.ts';
import { loadTableFromPostgres } from './postgres-source.ts';
import type { PostgresSourceOptions } from './postgres-source.ts';

const fixture = (name: string) => relative(process.cwd(), fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
const creditSchema = DataSchemaSchema.parse(JSON.parse(readFileSync(fileURLToPath(new URL('../../examples/credit/schema.json', import.meta.url)), 'utf8')));
const CREDIT_DATA_PATH = fileURLToPath(new URL('../../examples/data/credit_data.csv', import.meta.url));
const fixtureSchema = loadSchemaFile(fixture('schema.json'));
const env = { PGPASSWORD: READER.password, PGPASSFILE: '/nonexistent' };
const skip = postgresUnavailable();

/** The DataError a promise rejects with (fails the test otherwise). */
async function rejection(p: Promise<unknown>): Promise<DataError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

/** Column-by-column equality; NaN (missing) equals NaN. */
function expectSameTable(a: Table, b: Table): void {
  expect(b.n).toBe(a.n);
  expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
  expect(b.numeric.map((c) => Array.from(c))).toEqual(a.numeric.map((c) => Array.from(c)));
  expect(b.categorical.map((c) => Array.from(c))).toEqual(a.categorical.map((c) => Array.from(c)));
}

describe.skipIf(skip !== undefined)(`loadTableFromPostgres${skip ? ` (${skip})` : ''}`, () => {
  let server: PostgresServer;
  const load = (o: Omit<PostgresSourceOptions, 'url' | 'schema'> & { schema?: DataSchema; url?: string }) =>
    loadTableFromPostgres({ url: server.url, schema: fixtureSchema, env, ...o });

  beforeAll(async () => {
    server = await startPostgres();
    const csv = readCsvFile(CREDIT_DATA_PATH);
    await copyCsvToTable(server, 'credit_numeric', csv.header, csv.rows, creditSchema);
    // Integers as BIGINT (text from the driver), the rest as float8.
    await copyCsvToTable(server, 'credit_mixed', csv.header, csv.rows, creditSchema, (n) => (['Seniority', 'Time', 'Age'].includes(n) ? 'bigint' : 'double precision'));
    for (const name of ['good', 'wrong_type', 'unseen_category', 'nan', 'missing_column']) {
      const { header, rows } = readCsvFile(fixture(`${name}.csv`));
      // All text, so every bad cell of the file can be stored as it is.
      await copyCsvToTable(server, name, header, rows, { ...fixtureSchema, numeric: [] });
    }
  }, 60_000);
  afterAll(async () => server?.stop());

  it('reads credit_data into the same Table as the CSV, from NUMERIC and from BIGINT/float8 columns, in batches', async () => {
    const fromCsv = loadTable(CREDIT_DATA_PATH, creditSchema);
    for (const table of ['credit_numeric', 'credit_mixed']) {
      const fromPg = await load({ table, schema: creditSchema, batchRows: 1000 });
      expectSameTable(fromCsv.table, fromPg.table);
      expect(fromPg.source).toBe(`table "${table}"`);
      expect(fromPg.table.n).toBe(4454);
    }
    const viaQuery = await load({ query: 'SELECT * FROM credit_mixed', schema: creditSchema, batchRows: 4454 });
    expectSameTable(fromCsv.table, viaQuery.table);
  });

  it('gives the CSV messages for bad rows, with the row number for the file line', async () => {
    for (const name of ['wrong_type', 'unseen_category', 'nan']) {
      const file = fixture(`${name}.csv`);
      const asCsv = (() => {
        try {
          return loadTable(file, fixtureSchema);
        } catch (e) {
          return e as DataError;
        }
      })();
      const asPg = await load({ table: name }).catch((e: unknown) => e as DataError);
      if (!(asCsv instanceof DataError)) {
        // unseen "other" values only warn: the same warning, naming the row.
        expect((asPg as { warnings: string[] }).warnings).toEqual(asCsv.warnings.map((w) => csvToPg(w, file, name)));
        continue;
      }
      expect(asPg).toBeInstanceOf(DataError);
      const pgError = asPg as DataError;
      expect(pgError.problems).toEqual(asCsv.problems.map((p) => csvToPg(p, file, name)));
      expect(pgError.row).toBe(asCsv.line! - 1);
      expect(pgError.column).toBe(asCsv.column);
      expect(pgError.file).toBe(`table "${name}"`);
    }
  });

  it('names missing columns like the CSV reader, and treats NULL as missing', async () => {
    const e = await rejection(load({ table: 'missing_column' }));
    const csvError = await rejection(Promise.resolve().then(() => loadTable(fixture('missing_column.csv'), fixtureSchema)));
    expect(e.message).toBe(csvError.message.replace(`${fixture('missing_column.csv')} line 1`, 'table "missing_column"'));
    const nullLabel = await rejection(load({ query: 'SELECT id, NULL AS status, income, age, debt, home, job FROM good' }));
    expect(nullLabel.message).toMatch(/^query: 6 problems found \(rows are numbered from 1 in the order they were read\):\n {2}row 1, column "status": the label is missing;/);
    // A NULL age under missing: "error" is refused; NULL income becomes NaN.
    const nullAge = await rejection(load({ query: 'SELECT id, status, NULL AS income, CASE WHEN id = \'2\' THEN NULL ELSE age END AS age, debt, home, job FROM good' }));
    expect(nullAge.message).toMatch(/^query row 2, column "age": the value is missing, and the schema does not allow missing values/);
    const ok = await load({ query: 'SELECT id, status, NULL AS income, age, debt, home, job FROM good' });
    expect(Array.from(ok.table.numeric[0]!).every(Number.isNaN)).toBe(true);
  });

  it('runs queries read-only and refuses table names that are not plain identifiers', async () => {
    const write = await rejection(load({ query: 'DELETE FROM good RETURNING *' }));
    expect(write.message).toMatch(/^query: the database refused the read \(postgres:\/\/fedcredit_reader@127\.0\.0\.1:\d+\/lending\): cannot execute DELETE in a read-only transaction \(SQLSTATE 25006\)$/);
    const hidden = await rejection(load({ query: 'WITH gone AS (DELETE FROM good RETURNING *) SELECT * FROM gone' }));
    expect(hidden.message).toMatch(/: cannot execute \w+ in a read-only transaction \(SQLSTATE 25006\)$/);
    // Two statements cannot ride in one query either (the cursor uses the extended protocol).
    const two = await rejection(load({ query: 'SELECT * FROM good; DROP TABLE good' }));
    expect(two.message).toMatch(/cannot insert multiple commands into a prepared statement/);
    expect((await server.admin('SELECT count(*)::int AS n FROM good')).rows[0]!.n).toBe(6);
    const sneaky = await rejection(load({ table: 'good; DROP TABLE good' }));
    expect(sneaky.message).toMatch(/table name "good; DROP TABLE good" is not a plain identifier/);
    const absent = await rejection(load({ table: 'no_such_table' }));
    expect(absent.message).toMatch(/^table "no_such_table": the database refused the read .*relation "no_such_table" does not exist \(SQLSTATE 42P01\)$/);
    const empty = await rejection(load({ query: 'SELECT * FROM good WHERE false' }));
    expect(empty.message).toBe('query: the query returned no rows');
  });

  it('never puts the password in a message', async () => {
    const wrong = 'wrong-Pz4!secret';
    const denied = await rejection(load({ table: 'good', env: { PGPASSWORD: wrong, PGPASSFILE: '/nonexistent' } }));
    expect(denied.message).toMatch(/cannot connect: password authentication failed for user "fedcredit_reader"/);
    const inUrl = server.url.replace(`${READER.user}@`, `${READER.user}:${encodeURIComponent(wrong)}@`);
    const urlDenied = await rejection(load({ url: inUrl, table: 'good', env: {} }));
    expect(urlDenied.message).toContain(`postgres://${READER.user}:***@127.0.0.1:${server.port}/lending`);
    const ok = await load({ url: server.url.replace(`${READER.user}@`, `${READER.user}:${encodeURIComponent(READER.password)}@`), table: 'good', env: {} });
    expect(ok.url).toBe(`postgres://${READER.user}:***@127.0.0.1:${server.port}/lending`);
    for (const text of [denied.message, urlDenied.message, ok.url, ...ok.warnings, String(denied.cause)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(READER.password);
    }
  });

  it('connects from a connection object as well as from a URL', async () => {
    const r = await loadTableFromPostgres({
      connection: { host: '127.0.0.1', port: server.port, database: 'lending', user: READER.user }, table: 'good', schema: fixtureSchema, password: READER.password, env: {},
    });
    expect(r.table.n).toBe(6);
    expect(r.url).toBe(`postgres://${READER.user}@127.0.0.1:${server.port}/lending`);
  });

  it('takes the password from a pgpass file (PGPASSFILE, mode 0600) when PGPASSWORD is unset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedcredit-pgpass-'));
    try {
      const file = join(dir, 'pgpass');
      writeFileSync(file, `# test\n127.0.0.1:${server.port}:lending:${READER.user}:${READER.password.replace(/:/g, '\\:')}\n`, { mode: 0o600 });
      const r = await load({ table: 'good', env: { PGPASSFILE: file } });
      expect(r.table.n).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A CSV message as the same problem reads from a table: `table "t" row N` for `file line N+1`. */
function csvToPg(message: string, file: string, table: string): string {
  return message
    .replace(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line (\\d+)`), (_, l: string) => `table "${table}" row ${Number(l) - 1}`)
    .replace(`${file}, column`, `table "${table}", column`)
    .replace(/\(first on line (\d+)\)/, (_, l: string) => `(first on row ${Number(l) - 1})`)
    .replace(file, `table "${table}"`);
}
