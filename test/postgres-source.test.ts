/**
 * Members reading from PostgreSQL, end to end against a real throwaway server:
 * - the credit example's three lenders reach exactly the same AUC, round by round, when their
 *   tables come from PostgreSQL as when they come from their CSV files (in-process simulator,
 *   secure aggregation, fixed seed);
 * - `fedcredit participant --data postgres://…` (a real process) loads its table, logs the source
 *   with the password as `***`, and never prints the password — not when it comes from
 *   PGPASSWORD, a password file or the URL, not when it is wrong, not on a bad row.
 * Skips with the reason shown when PostgreSQL is not installed (unless FEDCREDIT_REQUIRE_POSTGRES=1).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import type { Table } from '../core/data/table.ts';
import { JobSpecSchema } from '../core/job.ts';
import { CREDIT_DATA_PATH, splitCreditData } from '../examples/credit/split.ts';
import { loadTable, readCsvFile } from '../participant/data/load.ts';
import { loadTableFromPostgres } from '../participant/data/postgres-source.ts';
import { createLogger } from '../platform/log.ts';
import { writeCsvFile } from '../sim/csv.ts';
import { simulate } from '../sim/simulate.ts';
import { BIN, ROOT, tempDir } from './helpers.ts';
import { READER, postgresUnavailable, startPostgres } from './support/postgres-server.ts';
import type { PostgresServer } from './support/postgres-server.ts';
import { copyCsvToTable } from './support/postgres-tables.ts';

const readJson = (...p: string[]) => JSON.parse(readFileSync(path.join(ROOT, ...p), 'utf8')) as Record<string, unknown>;
const schemaFile = path.join(ROOT, 'examples', 'credit', 'schema.json');
const schema = DataSchemaSchema.parse(readJson('examples', 'credit', 'schema.json'));
const skip = postgresUnavailable();

/** Runs `fedcredit participant` with `env` added; stops it once `until` shows in its output (or it exits). */
function participant(args: string[], env: Record<string, string>, until?: RegExp): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'participant', '--name', 'bank-north', '--schema', schemaFile, '--insecure', '--log-level', 'debug', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGPASSWORD: '', PGPASSFILE: '/nonexistent', ...env },
    });
    let output = '';
    const seen = (d: Buffer) => {
      output += d;
      if (until?.test(output)) child.kill('SIGTERM');
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(skip !== undefined)(`members reading from PostgreSQL${skip ? ` (${skip})` : ''}`, () => {
  let server: PostgresServer;
  let coordinator: CoordinatorHandle;
  const tmp = tempDir('postgres-e2e');
  const csv = readCsvFile(CREDIT_DATA_PATH);
  const parts = splitCreditData(csv.header, csv.rows, { parties: 3, seed: 11 });
  const tableName = (party: string) => party.replace(/-/g, '_');

  beforeAll(async () => {
    server = await startPostgres();
    for (const p of parts) await copyCsvToTable(server, tableName(p.name), csv.header, p.rows, schema);
    const bad = parts[0]!.rows.slice(0, 5).map((r) => [...r]);
    bad[1]![csv.header.indexOf('Income')] = '12,5';
    await copyCsvToTable(server, 'bad_rows', csv.header, bad, { ...schema, numeric: [] });
    coordinator = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coordinator'), logger: createLogger('test', 'error') });
  }, 60_000);
  afterAll(async () => {
    await coordinator?.stop();
    await server?.stop();
    tmp.cleanup();
  });

  it('the credit example reaches the same AUC from PostgreSQL as from CSV, round by round', async () => {
    const job = JobSpecSchema.parse({ ...readJson('examples', 'credit', 'job.json'), schema: undefined, rounds: 4, personalization: { mode: 'none' } });
    const fromCsv: { name: string; table: Table }[] = parts.map((p) => ({
      name: p.name,
      table: loadTable(writeCsvFile(path.join(tmp.dir, `${p.name}.csv`), csv.header, p.rows), schema).table,
    }));
    const env = { PGPASSWORD: READER.password };
    const fromPg: { name: string; table: Table }[] = [];
    for (const p of parts) fromPg.push({ name: p.name, table: (await loadTableFromPostgres({ url: server.url, table: tableName(p.name), schema, env })).table });
    const runs = [];
    for (const [label, parties] of [['csv', fromCsv], ['pg', fromPg]] as const) {
      const r = await simulate({ job, schema, parties, stateDir: path.join(tmp.dir, label), seed: 1 });
      expect(r.state, r.error).toBe('SUCCEEDED');
      runs.push(r.rounds.map((round) => round.metrics.auc));
    }
    expect(runs[0]).toHaveLength(5); // the initial model, then 4 rounds
    expect(runs[0]!.at(-1)!).toBeGreaterThan(0.7);
    expect(runs[1]).toEqual(runs[0]);
  }, 120_000);

  it('fedcredit participant loads a table and never prints the password, however it is given', async () => {
    const passwordFile = path.join(tmp.dir, 'password');
    writeFileSync(passwordFile, `${READER.password}\n`, { mode: 0o600 });
    const wrongFile = path.join(tmp.dir, 'wrong-password');
    const wrong = 'Wr0ng-pass-3uz';
    writeFileSync(wrongFile, `${wrong}\n`, { mode: 0o600 });
    const withPassword = server.url.replace(`${READER.user}@`, `${READER.user}:${encodeURIComponent(READER.password)}@`);
    const redacted = `postgres://${READER.user}:***@127.0.0.1:${server.port}/lending`;
    const common = ['--coordinator', coordinator.address];
    const state = (n: string) => ['--state-dir', path.join(tmp.dir, `node-${n}`)];
    const loaded = /data loaded/;
    // PGPASSWORD is the bad-row run's: it gets as far as the rows, so it logged in.
    const [fromFile, fromUrl, denied, badRow] = await Promise.all([
      participant([...common, ...state('file'), '--data', server.url, '--data-table', 'bank_north', '--data-password-file', passwordFile], {}, loaded),
      participant([...common, ...state('url'), '--data', withPassword, '--data-query', 'SELECT * FROM bank_north'], {}, loaded),
      participant([...common, ...state('denied'), '--data', server.url, '--data-table', 'bank_north', '--data-password-file', wrongFile], {}),
      participant([...common, ...state('bad'), '--data', `${server.url}?table=bad_rows`], { PGPASSWORD: READER.password }),
    ]);
    const rows = parts[0]!.rows.length;
    const loadedLine = (output: string) => JSON.parse(output.split('\n').find((l) => l.includes('"data loaded"')) ?? '{}') as Record<string, unknown>;
    expect(loadedLine(fromFile.output)).toMatchObject({ source: `${server.url} (table "bank_north")`, rows });
    expect(loadedLine(fromUrl.output)).toMatchObject({ source: `${redacted} (query)`, rows });
    expect(fromUrl.output).toContain('the --data URL holds a password');
    expect(denied.code).toBe(2);
    expect(denied.output).toContain(`fedcredit: postgres://${READER.user}@127.0.0.1:${server.port}/lending: cannot connect: password authentication failed for user "${READER.user}"`);
    expect(badRow.code).toBe(2);
    expect(badRow.output).toContain('fedcredit: table "bad_rows" row 2, column "Income": expected a number, got "12,5"; use "." as the decimal separator');
    for (const run of [fromFile, fromUrl, denied, badRow]) {
      expect(run.output).not.toContain(READER.password);
      expect(run.output).not.toContain(encodeURIComponent(READER.password));
      expect(run.output).not.toContain(wrong);
    }
  }, 90_000);
});
