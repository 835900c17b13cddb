import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsortium } from './certs.ts';
import { addRosterMember, createIdentityFiles } from './roster-edit.ts';
import { verifyRoster } from './roster-verify.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'consortium', 'openssl-certs.sh');
const DAY = 86_400_000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-roster-verify-'));
const made = path.join(tmp, 'made');
const other = path.join(tmp, 'other');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await createConsortium({ out: made, participants: [{ name: 'bank-a', role: 'bank' }, { name: 'customs', role: 'customs' }] });
  await createConsortium({ out: other, participants: [{ name: 'bank-a', role: 'bank' }] });
}, 30_000);

describe('verifyRoster', () => {
  it('accepts the roster and certificates of fedcredit certs', () => {
    const r = verifyRoster({ roster: path.join(made, 'roster.json'), ca: path.join(made, 'ca', 'ca.pem'), certsDir: path.join(made, 'participants') });
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, consortium: 'test-consortium', certificatesChecked: true });
    expect(r.members.map((m) => [m.name, m.certificate])).toEqual([
      ['bank-a', path.join(made, 'participants', 'bank-a', 'cert.pem')],
      ['customs', path.join(made, 'participants', 'customs', 'cert.pem')],
    ]);
  });

  it('accepts certificates made with openssl and a roster made with roster add', () => {
    const dir = path.join(tmp, 'openssl');
    execFileSync('sh', [SCRIPT, dir, 'carol', 'dave'], { env: { ...process.env, CONSORTIUM: 'openssl-test' }, stdio: 'pipe' });
    const roster = path.join(dir, 'roster.json');
    for (const name of ['carol', 'dave']) {
      const id = createIdentityFiles({ name, role: 'bank', out: path.join(dir, 'participants', name) });
      addRosterMember(roster, { name, role: 'bank', publicKey: id.publicKeyFile, cert: path.join(dir, 'participants', name, 'cert.pem') }, { consortium: 'openssl-test' });
    }
    const r = verifyRoster({ roster, ca: path.join(dir, 'ca', 'ca.pem'), certsDir: path.join(dir, 'participants') });
    expect(r.problems).toEqual([]);
    expect(r.members.map((m) => m.name)).toEqual(['carol', 'dave']);
  });

  it('names every certificate problem: another CA, another name, expiry, missing file', () => {
    const certs = path.join(tmp, 'mixed-certs');
    mkdirSync(certs);
    copyFileSync(path.join(other, 'participants', 'bank-a', 'cert.pem'), path.join(certs, 'bank-a.pem'));
    copyFileSync(path.join(made, 'participants', 'bank-a', 'cert.pem'), path.join(certs, 'customs.crt'));
    const r = verifyRoster({ roster: path.join(made, 'roster.json'), ca: path.join(made, 'ca', 'ca.pem'), certsDir: certs });
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/bank-a\.pem: the certificate \(issuer ".*test-consortium CA.*"\) was not issued by the consortium CA/);
    expect(r.problems[1]).toMatch(/customs\.crt: the certificate is issued to CN=bank-a, not to "customs"/);

    const later = verifyRoster({ roster: path.join(made, 'roster.json'), ca: path.join(made, 'ca', 'ca.pem'), certsDir: path.join(made, 'participants'), now: new Date(Date.now() + 900 * DAY) });
    expect(later.problems.filter((p) => /expired on/.test(p))).toHaveLength(2);
    const earlier = verifyRoster({ roster: path.join(made, 'roster.json'), ca: path.join(made, 'ca', 'ca.pem'), certsDir: path.join(made, 'participants'), now: new Date(Date.now() - DAY) });
    expect(earlier.problems.filter((p) => /not valid before/.test(p))).toHaveLength(2);

    const none = verifyRoster({ roster: path.join(made, 'roster.json'), ca: path.join(made, 'ca', 'ca.pem'), certsDir: path.join(other, 'participants') });
    expect(none.problems).toEqual([expect.stringMatching(/bank-a\/cert\.pem: .*not issued by the consortium CA.*another CA of the same name/), `${path.join(other, 'participants')}: no certificate for member "customs" (looked for customs/cert.pem, customs.pem, customs.crt)`]);
  });

  it('names schema problems, duplicates and invalid keys with their field', () => {
    const file = path.join(tmp, 'bad-roster.json');
    const k = createIdentityFiles({ name: 'x', role: 'bank', out: path.join(tmp, 'bad-k') }).publicKey;
    const member = (name: string, publicKey: string) => ({ name, role: 'bank', publicKey });
    writeFileSync(file, JSON.stringify({ format: 'fedcredit-roster', version: 1, consortium: 'c', members: [member('a', k), member('a', k)] }));
    const dup = verifyRoster({ roster: file });
    expect(dup.problems).toEqual([`${file}: members.1.name: "a" is listed twice (also members.0)`, `${file}: members.1.publicKey: the same key is listed for members.0; every institution needs its own key`]);
    writeFileSync(file, JSON.stringify({ format: 'fedcredit-roster', version: 1, consortium: 'c', members: [member('a', k), member('b', `01${'00'.repeat(31)}`)] }));
    expect(verifyRoster({ roster: file }).problems).toEqual([`${file}: members.1.publicKey ("b"): not a valid Ed25519 public key (not a point of the curve, or one of small order)`]);
    writeFileSync(file, '{"format":"fedcredit-roster"');
    expect(verifyRoster({ roster: file }).problems[0]).toMatch(/bad-roster\.json: not valid JSON/);
    expect(verifyRoster({ roster: path.join(tmp, 'absent.json') }).problems).toEqual([`${path.join(tmp, 'absent.json')}: roster not found`]);
  });
});
