import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import { afterAll, describe, expect, it } from 'vitest';
import { TrustConfigError } from './errors.ts';
import { loadIdentity, loadRoster } from './files.ts';
import { addRosterMember, createIdentityFiles, readPublicKeyArg, removeRosterMember } from './roster-edit.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-roster-edit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SMALL_ORDER = `01${'00'.repeat(31)}`; // the neutral point: a valid encoding, but of order 1

describe('createIdentityFiles', () => {
  it('writes an identity the participant loads, and its public key apart', () => {
    const dir = path.join(tmp, 'id-bank-a');
    const made = createIdentityFiles({ name: 'bank-a', role: 'bank', out: dir });
    const id = loadIdentity(made.identityFile);
    expect(id.name).toBe('bank-a');
    expect(id.role).toBe('bank');
    // The public key belongs to the secret key: a signature made with one verifies under the other.
    const msg = new TextEncoder().encode('hello');
    expect(nacl.sign.detached.verify(msg, nacl.sign.detached(msg, id.secretKey), Buffer.from(made.publicKey, 'hex'))).toBe(true);
    expect(readFileSync(made.publicKeyFile, 'utf8')).toBe(`${made.publicKey}\n`);
    expect(statSync(made.identityFile).mode & 0o777).toBe(0o600);
  });

  it('refuses to replace an identity without force, and bad names and roles', () => {
    const dir = path.join(tmp, 'id-twice');
    const first = createIdentityFiles({ name: 'bank-b', role: 'bank', out: dir });
    expect(() => createIdentityFiles({ name: 'bank-b', role: 'bank', out: dir })).toThrow(/already exists.*--force/);
    expect(readFileSync(first.publicKeyFile, 'utf8').trim()).toBe(first.publicKey);
    expect(createIdentityFiles({ name: 'bank-b', role: 'bank', out: dir, force: true }).publicKey).not.toBe(first.publicKey);
    expect(() => createIdentityFiles({ name: 'bad name', role: 'bank', out: dir })).toThrow(/name "bad name"/);
    expect(() => createIdentityFiles({ name: 'x', role: 'lender', out: dir })).toThrow(/role must be one of/);
  });
});

describe('readPublicKeyArg', () => {
  it('reads hex, identity.pub, an identity JSON and an openssl Ed25519 PEM', () => {
    const made = createIdentityFiles({ name: 'bank-c', role: 'bank', out: path.join(tmp, 'id-c') });
    expect(readPublicKeyArg(made.publicKey.toUpperCase())).toBe(made.publicKey);
    expect(readPublicKeyArg(made.publicKeyFile)).toBe(made.publicKey);
    expect(readPublicKeyArg(made.identityFile)).toBe(made.publicKey);
    const key = path.join(tmp, 'ed.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
    const pub = execFileSync('openssl', ['pkey', '-in', key, '-pubout']).toString();
    const raw = execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-outform', 'DER']).subarray(-32).toString('hex');
    writeFileSync(path.join(tmp, 'ed.pub'), pub);
    expect(readPublicKeyArg(path.join(tmp, 'ed.pub'))).toBe(raw);
  });

  it('refuses what is not an Ed25519 public key, naming it', () => {
    expect(() => readPublicKeyArg(SMALL_ORDER)).toThrow(/not a valid Ed25519 public key/);
    expect(() => readPublicKeyArg('ff'.repeat(32))).toThrow(/not a valid Ed25519 public key/);
    expect(() => readPublicKeyArg('abc')).toThrow(/abc: neither 64 hex digits nor an existing file/);
    const ec = path.join(tmp, 'ec.pub');
    writeFileSync(ec, execFileSync('openssl', ['pkey', '-pubout'], { input: execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']) }));
    expect(() => readPublicKeyArg(ec)).toThrow(/ec\.pub: not an Ed25519 public key/);
  });
});

describe('addRosterMember and removeRosterMember', () => {
  const roster = path.join(tmp, 'roster.json');
  let made = 0;
  const key = (name: string) => createIdentityFiles({ name, role: 'bank', out: path.join(tmp, `k-${name}-${made++}`) }).publicKey;

  it('starts a roster, adds and removes members, and the result loads', () => {
    expect(() => addRosterMember(roster, { name: 'bank-a', role: 'bank', publicKey: key('bank-a') })).toThrow(/roster not found/);
    addRosterMember(roster, { name: 'bank-a', role: 'bank', publicKey: key('bank-a') }, { consortium: 'c1' });
    addRosterMember(roster, { name: 'customs', role: 'customs', publicKey: key('customs') });
    expect(loadRoster(roster).members.map((m) => [m.name, m.role])).toEqual([['bank-a', 'bank'], ['customs', 'customs']]);
    removeRosterMember(roster, 'customs');
    expect(loadRoster(roster)).toMatchObject({ consortium: 'c1', members: [{ name: 'bank-a' }] });
    expect(statSync(roster).mode & 0o777).toBe(0o644);
  });

  it('refuses duplicate names and keys, bad keys, unknown and last members, and leaves the file unchanged', () => {
    const before = readFileSync(roster);
    const existing = loadRoster(roster).members[0]!;
    const refusals: Array<[() => unknown, RegExp]> = [
      [() => addRosterMember(roster, { name: 'bank-a', role: 'bank', publicKey: key('x1') }), /"bank-a" is already a member/],
      [() => addRosterMember(roster, { name: 'bank-z', role: 'bank', publicKey: existing.publicKey }), /already listed for "bank-a"/],
      [() => addRosterMember(roster, { name: 'bank-z', role: 'bank', publicKey: SMALL_ORDER }), /not a valid Ed25519/],
      [() => addRosterMember(roster, { name: 'bank z', role: 'bank', publicKey: key('x2') }), /member name "bank z"/],
      [() => removeRosterMember(roster, 'bank-q'), /"bank-q" is not a member \(members: bank-a\)/],
      [() => removeRosterMember(roster, 'bank-a'), /only member/],
    ];
    for (const [edit, message] of refusals) {
      expect(edit).toThrow(TrustConfigError);
      expect(edit).toThrow(message);
      expect(readFileSync(roster).equals(before)).toBe(true);
    }
  });
});
