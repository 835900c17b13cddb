/**
 * A throwaway PostgreSQL server for a test file: a copy of a cluster made once with `initdb` (and
 * cached in the temp dir), started with `pg_ctl` on a free loopback port with its unix socket in
 * its own temporary directory; `stop()` shuts it down and deletes everything. The server refuses to run as root, so as root it runs as the
 * `postgres` system user (`runuser`). Local socket connections are trusted (for setting up
 * fixtures as the superuser); TCP connections need a password (SCRAM), like a real deployment.
 *
 * Without PostgreSQL binaries the tests skip with {@link postgresUnavailable}'s reason, unless
 * FEDCREDIT_REQUIRE_POSTGRES=1 (CI), where they run and fail.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The login role tests read as, and its password (TCP connections must present it). */
export const READER = { user: 'fedcredit_reader', password: 'pw-Xq7!never-printed-9f' } as const;
/** The test database. */
export const DATABASE = 'lending';

/** Directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const fromPath = (process.env.PATH ?? '').split(path.delimiter).find((d) => d && existsSync(path.join(d, 'initdb')) && existsSync(path.join(d, 'pg_ctl')));
  if (fromPath) return fromPath;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

/**
 * Why the PostgreSQL tests cannot run here, or undefined when they can. With
 * FEDCREDIT_REQUIRE_POSTGRES=1 it is always undefined: the tests then run and fail loudly.
 */
export function postgresUnavailable(): string | undefined {
  if (process.env.FEDCREDIT_REQUIRE_POSTGRES === '1') return undefined;
  if (findPostgresBin() !== undefined) return undefined;
  const reason = 'skipped: no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin — install postgresql, or set FEDCREDIT_REQUIRE_POSTGRES=1 to make this a failure';
  // The test names carry the reason too, but the default reporter lists skipped files without them.
  console.warn(`PostgreSQL tests ${reason}`);
  return reason;
}

/** A running throwaway server. */
export interface PostgresServer {
  port: number;
  /** `postgres://fedcredit_reader@127.0.0.1:PORT/lending` (no password: pass it apart). */
  url: string;
  /** Runs SQL as the superuser over the unix socket. */
  admin: <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;
  stop: () => Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free when asked; the server binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL program, as the `postgres` user when this process is root (the server refuses root). */
function runPg(program: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  execFileSync(asRoot ? 'runuser' : program, asRoot ? ['-u', 'postgres', '--', program, ...args] : args, { stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } });
}

/** A new temporary directory the server's user owns. */
function serverDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  return dir;
}

const serverSettings = (port: number, socketDir: string) =>
  `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=20 -c shared_buffers=16MB`;

/**
 * A cluster with the reader role and the test database already made, kept in the temp dir for
 * later test files and runs (initdb and CREATE DATABASE are most of a start's cost). It is built
 * beside its final place and renamed into it, so concurrent test files never see half of one.
 */
async function clusterTemplate(bin: string): Promise<string> {
  const initdbArgs = ['-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C', '--wal-segsize=1'];
  const key = createHash('sha256').update(JSON.stringify([bin, initdbArgs, READER, DATABASE])).digest('hex').slice(0, 12);
  const template = path.join(os.tmpdir(), `fedcredit-pg-template-${key}`);
  if (existsSync(path.join(template, 'PG_VERSION'))) return template;
  const dir = serverDir('fedcredit-pg-template-build-');
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    runPg(path.join(bin, 'initdb'), ['-D', data, ...initdbArgs]);
    runPg(path.join(bin, 'pg_ctl'), ['-D', data, '-o', serverSettings(port, dir), '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    try {
      const admin = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE ROLE ${READER.user} LOGIN PASSWORD '${READER.password}'`);
      await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${READER.user}`);
      await admin.end();
      // Fixture tables are the superuser's; the reader may read them, and nothing more.
      const db = new pg.Client({ host: dir, port, user: 'postgres', database: DATABASE });
      await db.connect();
      await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${READER.user}`);
      await db.end();
    } finally {
      runPg(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    }
    try {
      renameSync(data, template);
    } catch (e) {
      if (!existsSync(path.join(template, 'PG_VERSION'))) throw e; // another test file was faster
    }
    return template;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`cannot create a PostgreSQL cluster for the tests: ${err.stderr?.toString() || err.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a server from the cached cluster (about a second; the first start of a machine builds it, a few more). */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  // Reached without binaries only when FEDCREDIT_REQUIRE_POSTGRES=1 kept the tests from skipping, or from a bench.
  if (bin === undefined) throw new Error('cannot start PostgreSQL: no server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin; install postgresql');
  const template = await clusterTemplate(bin);
  const dir = serverDir('fedcredit-pg-');
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    execFileSync('cp', ['-a', template, data]);
    runPg(path.join(bin, 'pg_ctl'), ['-D', data, '-o', serverSettings(port, dir), '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`cannot start a throwaway PostgreSQL server: ${err.stderr?.toString() || err.message}`);
  }
  const db = new pg.Client({ host: dir, port, user: 'postgres', database: DATABASE });
  await db.connect();
  return {
    port,
    url: `postgres://${READER.user}@127.0.0.1:${port}/${DATABASE}`,
    admin: (sql, values) => db.query(sql, values as unknown[]),
    stop: async () => {
      await db.end().catch(() => {});
      try {
        runPg(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
