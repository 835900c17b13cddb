/**
 * Data sources on the command line. The `--data` family of a participant command: a CSV path,
 * or a postgres:// URL with the table or query to read and where the password is
 * (participant/data/source.ts does the work). The password itself is never a flag — flags show in
 * process listings — only a file holding it, PGPASSWORD or the pgpass file. And the simulators'
 * `--party NAME=FILE.csv|postgres://…?table=T`, loaded here before anything runs.
 */
import type { Command } from 'commander';
import type { DataSchema } from '../core/data/schema.ts';
import type { Table } from '../core/data/table.ts';
import type { DataSourceFlags } from '../participant/data/source.ts';
import { UsageError } from './errors.ts';

/** Adds the database options that go with `--data postgres://…`. */
export function addDataSourceOptions(cmd: Command): Command {
  return cmd
    .option('--data-table <name>', 'with a postgres:// --data: the table to read (name or schema.name, matched exactly as written; or ?table= in the URL)')
    .option('--data-query <sql>', 'with a postgres:// --data: a query to read instead of a table, run in a read-only transaction; its column names must match the schema')
    .option('--data-query-file <file.sql>', 'like --data-query, the query read from a file')
    .option('--data-password-file <file>', 'with a postgres:// --data: a file whose first line is the database password (otherwise PGPASSWORD or the pgpass file)');
}

/** The data-source flags of a parsed command. */
export function dataSourceFlags(o: Record<string, unknown>): DataSourceFlags {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const flags: DataSourceFlags = { data: String(o.data) };
  for (const k of ['dataTable', 'dataQuery', 'dataQueryFile', 'dataPasswordFile'] as const) {
    const v = str(k);
    if (v !== undefined) flags[k] = v;
  }
  return flags;
}

/** Refuses the database options in a mode that reads only CSV files (vertical parties). */
export function refuseDataSourceFlags(o: Record<string, unknown>, mode: string): void {
  const given = ['dataTable', 'dataQuery', 'dataQueryFile', 'dataPasswordFile'].filter((k) => o[k] !== undefined);
  if (/^postgres(?:ql)?:\/\//i.test(String(o.data)) || given.length > 0) {
    throw new UsageError(`${mode} reads a CSV file; PostgreSQL sources (--data postgres://…, --data-table, --data-query…) are for horizontal jobs`);
  }
}

/** Loads and validates every simulated party's table, one after the other, in the given order. */
export async function loadPartyTables(parties: readonly { name: string; file: string }[], schema: DataSchema): Promise<{ name: string; table: Table }[]> {
  // The readers (pg, csv) load when tables are read, not when the CLI declares its flags.
  const { loadDataSource, parseDataSource } = await import('../participant/data/source.ts');
  const tables: { name: string; table: Table }[] = [];
  for (const p of parties) tables.push({ name: p.name, table: (await loadDataSource(parseDataSource({ data: p.file }), schema)).table });
  return tables;
}
