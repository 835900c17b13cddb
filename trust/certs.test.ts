/**
 * createConsortium writes a consortium that openssl verifies, with the right names, key usages
 * and file modes; the loaders of trust/files.ts read it back and name the file (and field) of
 * every problem.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustConfigError } from './errors.ts';
import { createConsortium, type ConsortiumResult } from './certs.ts';
import { certificateCommonName, loadCredentials, loadIdentity, loadOperatorToken, loadRoster, operatorTokenHash } from './files.ts';
import { RosterSchema } from './format.ts';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
let tmp: string;
let dir: string;
let result: ConsortiumResult;
const at = (...p: string[]) => path.join(dir, ...p);
const cert = (...p: string[]) => new X509Certificate(fs.readFileSync(at(...p)));
const mode = (...p: string[]) => fs.statSync(at(...p)).mode & 0o777;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fedcredit-certs-'));
  dir = path.join(tmp, 'consortium');
  result = await createConsortium({
    out: dir, consortium: 'Test Consortium', days: 30, hosts: ['localhost', '127.0.0.1', 'coord.example.org', '::1'],
    participants: [{ name: 'alice', role: 'bank' }, { name: 'bob.platform', role: 'platform' }], operators: ['ops'],
  });
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of one participant's directory, for tests that break a file. */
function copyOf(sub: string): string {
  const d = fs.mkdtempSync(path.join(tmp, 'copy-'));
  fs.cpSync(at(sub), d, { recursive: true });
  return d;
}
const usageError = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TrustConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a TrustConfigError');
};

