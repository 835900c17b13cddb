/**
 * Where a participant's database password comes from, first match wins: an explicit password (a
 * library caller's, or `--data-password-file`), one written in the URL, the PGPASSWORD
 * variable, then the pgpass file (PGPASSFILE, default ~/.pgpass) as libpq reads it. The password
 * is only ever handed to the database driver; nothing here prints it.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { dataError } from '../../core/data/errors.ts';

/** Largest password file read (a password is a line; this only stops accidents). */
const MAX_PASSWORD_FILE_BYTES = 64 * 1024;

/**
 * Reads a password file: its first line, without the line break. A DataError names the file (never
 * its content) when it is missing, empty or too large.
 */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    if (statSync(file).size > MAX_PASSWORD_FILE_BYTES) throw new Error(`larger than ${MAX_PASSWORD_FILE_BYTES} bytes; expected one line`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw dataError({ file }, `cannot read the password file: ${(e as Error).message}`, e);
  }
  const password = text.split(/\r?\n/, 1)[0] ?? '';
  if (password === '') throw dataError({ file }, 'the password file is empty (expected the password on its first line)');
  return password;
}

/** Who the password is for, as the pgpass file matches it. */
export interface PasswordFor {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Picks the password by the order in the module comment; undefined when none applies. */
export function resolvePassword(
  target: PasswordFor,
  given: { password?: string; urlPassword?: string },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (given.password !== undefined) return given.password;
  if (given.urlPassword !== undefined) return given.urlPassword;
  if (env.PGPASSWORD !== undefined && env.PGPASSWORD !== '') return env.PGPASSWORD;
  return pgpassLookup(target, env);
}

/**
 * The password the pgpass file lists for `target`, as libpq does it: lines
 * `host:port:database:user:password`, `*` matching anything, `\:` and `\\` escapes, `#` comments;
 * a unix-socket host matches `localhost`. Like libpq, a file others can read is ignored.
 */
export function pgpassLookup(target: PasswordFor, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.PGPASSFILE ?? path.join(homedir(), '.pgpass');
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile() || (process.platform !== 'win32' && (st.mode & 0o077) !== 0)) return undefined;
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const host = target.host.startsWith('/') ? 'localhost' : target.host;
  const wanted = [host, String(target.port), target.database, target.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = splitPgpassLine(line);
    if (fields.length < 5) continue;
    if (wanted.every((w, i) => fields[i] === '*' || fields[i] === w)) return fields.slice(4).join(':');
  }
  return undefined;
}

/** Splits a pgpass line at unescaped colons, resolving `\:` and `\\`. */
function splitPgpassLine(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}
