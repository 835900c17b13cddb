/**
 * The PostgreSQL address and password rules without a server: URL parsing and its refusals,
 * redaction, table-name quoting, password precedence and the pgpass file format.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../test/support/thrown-by.ts';
import { pgpassLookup, readPasswordFile, resolvePassword } from './postgres-password.ts';
import { isPostgresUrl, parsePostgresUrl, quoteTableName, redactPostgresUrl } from './postgres-url.ts';
import { parseDataSource } from './source.ts';

describe('parsePostgresUrl', () => {
  it('reads host, port, database, user, table and a percent-encoded password, and shows only ***', () => {
    const t = parsePostgresUrl('postgres://alice:s3cr%40t@db.bank.example:5433/lending?table=loans', {});
    expect(t).toMatchObject({ host: 'db.bank.example', port: 5433, database: 'lending', user: 'alice', table: 'loans', urlPassword: 's3cr@t', ssl: false });
    expect(t.display).toBe('postgres://alice:***@db.bank.example:5433/lending?table=loans');
  });

  it('takes a unix-socket directory as a percent-encoded host or ?host=, and defaults from PG* variables', () => {
    expect(parsePostgresUrl('postgres://bob@%2Fvar%2Frun%2Fpostgresql/x', {}).host).toBe('/var/run/postgresql');
    expect(parsePostgresUrl('postgresql:///?host=/tmp/s', { PGUSER: 'carol', PGPORT: '6000' })).toMatchObject({ host: '/tmp/s', user: 'carol', port: 6000, database: 'carol' });
  });

  it('turns sslmode into TLS settings', () => {
    expect(parsePostgresUrl('postgres://a@h/d?sslmode=require', {}).ssl).toEqual({ rejectUnauthorized: false });
    expect(parsePostgresUrl('postgres://a@h/d?sslmode=verify-full', {}).ssl).toEqual({ rejectUnauthorized: true, servername: 'h' });
  });

  it('refuses unknown parameters, a password parameter, bad ports and unsupported sslmodes, naming the redacted URL', () => {
    expect(thrownBy(() => parsePostgresUrl('postgres://a:pw@h/d?tabel=loans', {})).message).toBe(
      'postgres://a:***@h/d?tabel=loans: unknown URL parameter "tabel"; accepted: table, host, sslmode, sslrootcert, connect_timeout, application_name',
    );
    expect(thrownBy(() => parsePostgresUrl('postgres://a@h/d?password=hunter2', {})).message).toMatch(/^postgres:\/\/a@h\/d\?password=\*\*\*: a password parameter is not accepted/);
    expect(thrownBy(() => parsePostgresUrl('postgres://a@h:0/d', {})).message).toMatch(/the port must be an integer in 1\.\.65535/);
    expect(thrownBy(() => parsePostgresUrl('postgres://a@h/d?sslmode=prefer', {})).message).toMatch(/sslmode "prefer" is not supported/);
    expect(thrownBy(() => parsePostgresUrl('postgres://h/d', {})).message).toMatch(/no user name/);
    expect(thrownBy(() => parsePostgresUrl('postgres://a@h/d?table=x;drop', {})).message).toMatch(/table name "x;drop" is not a plain identifier/);
  });

  it('never echoes a URL it cannot parse', () => {
    expect(redactPostgresUrl('postgres://a:pw@[bad')).toBe('postgres://(unparseable URL, not shown)');
    expect(thrownBy(() => parsePostgresUrl('postgres://a:pw@[bad', {})).message).not.toContain('pw');
    expect(isPostgresUrl('POSTGRESQL://x')).toBe(true);
    expect(isPostgresUrl('data/postgres.csv')).toBe(false);
  });
});

describe('quoteTableName', () => {
  it('quotes plain identifiers, with an optional schema, and refuses anything else', () => {
    expect(quoteTableName('loans', 's')).toBe('"loans"');
    expect(quoteTableName('risk.Loans_2024', 's')).toBe('"risk"."Loans_2024"');
    for (const bad of ['', '1loans', 'a.b.c', 'loans"', 'lo ans', 'loans--', 'é', 'x'.repeat(64)]) {
      expect(() => quoteTableName(bad, 's')).toThrow(/is not a plain identifier/);
    }
  });
});

describe('passwords', () => {
  it('prefers the explicit password, then the URL, then PGPASSWORD, then pgpass', () => {
    const who = { host: 'h', port: 5432, database: 'd', user: 'u' };
    const env = { PGPASSWORD: 'env', PGPASSFILE: '/nonexistent' };
    expect(resolvePassword(who, { password: 'file', urlPassword: 'url' }, env)).toBe('file');
    expect(resolvePassword(who, { urlPassword: 'url' }, env)).toBe('url');
    expect(resolvePassword(who, {}, env)).toBe('env');
    expect(resolvePassword(who, {}, { PGPASSFILE: '/nonexistent' })).toBeUndefined();
  });

  it('reads pgpass lines as libpq does: wildcards, escapes, socket hosts as localhost, and only from a private file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedcredit-pgpass-unit-'));
    try {
      const file = join(dir, 'pgpass');
      writeFileSync(file, '# comment\nother:5432:*:u:nope\nlocalhost:5432:d:u:a\\:b\\\\c\n*:*:*:*:fallback\n', { mode: 0o600 });
      const env = { PGPASSFILE: file };
      expect(pgpassLookup({ host: '/var/run/postgresql', port: 5432, database: 'd', user: 'u' }, env)).toBe('a:b\\c');
      expect(pgpassLookup({ host: 'db', port: 1, database: 'x', user: 'y' }, env)).toBe('fallback');
      writeFileSync(join(dir, 'open'), '*:*:*:*:leaked\n', { mode: 0o644 });
      expect(pgpassLookup({ host: 'db', port: 1, database: 'x', user: 'y' }, { PGPASSFILE: join(dir, 'open') })).toBeUndefined();
      writeFileSync(join(dir, 'pw'), 'line-one\nline-two\n');
      expect(readPasswordFile(join(dir, 'pw'))).toBe('line-one');
      writeFileSync(join(dir, 'empty'), '\n');
      expect(thrownBy(() => readPasswordFile(join(dir, 'empty'))).message).toBe(`${join(dir, 'empty')}: the password file is empty (expected the password on its first line)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseDataSource', () => {
  it('keeps CSV paths, and refuses database options with them or several things to read', () => {
    expect(parseDataSource({ data: 'bank.csv' })).toEqual({ kind: 'csv', path: 'bank.csv' });
    expect(thrownBy(() => parseDataSource({ data: 'bank.csv', dataTable: 'loans' })).message).toBe('bank.csv: --data-table goes only with a postgres:// URL in --data, not with a CSV file');
    expect(parseDataSource({ data: 'postgres://u@h/d', dataQuery: 'SELECT 1' })).toMatchObject({ kind: 'postgres', query: 'SELECT 1' });
    expect(thrownBy(() => parseDataSource({ data: 'postgres://u:pw@h/d?table=a', dataQuery: 'SELECT 1' })).message).toBe(
      'postgres://u:***@h/d?table=a: name one thing to read: a table (?table= or --data-table) or a query (--data-query), not several',
    );
    expect(thrownBy(() => parseDataSource({ data: 'postgres://u@h/d' })).message).toMatch(/name what to read/);
  });
});