describe('createConsortium', () => {
  it('writes certificates that openssl verifies against the CA', () => {
    for (const f of ['coordinator/cert.pem', 'participants/alice/cert.pem', 'participants/bob.platform/cert.pem', 'operators/ops/cert.pem']) {
      const out = execFileSync('/usr/bin/openssl', ['verify', '-CAfile', at('ca', 'ca.pem'), at(f)], { encoding: 'utf8' });
      expect(out.trim()).toBe(`${at(f)}: OK`);
    }
  });

  it('makes a CA and leaf certificates with the right names, SANs and key usages', () => {
    const ca = cert('ca', 'ca.pem');
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('O=Test Consortium');
    const coord = cert('coordinator', 'cert.pem');
    expect(coord.ca).toBe(false);
    expect(certificateCommonName(coord.toString())).toBe('coordinator');
    expect(coord.subjectAltName?.split(', ')).toEqual(['DNS:localhost', 'IP Address:127.0.0.1', 'DNS:coord.example.org', 'IP Address:0:0:0:0:0:0:0:1']);
    expect(coord.keyUsage).toEqual([SERVER_AUTH]); // node's keyUsage lists the extended key usages
    expect(coord.checkIssued(ca) && coord.verify(ca.publicKey)).toBe(true);
    const alice = cert('participants', 'alice', 'cert.pem');
    expect(certificateCommonName(alice.toString())).toBe('alice');
    expect(alice.keyUsage).toEqual([CLIENT_AUTH]);
    expect(alice.subjectAltName).toBeUndefined();
    expect(cert('operators', 'ops', 'cert.pem').keyUsage).toEqual([CLIENT_AUTH]);
    expect(alice.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(alice.serialNumber).not.toBe(coord.serialNumber);
    const days = (Date.parse(alice.validTo) - Date.parse(alice.validFrom)) / 86_400_000;
    expect(days).toBeCloseTo(30, 3);
  });

  it('writes keys, identities and tokens readable by the owner only', () => {
    for (const f of ['ca/ca.key', 'coordinator/key.pem', 'participants/alice/key.pem', 'participants/alice/identity.json', 'operators/ops/key.pem', 'operators/ops/token']) {
      expect(mode(f), f).toBe(0o600);
    }
    expect(fs.readFileSync(at('ca', 'ca.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('writes one roster with the members\' identity keys and the operators\' token hashes, copied to every node', () => {
    const roster = loadRoster(at('roster.json'));
    expect(RosterSchema.parse(roster)).toEqual(result.roster);
    expect(roster.consortium).toBe('Test Consortium');
    expect(roster.members.map((m) => [m.name, m.role])).toEqual([['alice', 'bank'], ['bob.platform', 'platform']]);
    const alice = loadIdentity(at('participants', 'alice', 'identity.json'));
    expect(roster.members[0]!.publicKey).toBe(Buffer.from(alice.publicKey).toString('hex'));
    const token = loadOperatorToken(at('operators', 'ops', 'token'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(roster.operators).toEqual([{ name: 'ops', tokenSha256: operatorTokenHash(token) }]);
    const text = fs.readFileSync(at('roster.json'), 'utf8');
    for (const f of ['coordinator/roster.json', 'participants/alice/roster.json', 'participants/bob.platform/roster.json']) expect(fs.readFileSync(at(f), 'utf8')).toBe(text);
  });

  it('loads every node\'s credentials', () => {
    expect(loadCredentials(at('coordinator'), 'coordinator').roster.members).toHaveLength(2);
    const bob = loadCredentials(at('participants', 'bob.platform'), 'participant');
    expect([bob.commonName, bob.identity.name, bob.identity.role]).toEqual(['bob.platform', 'bob.platform', 'platform']);
    expect(loadCredentials(at('operators', 'ops'), 'operator').token).toBe(loadOperatorToken(at('operators', 'ops', 'token')));
  });

  it('refuses a non-empty directory unless forced', async () => {
    const p = [{ name: 'x', role: 'other' as const }];
    await expect(createConsortium({ out: dir, participants: p })).rejects.toThrow(/is not empty.*--force/);
    const d = path.join(tmp, 'forced');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'README'), 'x');
    const r = await createConsortium({ out: d, participants: p, force: true });
    expect(r.files).toContain('participants/x/identity.json');
  });

  it('refuses bad input with clear errors', async () => {
    const out = path.join(tmp, 'never');
    const bank = (name: string) => ({ name, role: 'bank' as const });
    await expect(createConsortium({ out, participants: [bank('a'), bank('a')] })).rejects.toThrow(/"a" is given twice/);
    await expect(createConsortium({ out, participants: [bank('a')], operators: ['a'] })).rejects.toThrow(/"a" is given twice \(participant and operator\)/);
    await expect(createConsortium({ out, participants: [bank('a b')] })).rejects.toThrow(/participant name "a b"/);
    await expect(createConsortium({ out, participants: [bank('a')], operators: ['-x'] })).rejects.toThrow(/operator name "-x"/);
    await expect(createConsortium({ out, participants: [{ name: 'a', role: 'broker' as never }] })).rejects.toThrow(/role must be one of/);
    await expect(createConsortium({ out, participants: [] })).rejects.toThrow(/at least one participant/);
    await expect(createConsortium({ out, participants: [bank('a')], hosts: ['bad host'] })).rejects.toThrow(/host "bad host"/);
    await expect(createConsortium({ out, participants: [bank('a')], days: 0 })).rejects.toThrow(/days/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('loader errors name the file', () => {
  it('a missing certificate', () => {
    const d = copyOf('participants/alice');
    fs.rmSync(path.join(d, 'cert.pem'));
    expect(usageError(() => loadCredentials(d, 'participant'))).toBe(`${path.join(d, 'cert.pem')}: certificate not found`);
  });

  it('a file that is not PEM', () => {
    const d = copyOf('participants/alice');
    fs.writeFileSync(path.join(d, 'key.pem'), 'not a key\n');
    expect(usageError(() => loadCredentials(d, 'participant'))).toMatch(new RegExp(`^${path.join(d, 'key.pem')}: the private key is not PEM`));
  });

  it('an identity whose name differs from the certificate CN', () => {
    const d = copyOf('participants/alice');
    fs.copyFileSync(at('participants', 'bob.platform', 'identity.json'), path.join(d, 'identity.json'));
    expect(usageError(() => loadCredentials(d, 'participant'))).toBe(
      `${path.join(d, 'identity.json')}: name "bob.platform" differs from the certificate's CN "alice" in ${path.join(d, 'cert.pem')}`,
    );
  });

  it('a bad roster field', () => {
    const d = copyOf('coordinator');
    const r = JSON.parse(fs.readFileSync(path.join(d, 'roster.json'), 'utf8'));
    r.members[1].publicKey = 'abc';
    fs.writeFileSync(path.join(d, 'roster.json'), JSON.stringify(r));
    expect(usageError(() => loadCredentials(d, 'coordinator'))).toMatch(new RegExp(`^${path.join(d, 'roster.json')}: invalid roster: members\\.1\\.publicKey: must be 32 bytes`));
    fs.writeFileSync(path.join(d, 'roster.json'), '{');
    expect(usageError(() => loadRoster(path.join(d, 'roster.json')))).toMatch(/roster\.json: the roster is not valid JSON/);
  });

  it('a key, certificate or CA from elsewhere', () => {
    const d = copyOf('participants/alice');
    fs.copyFileSync(at('participants', 'bob.platform', 'key.pem'), path.join(d, 'key.pem'));
    expect(usageError(() => loadCredentials(d, 'participant'))).toMatch(/key\.pem: the private key does not belong to .*cert\.pem/);
    const e = copyOf('participants/alice');
    fs.copyFileSync(at('coordinator', 'cert.pem'), path.join(e, 'ca.pem'));
    expect(usageError(() => loadCredentials(e, 'participant'))).toMatch(/cert\.pem: the certificate was not issued by the CA in .*ca\.pem/);
  });

  it('an empty or missing operator token, and a participant outside the roster', () => {
    const d = copyOf('operators/ops');
    fs.writeFileSync(path.join(d, 'token'), '  \n');
    expect(usageError(() => loadCredentials(d, 'operator'))).toBe(`${path.join(d, 'token')}: the operator token is empty`);
    fs.rmSync(path.join(d, 'token'));
    expect(usageError(() => loadCredentials(d, 'operator'))).toBe(`${path.join(d, 'token')}: operator token not found`);
    const p = copyOf('participants/alice');
    const r = JSON.parse(fs.readFileSync(path.join(p, 'roster.json'), 'utf8'));
    r.members = r.members.filter((m: { name: string }) => m.name !== 'alice');
    fs.writeFileSync(path.join(p, 'roster.json'), JSON.stringify(r));
    expect(usageError(() => loadCredentials(p, 'participant'))).toMatch(/"alice" .* is not a member of the roster/);
  });
});
