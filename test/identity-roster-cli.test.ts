/**
 * `fedcredit identity new` and `fedcredit roster add | remove | verify` as an operator runs them
 * around certificates made elsewhere: the identity and roster they write are what a participant
 * loads with its certificate, a refused edit exits with code 2 and leaves the roster unchanged, and
 * `roster verify` exits 1 naming a certificate of another CA.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsortium } from '../trust/certs.ts';
import { loadCredentials } from '../trust/files.ts';
import { createIdentityFiles } from '../trust/roster-edit.ts';
import { runCli, tempDir } from './helpers.ts';

describe('identity and roster commands', () => {
  const tmp = tempDir('roster-cli');
  const pki = path.join(tmp.dir, 'pki');
  const other = path.join(tmp.dir, 'other');
  const roster = path.join(tmp.dir, 'roster.json');
  beforeAll(async () => {
    // Stand-ins for certificates from the institutions' own CA (their identity keys are not used).
    await createConsortium({ out: pki, participants: [{ name: 'bank-a', role: 'bank' }, { name: 'customs', role: 'customs' }] });
    await createConsortium({ out: other, participants: [{ name: 'customs', role: 'customs' }] });
  }, 30_000);
  afterAll(() => tmp.cleanup());

  it('makes identities, builds a roster a participant loads, refuses bad edits, verifies certificates', async () => {
    const dirA = path.join(pki, 'participants', 'bank-a');
    const made = await runCli(['identity', 'new', '--name', 'bank-a', '--role', 'bank', '--out', dirA, '--force', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const id = JSON.parse(made.stdout) as { publicKey: string; publicKeyFile: string };
    const add = await runCli(['roster', 'add', '--roster', roster, '--consortium', 'my-consortium', '--name', 'bank-a', '--role', 'bank', '--public-key', id.publicKeyFile, '--cert', path.join(dirA, 'cert.pem'), '--json']);
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ consortium: 'my-consortium', members: [{ name: 'bank-a', role: 'bank', publicKey: id.publicKey }] });
    // The participant's credentials directory with the new identity and roster loads as the node loads it.
    copyFileSync(roster, path.join(dirA, 'roster.json'));
    const creds = loadCredentials(dirA, 'participant');
    expect(Buffer.from(creds.identity.publicKey).toString('hex')).toBe(id.publicKey);

    // Each process starts the whole CLI (about a second): the rest run side by side, none changes the roster.
    const before = readFileSync(roster);
    const customsKey = createIdentityFiles({ name: 'customs', role: 'customs', out: path.join(tmp.dir, 'customs-id') }).publicKeyFile;
    const [wrong, last, verified, foreign] = await Promise.all([
      runCli(['roster', 'add', '--roster', roster, '--name', 'customs', '--role', 'customs', '--public-key', customsKey, '--cert', path.join(dirA, 'cert.pem')]),
      runCli(['roster', 'remove', '--roster', roster, '--name', 'bank-a']),
      runCli(['roster', 'verify', '--roster', roster, '--ca', path.join(pki, 'ca', 'ca.pem'), '--certs-dir', path.join(pki, 'participants'), '--json']),
      runCli(['roster', 'verify', '--roster', roster, '--ca', path.join(pki, 'ca', 'ca.pem'), '--certs-dir', path.join(other, 'participants')]),
    ]);
    // A certificate issued to another name, or removing the last member: refused, the roster unchanged.
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/cert\.pem: the certificate is issued to CN=bank-a, not to "customs"/);
    expect(last.code).toBe(2);
    expect(last.stderr).toMatch(/"bank-a" is the only member/);
    expect(readFileSync(roster).equals(before)).toBe(true);
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, certificatesChecked: true, problems: [], members: [{ name: 'bank-a', certificate: path.join(dirA, 'cert.pem') }] });
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toMatch(/1 problem\(s\):\n {2}.*no certificate for member "bank-a"/);
  }, 60_000);
});
