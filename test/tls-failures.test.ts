/**
 * A participant process that cannot complete the TLS handshake with the coordinator says why, at
 * the default log level, once per cause, with what to check: a coordinator certificate of another
 * CA, one issued for another host, an expired one, and a coordinator that does not accept the
 * node's client certificate — against real coordinators with mutual TLS on loopback. A coordinator
 * that is not up yet stays a quiet retry. A TLS command (`fedcredit participants`) prints no Node
 * deprecation warning.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { createConsortium } from '../trust/certs.ts';
import type { TlsMaterial } from '../trust/tls.ts';
import { freePort } from './coordinator-process.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { issueServerCert } from './support/issue-cert.ts';

const DAY = 86_400_000;
const until = async (what: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !what(); ) await new Promise((r) => setTimeout(r, 100));
};
/** The participant's JSON log lines. */
const records = (p: ParticipantProcess) =>
  p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; cause?: string });

describe('TLS failures name their cause', () => {
  const tmp = tempDir('tls-failures');
  const main = path.join(tmp.dir, 'consortium');
  const other = path.join(tmp.dir, 'other');
  const [party] = syntheticParties(tmp.dir, 0.05, 3);
  const coords: CoordinatorHandle[] = [];
  const parts: ParticipantProcess[] = [];
  const pem = (dir: string): TlsMaterial => ({ ca: readFileSync(path.join(dir, 'ca.pem')), cert: readFileSync(path.join(dir, 'cert.pem')), key: readFileSync(path.join(dir, 'key.pem')) });
  const coordinator = async (tls: TlsMaterial) => {
    const c = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, `coord-${coords.length}`), logLevel: 'silent', tls });
    coords.push(c);
    return c;
  };
  const participant = (address: string, extra: string[] = []) => {
    const p = startParticipant(party!.name, party!.path, address, SYNTHETIC_SCHEMA, ['--credentials', path.join(main, 'participants', party!.name), ...extra]);
    parts.push(p);
    return p;
  };
  let tlsCoordinator: CoordinatorHandle;

  beforeAll(async () => {
    await createConsortium({ out: main, participants: [{ name: party!.name, role: 'bank' }], operators: ['alice'] });
    await createConsortium({ out: other, participants: [{ name: party!.name, role: 'bank' }], operators: ['alice'] });
    tlsCoordinator = await coordinator(pem(path.join(main, 'coordinator')));
  }, 90_000);
  afterAll(async () => {
    await stopAll(parts);
    for (const c of coords) await c.stop();
    tmp.cleanup();
  });

  it('warns once per cause with a hint, and keeps "not up yet" quiet', async () => {
    const now = Date.now();
    const wrongCa = await coordinator(pem(path.join(other, 'coordinator')));
    const wrongName = await coordinator(await issueServerCert(main, { cn: 'coordinator', notBefore: new Date(now - DAY), notAfter: new Date(now + DAY), sans: [{ type: 'dns', value: 'coordinator.example.org' }] }));
    const expired = await coordinator(await issueServerCert(main, { cn: 'coordinator', notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY), sans: [{ type: 'ip', value: '127.0.0.1' }] }));
    // A coordinator that trusts another CA for its clients (say, mid-way through a CA change).
    const refusesClient = await coordinator({ ...pem(path.join(main, 'coordinator')), ca: readFileSync(path.join(other, 'ca', 'ca.pem')) });
    const down = `127.0.0.1:${await freePort()}`;
    const cases = [
      { p: participant(wrongCa.address), cause: 'unknown-ca', text: /unknown CA \(self-signed certificate in certificate chain\); .*ca\.pem/ },
      { p: participant(wrongName.address), cause: 'name-mismatch', text: /for another host name \(.*127\.0\.0\.1.*\); .*subjectAltName/ },
      { p: participant(expired.address), cause: 'expired', text: /has expired \(certificate has expired\); .*renew/ },
      { p: participant(refusesClient.address), cause: 'client-certificate-refused', text: /refused this node's client certificate .*cert\.pem/ },
    ];
    const quiet = participant(down);
    // Several retries each (backoff 200, 400, 800, 1600 ms …).
    await until(() => cases.every((c) => records(c.p).some((r) => r.cause === c.cause)) && records(quiet).some((r) => r.msg.startsWith('waiting for the coordinator')), 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of cases) {
      const warnings = records(c.p).filter((r) => r.level === 40 && r.cause !== undefined);
      expect(warnings.map((w) => w.cause), c.p.output()).toEqual([c.cause]);
      expect(warnings[0]!.msg).toMatch(c.text);
      expect(warnings[0]!.msg).not.toContain('Resolution note');
    }
    const waiting = records(quiet).filter((r) => r.level >= 30 && /coordinator/.test(r.msg) && !/data loaded|policy/.test(r.msg));
    expect(waiting.map((r) => [r.level, r.msg]), quiet.output()).toEqual([[30, 'waiting for the coordinator (not up yet or unreachable); retrying']]);
    for (const p of [...cases.map((c) => c.p), quiet]) expect(p.output()).not.toContain('DeprecationWarning');
  }, 90_000);

  it('writes the warning as a readable line with --log-format pretty', async () => {
    const wrongCa = coords[1]!;
    const p = participant(wrongCa.address, ['--log-format', 'pretty']);
    await until(() => p.output().includes('unknown CA'), 20_000);
    const line = p.output().split('\n').find((l) => l.includes('unknown CA'));
    expect(line, p.output()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: participant:[\w-]+: TLS: the coordinator's certificate is signed by an unknown CA/);
  }, 30_000);

  it('runs a TLS command without a Node deprecation warning, and names a wrong CA', async () => {
    const [r, wrong] = await Promise.all([
      runCli(['participants', '--coordinator', tlsCoordinator.address, '--credentials', path.join(main, 'operators', 'alice')], 30_000),
      runCli(['participants', '--coordinator', tlsCoordinator.address, '--credentials', path.join(other, 'operators', 'alice')], 30_000),
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^fedcredit: coordinator call failed: TLS: the coordinator's certificate is signed by an unknown CA \(self-signed certificate in certificate chain\); .*ca\.pem/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('DeprecationWarning');
    expect(r.stderr).not.toMatch(/DEP0\d{3}/);
  }, 30_000);
});
