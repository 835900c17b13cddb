/**
 * Making identity keys and editing the roster without `fedcredit certs`, for consortia whose
 * certificates come from openssl or an institution's own CA (docs/operations.md):
 *
 *  - {@link createIdentityFiles}: an institution's Ed25519 identity key (trust/format.ts) as
 *    `identity.json` (mode 0600, never leaves the institution) and `identity.pub` (the public key
 *    in hex, for whoever keeps the roster);
 *  - {@link addRosterMember} / {@link removeRosterMember}: one member more or less. The edited
 *    roster is validated as a whole before it is written, and written atomically
 *    (platform/atomic.ts): a refused edit leaves the file as it was, byte for byte.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../platform/atomic.ts';
import { TrustConfigError } from './errors.ts';
import { loadRoster } from './files.ts';
import { NameSchema, RoleSchema, RosterSchema, identityFileFromSeed, type Role, type Roster } from './format.ts';
import { checkMemberCertificate, isValidEd25519PublicKey } from './member-cert.ts';

/** What {@link createIdentityFiles} wrote. */
export interface CreatedIdentity {
  name: string;
  role: Role;
  /** The public key, lowercase hex: what `roster add --public-key` takes. */
  publicKey: string;
  /** `identity.json`: the private key; keep it at the institution. */
  identityFile: string;
  /** `identity.pub`: the public key in hex, for the roster. */
  publicKeyFile: string;
}

function checkName(name: string, what: string): void {
  const r = NameSchema.safeParse(name);
  if (!r.success) throw new TrustConfigError(`${what} "${name}": ${r.error.issues[0]?.message}`);
}

function checkRole(role: string): Role {
  const r = RoleSchema.safeParse(role);
  if (!r.success) throw new TrustConfigError(`role must be one of ${RoleSchema.options.join(', ')}, got "${role}"`);
  return r.data;
}

/**
 * Writes a fresh identity key for `name` into `out` (created if missing). Refuses to replace an
 * existing `identity.json` unless `force`: the roster and every peer know the old key.
 */
export function createIdentityFiles(o: { name: string; role: string; out: string; force?: boolean; rng?: (n: number) => Uint8Array }): CreatedIdentity {
  checkName(o.name, 'name');
  const role = checkRole(o.role);
  const dir = path.resolve(o.out);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new TrustConfigError(`${dir} exists and is not a directory`);
  const identityFile = path.join(dir, 'identity.json');
  const publicKeyFile = path.join(dir, 'identity.pub');
  if (fs.existsSync(identityFile) && !o.force) throw new TrustConfigError(`${identityFile} already exists; the roster lists its key, so replacing it means a roster change too (pass --force to replace it)`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const seed = Buffer.from((o.rng ?? randomBytes)(32));
  const file = identityFileFromSeed(o.name, role, seed);
  seed.fill(0);
  writeFileAtomic(identityFile, JSON.stringify(file, null, 2) + '\n'); // created with mode 0600
  fs.chmodSync(identityFile, 0o600);
  writeFileAtomic(publicKeyFile, file.publicKey + '\n');
  fs.chmodSync(publicKeyFile, 0o644);
  return { name: o.name, role, publicKey: file.publicKey, identityFile, publicKeyFile };
}

/**
 * An Ed25519 public key given as 64 hex digits or as a file holding one of: the hex digits
 * (`identity.pub`), an identity JSON with a `publicKey` field, or an SPKI PEM public key
 * (`openssl pkey -pubout` of an Ed25519 key). Returns lowercase hex.
 */
export function readPublicKeyArg(value: string): string {
  const hex = (s: string, where: string) => {
    if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new TrustConfigError(`${where}: expected an Ed25519 public key as 64 hex digits`);
    if (!isValidEd25519PublicKey(s)) throw new TrustConfigError(`${where}: not a valid Ed25519 public key (not a point of the curve, or one of small order)`);
    return s.toLowerCase();
  };
  if (/^[0-9a-fA-F]{64}$/.test(value)) return hex(value, 'the public key');
  let text: string;
  try {
    text = fs.readFileSync(value, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TrustConfigError(`${value}: neither 64 hex digits nor an existing file`);
    throw new TrustConfigError(`${value}: cannot read the public key (${(err as Error).message})`);
  }
  if (text.startsWith('-----BEGIN PUBLIC KEY-----')) {
    try {
      const jwk = createPublicKey(text).export({ format: 'jwk' });
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new Error(`a ${jwk.crv ?? jwk.kty} key, not Ed25519`);
      return hex(Buffer.from(jwk.x, 'base64url').toString('hex'), value);
    } catch (err) {
      if (err instanceof TrustConfigError) throw err;
      throw new TrustConfigError(`${value}: not an Ed25519 public key (${(err as Error).message})`);
    }
  }
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TrustConfigError(`${value}: not valid JSON (${(err as Error).message})`);
    }
    const pk = (json as { publicKey?: unknown }).publicKey;
    if (typeof pk !== 'string') throw new TrustConfigError(`${value}: no "publicKey" field`);
    return hex(pk, `${value}: publicKey`);
  }
  return hex(text, value);
}

