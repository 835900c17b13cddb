/**
 * A participant's PostgreSQL address: `postgres://user@host:port/database?table=loans`, parsed
 * into connection settings, with a form that is safe to print. A password written in the URL is
 * kept out of every rendering ({@link redactPostgresUrl}); the preferred places for it are the
 * PGPASSWORD variable, a password file or the standard pgpass file (postgres-password.ts).
 *
 * Query parameters follow libpq where they exist: `host` (a unix-socket directory), `sslmode`
 * (disable | require | verify-full), `sslrootcert`, `connect_timeout` (seconds),
 * `application_name`; plus `table`, the table to read. Anything else is refused, so a typo
 * cannot silently connect somewhere unintended.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { dataError } from '../../core/data/errors.ts';

/** Where and as whom to connect, without the password. */
export interface PostgresTarget {
  /** Host name, IP address, or a unix-socket directory (an absolute path). */
  host: string;
  port: number;
  database: string;
  user: string;
  /** TLS settings, or false for a plaintext connection. */
  ssl: false | ConnectionOptions;
  /** Seconds to wait for the connection; 0 = no limit. */
  connectTimeoutSeconds: number;
  applicationName: string;
  /** The table named by `?table=`, if any (validated later with {@link quoteTableName}). */
  table?: string;
  /** A password written in the URL itself (discouraged: it shows in process listings). */
  urlPassword?: string;
  /** The URL with any password replaced by `***`: the only form that may be logged. */
  display: string;
}

const PARAMS = new Set(['table', 'host', 'sslmode', 'sslrootcert', 'connect_timeout', 'application_name']);

/** Whether a `--data` value names a PostgreSQL database rather than a file. */
export function isPostgresUrl(data: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(data);
}

/**
 * The URL with its password (userinfo or a `password` parameter) replaced by `***`. A value that
 * does not parse as a URL is not echoed at all, since where its password is cannot be known.
 */
export function redactPostgresUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'postgres://(unparseable URL, not shown)';
  }
  if (u.password !== '') u.password = '***';
  if (u.searchParams.has('password')) u.searchParams.set('password', '***');
  return u.toString().replace('password=%2A%2A%2A', 'password=***');
}

/** Parses a PostgreSQL URL; a DataError names the (redacted) URL and what is wrong with it. */
export function parsePostgresUrl(url: string, env: NodeJS.ProcessEnv = process.env): PostgresTarget {
  const display = redactPostgresUrl(url);
  const fail = (detail: string): never => {
    throw dataError({ file: display }, detail);
  };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail('not a valid URL; expected postgres://USER@HOST:PORT/DATABASE?table=TABLE (percent-encode special characters)');
  }
  if (!isPostgresUrl(url)) fail('expected a postgres:// or postgresql:// URL');
  const params = u.searchParams;
  for (const key of new Set(params.keys())) {
    if (key === 'password') fail('a password parameter is not accepted in the URL; set PGPASSWORD, use --data-password-file, or a pgpass file');
    if (!PARAMS.has(key)) fail(`unknown URL parameter ${JSON.stringify(key)}; accepted: ${[...PARAMS].join(', ')}`);
    if (params.getAll(key).length > 1) fail(`URL parameter ${JSON.stringify(key)} is given more than once`);
  }
  const decode = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return fail(`the ${what} is not valid percent-encoding`);
    }
  };
  const host = params.get('host') ?? (u.hostname ? decode(u.hostname, 'host') : (env.PGHOST ?? 'localhost'));
  const port = u.port === '' ? Number(env.PGPORT ?? 5432) : Number(u.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) fail('the port must be an integer in 1..65535');
  const user = u.username ? decode(u.username, 'user name') : (env.PGUSER ?? '');
  if (user === '') fail('no user name: write it in the URL (postgres://USER@HOST/DATABASE) or set PGUSER');
  const path = decode(u.pathname.replace(/^\//, ''), 'database name');
  if (path.includes('/')) fail('the path must be just the database name');
  const database = path || env.PGDATABASE || user;
  const timeout = params.get('connect_timeout') ?? '10';
  const connectTimeoutSeconds = Number(timeout);
  if (!/^\d+$/.test(timeout)) fail('connect_timeout must be a whole number of seconds');
  const table = params.get('table') ?? undefined;
  if (table !== undefined) quoteTableName(table, display);
  return {
    host, port, database, user, connectTimeoutSeconds, display,
    ssl: sslOptions(params.get('sslmode'), params.get('sslrootcert'), host, fail),
    applicationName: params.get('application_name') ?? 'fedcredit-participant',
    ...(table !== undefined ? { table } : {}),
    ...(u.password !== '' ? { urlPassword: decode(u.password, 'password') } : {}),
  };
}

/** TLS settings for an `sslmode`; without one the connection is plaintext (loopback, unix sockets). */
function sslOptions(mode: string | null, rootCert: string | null, host: string, fail: (d: string) => never): false | ConnectionOptions {
  if (rootCert !== null && mode !== 'verify-full') fail('sslrootcert needs sslmode=verify-full');
  switch (mode ?? 'disable') {
    case 'disable':
      return false;
    case 'require':
      // libpq's "require": encrypted, but the server's certificate is not checked.
      return { rejectUnauthorized: false };
    case 'verify-full': {
      let ca: string | undefined;
      if (rootCert !== null) {
        try {
          ca = readFileSync(rootCert, 'utf8');
        } catch (e) {
          fail(`cannot read sslrootcert ${JSON.stringify(rootCert)}: ${(e as Error).message}`);
        }
      }
      // SNI names a host, never an IP address (RFC 6066); the certificate is checked against the
      // host either way.
      return { rejectUnauthorized: true, ...(isIP(host) ? {} : { servername: host }), ...(ca !== undefined ? { ca } : {}) };
    }
    default:
      return fail(`sslmode ${JSON.stringify(mode)} is not supported; use disable, require or verify-full`);
  }
}

/** A plain SQL identifier: letter or underscore first, then letters, digits, underscores; at most 63 bytes. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Validates a table name — `loans` or `schema.loans`, each part a plain identifier — and returns
 * it double-quoted for SQL (`"schema"."loans"`). Quoting keeps the name exactly as written, case
 * included. Anything else is refused with a DataError naming `source`.
 */
export function quoteTableName(name: string, source: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw dataError(
      { file: source },
      `table name ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)} is not a plain identifier: ` +
        'use letters, digits and underscores (not first), optionally as schema.table; for anything else, use a query',
    );
  }
  return parts.map((p) => `"${p}"`).join('.');
}
