/**
 * Reading the consortium's trust material from disk (formats: trust/format.ts; layout:
 * trust/certs.ts). Every problem is a {@link TrustConfigError} that names the file and, for JSON, the
 * field — the CLI prints it as one line — so a misplaced or mixed-up file is found before any
 * TLS handshake fails with an opaque error. Certificates are X.509 (RFC 5280) in PEM (RFC 7468),
 * parsed with node's `crypto.X509Certificate`.
 */
import { type KeyObject, X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { TrustConfigError } from './errors.ts';
import { IdentityFileSchema, RosterSchema, identityFromFile, type Identity, type Roster } from './format.ts';

/** Which node the credentials are for; decides which files besides the PEM files are required. */
export type CredentialKind = 'coordinator' | 'participant' | 'operator';

/** A node's TLS material, plus what its kind needs (see {@link loadCredentials}). */
export interface Credentials {
  /** The directory the files were read from. */
  dir: string;
  /** The consortium CA certificate(s), PEM (`ca.pem`). */
  ca: Buffer;
  /** This node's certificate (chain), PEM (`cert.pem`). */
  cert: Buffer;
  /** This node's private key, PEM (`key.pem`). */
  key: Buffer;
  /** The common name of `cert.pem`. */
  commonName: string;
  /** `roster.json` (coordinator and participant). */
  roster?: Roster;
  /** `identity.json` (participant). */
  identity?: Identity;
  /** `token`, the Control API bearer token (operator). */
  token?: string;
}

/** Longest operator token accepted. */
export const MAX_TOKEN_CHARS = 512;

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TrustConfigError(`${file}: ${what} not found`);
    if (code === 'EISDIR') throw new TrustConfigError(`${file}: is a directory, expected the ${what}`);
    throw new TrustConfigError(`${file}: cannot read the ${what} (${(err as Error).message})`);
  }
}

function readJson<T>(file: string, what: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFile(file, what).toString('utf8'));
  } catch (err) {
    if (err instanceof TrustConfigError) throw err;
    throw new TrustConfigError(`${file}: the ${what} is not valid JSON (${(err as Error).message})`);
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  throw new TrustConfigError(`${file}: invalid ${what}: ${problems.join('; ')}`);
}

/** Reads an identity file; the private key stays in memory only. */
export function loadIdentity(file: string): Identity {
  return identityFromFile(readJson(file, 'identity file', IdentityFileSchema));
}

/** Reads and validates a roster file. */
export function loadRoster(file: string): Roster {
  return readJson(file, 'roster', RosterSchema);
}

/** Reads an operator's bearer token: trimmed, non-empty, at most {@link MAX_TOKEN_CHARS}. */
export function loadOperatorToken(file: string): string {
  const token = readFile(file, 'operator token').toString('utf8').trim();
  if (token.length === 0) throw new TrustConfigError(`${file}: the operator token is empty`);
  if (token.length > MAX_TOKEN_CHARS) throw new TrustConfigError(`${file}: the operator token is longer than ${MAX_TOKEN_CHARS} characters`);
  if (/\s/.test(token)) throw new TrustConfigError(`${file}: the operator token contains white space`);
  return token;
}

/** Hex SHA-256 of an operator token, as the roster's `operators[].tokenSha256` holds it. */
export function operatorTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The subject common name (CN) of a PEM certificate, or undefined if it has none. */
export function certificateCommonName(pem: string | Buffer): string | undefined {
  const subject = new X509Certificate(pem).subject;
  const line = subject.split('\n').find((l) => l.startsWith('CN='));
  return line?.slice(3);
}

function readPem(file: string, what: string): Buffer {
  const pem = readFile(file, what);
  if (!pem.toString('latin1').includes('-----BEGIN')) throw new TrustConfigError(`${file}: the ${what} is not PEM (expected a "-----BEGIN …" block)`);
  return pem;
}

function parseCert(file: string, pem: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new TrustConfigError(`${file}: the ${what} cannot be parsed (${(err as Error).message})`);
  }
}

/**
 * Reads a node's credentials from `dir`: `ca.pem`, `cert.pem`, `key.pem`, and
 *  - coordinator: `roster.json`;
 *  - participant: `identity.json` and `roster.json` (the identity must be a roster member with the
 *    same key, and its name must equal the certificate's CN);
 *  - operator: `token`.
 * Also checks that `cert.pem` was issued by `ca.pem`, is within its validity and matches `key.pem`.
 */
export function loadCredentials(dir: string, kind: 'coordinator'): Credentials & { roster: Roster };
export function loadCredentials(dir: string, kind: 'participant'): Credentials & { roster: Roster; identity: Identity };
export function loadCredentials(dir: string, kind: 'operator'): Credentials & { token: string };
export function loadCredentials(dir: string, kind: CredentialKind): Credentials;
export function loadCredentials(dir: string, kind: CredentialKind): Credentials {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TrustConfigError(`${dir}: ${kind} credentials directory not found`);
  const at = (f: string) => path.join(dir, f);
  const ca = readPem(at('ca.pem'), 'CA certificate');
  const cert = readPem(at('cert.pem'), 'certificate');
  const key = readPem(at('key.pem'), 'private key');
  const caCert = parseCert(at('ca.pem'), ca, 'CA certificate');
  const own = parseCert(at('cert.pem'), cert, 'certificate');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TrustConfigError(`${at('key.pem')}: the private key cannot be parsed (${(err as Error).message})`);
  }
  if (!own.checkPrivateKey(privateKey)) throw new TrustConfigError(`${at('key.pem')}: the private key does not belong to ${at('cert.pem')}`);
  if (!own.checkIssued(caCert) || !own.verify(caCert.publicKey)) throw new TrustConfigError(`${at('cert.pem')}: the certificate was not issued by the CA in ${at('ca.pem')} (files from different consortia?)`);
  const now = Date.now();
  if (Date.parse(own.validTo) < now) throw new TrustConfigError(`${at('cert.pem')}: the certificate expired on ${own.validTo}`);
  if (Date.parse(own.validFrom) > now) throw new TrustConfigError(`${at('cert.pem')}: the certificate is not valid before ${own.validFrom}`);
  const commonName = certificateCommonName(cert);
  if (!commonName) throw new TrustConfigError(`${at('cert.pem')}: the certificate has no common name (CN)`);
  const c: Credentials = { dir, ca, cert, key, commonName };
  if (kind === 'coordinator' || kind === 'participant') c.roster = loadRoster(at('roster.json'));
  if (kind === 'participant') {
    const id = loadIdentity(at('identity.json'));
    if (id.name !== commonName) throw new TrustConfigError(`${at('identity.json')}: name "${id.name}" differs from the certificate's CN "${commonName}" in ${at('cert.pem')}`);
    const member = c.roster!.members.find((m) => m.name === id.name);
    if (!member) throw new TrustConfigError(`${at('roster.json')}: "${id.name}" (${at('identity.json')}) is not a member of the roster`);
    if (member.publicKey !== Buffer.from(id.publicKey).toString('hex')) throw new TrustConfigError(`${at('identity.json')}: public key differs from the roster's key for "${id.name}" in ${at('roster.json')}`);
    c.identity = id;
  }
  if (kind === 'operator') c.token = loadOperatorToken(at('token'));
  return c;
}