/** The roster after an edit, validated as a whole; throws naming the first problems. */
function validated(file: string, next: unknown): Roster {
  const r = RosterSchema.safeParse(next);
  if (r.success) return r.data;
  throw new TrustConfigError(`${file}: the edit would make the roster invalid: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

/** Replaces the roster file atomically; the roster is public within the consortium (mode 0644). */
function writeRoster(file: string, roster: Roster): void {
  writeJsonAtomic(file, roster);
  fs.chmodSync(file, 0o644);
}

/** A member to add. */
export interface NewMember {
  name: string;
  role: string;
  /** 64 hex digits or a file (see {@link readPublicKeyArg}). */
  publicKey: string;
  /** The member's certificate (PEM): its CN must be the name, and it must be valid now. */
  cert?: string;
}

/**
 * Adds a member to the roster in `file`. Without the file, `consortium` names a new roster.
 * Refuses a name or key the roster already lists, an invalid key, and a certificate issued to
 * another name or outside its validity; the file is then unchanged.
 */
export function addRosterMember(file: string, m: NewMember, o: { consortium?: string; now?: Date } = {}): Roster {
  checkName(m.name, 'member name');
  const role = checkRole(m.role);
  const publicKey = readPublicKeyArg(m.publicKey);
  if (m.cert !== undefined) {
    let pem: string;
    try {
      pem = fs.readFileSync(m.cert, 'utf8');
    } catch (err) {
      throw new TrustConfigError(`${m.cert}: cannot read the certificate (${(err as Error).message})`);
    }
    const problems = checkMemberCertificate({ name: m.name, pem, file: m.cert, ...(o.now ? { now: o.now } : {}) });
    if (problems.length > 0) throw new TrustConfigError(problems.join('; '));
  }
  let roster: Roster;
  if (fs.existsSync(file)) roster = loadRoster(file);
  else if (o.consortium !== undefined) roster = { format: 'fedcredit-roster', version: 1, consortium: o.consortium, members: [], operators: [] };
  else throw new TrustConfigError(`${file}: roster not found (to start a new roster, also give the consortium name: --consortium NAME)`);
  const byName = roster.members.find((x) => x.name === m.name);
  if (byName) throw new TrustConfigError(`${file}: "${m.name}" is already a member (remove it first to change its key or role)`);
  const byKey = roster.members.find((x) => x.publicKey === publicKey);
  if (byKey) throw new TrustConfigError(`${file}: the key is already listed for "${byKey.name}"; every institution needs its own key`);
  const next = validated(file, { ...roster, members: [...roster.members, { name: m.name, role, publicKey }] });
  writeRoster(file, next);
  return next;
}

/** Removes the member `name` from the roster in `file`; refuses an unknown name or the last member. */
export function removeRosterMember(file: string, name: string): Roster {
  const roster = loadRoster(file);
  if (!roster.members.some((m) => m.name === name)) {
    throw new TrustConfigError(`${file}: "${name}" is not a member (members: ${roster.members.map((m) => m.name).join(', ')})`);
  }
  if (roster.members.length === 1) throw new TrustConfigError(`${file}: "${name}" is the only member; a roster must list at least one`);
  const next = validated(file, { ...roster, members: roster.members.filter((m) => m.name !== name) });
  writeRoster(file, next);
  return next;
}
