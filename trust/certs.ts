/**
 * A test consortium's trust material, written to one directory (docs/operations.md):
 *
 *     ca/ca.pem, ca/ca.key                       self-signed CA (the key stays offline in production)
 *     coordinator/{ca,cert,key}.pem, roster.json  server certificate, CN=coordinator, SANs = hosts
 *     participants/<name>/{ca,cert,key}.pem, identity.json, roster.json
 *     operators/<name>/{ca,cert,key}.pem, token
 *     roster.json                                 members' Ed25519 keys and operators' token hashes
 *
 * X.509 v3 certificates (RFC 5280) with ECDSA P-256 / SHA-256 keys (FIPS 186-4, RFC 5480),
 * made with @peculiar/x509 over node's WebCrypto; private keys as PKCS#8 PEM (RFC 5208/7468).
 * Identity keys are Ed25519 (RFC 8032, trust/format.ts). Secret files are written with mode 0600.
 * The same X.509 layout can be made with openssl alone: examples/consortium/openssl-certs.sh.
 */
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs the Reflect polyfill before it loads
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { TrustConfigError } from './errors.ts';
import { NameSchema, RoleSchema, RosterSchema, identityFileFromSeed, type Role, type Roster } from './format.ts';

/** Options of {@link createConsortium}. */
export interface ConsortiumOptions {
  /** Output directory; must be empty or absent unless `force`. */
  out: string;
  /** Consortium members: one client certificate and one identity file each. */
  participants: { name: string; role: Role }[];
  /** Operators of the Control API: one client certificate and one bearer token each. */
  operators?: string[];
  /** Names and IP addresses the coordinator is reached at (default localhost, 127.0.0.1). */
  hosts?: string[];
  /** Consortium name written to the roster and the certificates' O attribute. */
  consortium?: string;
  /** Validity of every certificate in days (default 825). */
  days?: number;
  /** Write over files in a non-empty directory (other files there are left alone). */
  force?: boolean;
  /** Source of random bytes (serials, identity seeds, tokens); default node:crypto randomBytes. */
  rng?: (n: number) => Uint8Array;
  /** Start of validity (default now). */
  now?: Date;
}

/** What {@link createConsortium} wrote. */
export interface ConsortiumResult {
  /** The output directory (absolute). */
  dir: string;
  /** The roster written to `roster.json` and copied to the coordinator and participants. */
  roster: Roster;
  /** Paths written, relative to `dir`. */
  files: string[];
}

/** Defaults of {@link ConsortiumOptions}. */
export const CONSORTIUM_DEFAULTS = { hosts: ['localhost', '127.0.0.1'], consortium: 'test-consortium', days: 825 } as const;

const crypto = webcrypto;
const KEY_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

interface KeyAndCert {
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

/** Hex SHA-256 of a string (operators' tokens as the roster stores them). */
export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** Checks names, roles, hosts and days; throws a {@link TrustConfigError} naming the bad value. */
function validate(o: ConsortiumOptions): { hosts: string[]; consortium: string; days: number; operators: string[] } {
  const hosts = o.hosts ?? [...CONSORTIUM_DEFAULTS.hosts];
  const consortium = o.consortium ?? CONSORTIUM_DEFAULTS.consortium;
  const days = o.days ?? CONSORTIUM_DEFAULTS.days;
  const operators = o.operators ?? [];
  if (o.participants.length === 0) throw new TrustConfigError('a consortium needs at least one participant');
  if (!Number.isInteger(days) || days < 1 || days > 36_500) throw new TrustConfigError(`days must be an integer from 1 to 36500, got ${days}`);
  if (consortium.length < 1 || consortium.length > 200) throw new TrustConfigError('the consortium name must be 1 to 200 characters');
  if (hosts.length === 0) throw new TrustConfigError('the coordinator needs at least one host name or IP address');
  for (const h of hosts) if (!isIP(h) && !HOST_NAME.test(h)) throw new TrustConfigError(`host "${h}" is neither an IP address nor a DNS name`);
  const seen = new Map<string, string>();
  const check = (name: string, what: string) => {
    const r = NameSchema.safeParse(name);
    if (!r.success) throw new TrustConfigError(`${what} name "${name}": ${r.error.issues[0]?.message}`);
    const before = seen.get(name);
    if (before) throw new TrustConfigError(`the name "${name}" is given twice (${before} and ${what}); every participant and operator needs its own name`);
    seen.set(name, what);
  };
  for (const p of o.participants) {
    check(p.name, 'participant');
    if (!RoleSchema.safeParse(p.role).success) throw new TrustConfigError(`participant "${p.name}": role must be one of ${RoleSchema.options.join(', ')}, got "${p.role}"`);
  }
  for (const name of operators) check(name, 'operator');
  return { hosts, consortium, days, operators };
}

/** A positive serial number of 16 random bytes, in hex (RFC 5280 §4.1.2.2: at most 20 octets). */
function serial(rng: (n: number) => Uint8Array): string {
  const b = Buffer.from(rng(16));
  if (b.length !== 16) throw new TrustConfigError(`rng(16) returned ${b.length} bytes; a certificate serial number needs 16`);
  b[0] = (b[0]! & 0x7f) | 0x40; // positive and minimally encoded
  return b.toString('hex');
}

/** PKCS#8 PEM of a private key. */
async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Writes a test consortium (see the module header) and returns what it wrote. */
export async function createConsortium(o: ConsortiumOptions): Promise<ConsortiumResult> {
  const { hosts, consortium, days, operators } = validate(o);
  const rng = o.rng ?? ((n: number) => randomBytes(n));
  const dir = path.resolve(o.out);
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new TrustConfigError(`${dir} exists and is not a directory`);
    if (fs.readdirSync(dir).length > 0 && !o.force) throw new TrustConfigError(`${dir} is not empty; choose another directory or pass --force to write over it`);
  }
  const notBefore = new Date((o.now ?? new Date()).getTime() - 5 * 60_000); // tolerate small clock skew
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const files: string[] = [];
  const write = (rel: string, content: string, secret = false) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, content, { mode: secret ? 0o600 : 0o644 });
    if (secret) fs.chmodSync(file, 0o600); // the mode option applies only to new files
    files.push(rel);
  };
  const name = (cn: string): x509.JsonName => [{ CN: [cn] }, { O: [consortium] }];

  const caKeys = (await crypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(rng), name: name(`${consortium} CA`), notBefore, notAfter, keys: caKeys, signingAlgorithm: SIGN_ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const caPem = caCert.toString('pem') + '\n';

  /** A leaf certificate signed by the CA. */
  const issue = async (cn: string, eku: x509.ExtendedKeyUsage, san?: x509.JsonGeneralNames): Promise<KeyAndCert> => {
    const keys = (await crypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([eku], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
    ];
    if (san) extensions.push(new x509.SubjectAlternativeNameExtension(san, false));
    const cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial(rng), subject: name(cn), issuer: caCert.subject, notBefore, notAfter,
        publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: SIGN_ALG, extensions,
      },
      crypto,
    );
    return { keys, cert };
  };
  const writeTls = async (sub: string, kc: KeyAndCert) => {
    write(`${sub}/ca.pem`, caPem);
    write(`${sub}/cert.pem`, kc.cert.toString('pem') + '\n');
    write(`${sub}/key.pem`, await privateKeyPem(kc.keys.privateKey), true);
  };

  // Identities and tokens first: the roster must be complete before it is copied anywhere.
  const identities = o.participants.map((p) => {
    const seed = Buffer.from(rng(32));
    const file = identityFileFromSeed(p.name, p.role, seed);
    seed.fill(0);
    return file;
  });
  const tokens = operators.map((op) => ({ name: op, token: Buffer.from(rng(32)).toString('base64url') }));
  const parsed = RosterSchema.safeParse({
    format: 'fedcredit-roster', version: 1, consortium,
    members: identities.map((f) => ({ name: f.name, role: f.role, publicKey: f.publicKey })),
    operators: tokens.map((t) => ({ name: t.name, tokenSha256: sha256Hex(t.token) })),
  });
  if (!parsed.success) throw new TrustConfigError(`the roster would be invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const roster = parsed.data;
  const rosterJson = JSON.stringify(roster, null, 2) + '\n';

  write('ca/ca.pem', caPem);
  write('ca/ca.key', await privateKeyPem(caKeys.privateKey), true);
  write('roster.json', rosterJson);
  const san = hosts.map((h): x509.JsonGeneralName => ({ type: isIP(h) ? 'ip' : 'dns', value: h }));
  await writeTls('coordinator', await issue('coordinator', x509.ExtendedKeyUsage.serverAuth, san));
  write('coordinator/roster.json', rosterJson);
  for (const f of identities) {
    const sub = `participants/${f.name}`;
    await writeTls(sub, await issue(f.name, x509.ExtendedKeyUsage.clientAuth));
    write(`${sub}/identity.json`, JSON.stringify(f, null, 2) + '\n', true);
    write(`${sub}/roster.json`, rosterJson);
  }
  for (const t of tokens) {
    const sub = `operators/${t.name}`;
    await writeTls(sub, await issue(t.name, x509.ExtendedKeyUsage.clientAuth));
    write(`${sub}/token`, t.token + '\n', true);
  }
  return { dir, roster, files };
}
