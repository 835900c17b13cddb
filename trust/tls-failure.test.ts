import { describe, expect, it } from 'vitest';
import { classifyDialFailure, describeDialFailure, dialFailureCause } from './tls-failure.ts';

// `details` strings as grpc-js 1.14 on node 20 reported them for each situation, dialled over
// real TLS on loopback (the e2e test test/tls-failures.test.ts checks the live path).
const REAL = {
  wrongCa: 'No connection established. Last error: Error: self-signed certificate in certificate chain. Resolution note: ',
  ipNotInSans: "No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: . Resolution note: ",
  hostNotInSans: "No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:other.example. Resolution note: ",
  expired: 'No connection established. Last error: Error: certificate has expired. Resolution note: ',
  notYetValid: 'No connection established. Last error: Error: certificate is not yet valid. Resolution note: ',
  closedInHandshake: 'No connection established. Last error: Failed to connect (2026-12-05T00:52:54.506Z). Resolution note: ',
  refused: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ',
  plaintextServer:
    'No connection established. Last error: Error: 807C028A947F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n. Resolution note: ',
  dns: 'Name resolution failed for target dns:nonexistent.invalid:5000',
};

describe('classifyDialFailure', () => {
  it('names each TLS cause from the real grpc-js text', () => {
    expect(classifyDialFailure(REAL.wrongCa).kind).toBe('unknown-ca');
    expect(classifyDialFailure(REAL.ipNotInSans).kind).toBe('name-mismatch');
    expect(classifyDialFailure(REAL.hostNotInSans).kind).toBe('name-mismatch');
    expect(classifyDialFailure(REAL.expired).kind).toBe('expired');
    expect(classifyDialFailure(REAL.notYetValid).kind).toBe('not-yet-valid');
    expect(classifyDialFailure(REAL.closedInHandshake).kind).toBe('client-certificate-refused');
    expect(classifyDialFailure(REAL.plaintextServer).kind).toBe('not-tls');
    for (const d of [REAL.wrongCa, REAL.ipNotInSans, REAL.expired, REAL.notYetValid, REAL.closedInHandshake, REAL.plaintextServer]) expect(classifyDialFailure(d).tls).toBe(true);
  });

  it('keeps "not up yet" and name resolution apart from TLS problems', () => {
    expect(classifyDialFailure(REAL.refused)).toMatchObject({ kind: 'unreachable', tls: false });
    expect(classifyDialFailure(REAL.dns)).toMatchObject({ kind: 'unreachable', tls: false });
    expect(classifyDialFailure('14 UNAVAILABLE: something new')).toMatchObject({ kind: 'other', tls: false });
  });

  it('reads a closed handshake in plaintext as a TLS coordinator, not a refused certificate', () => {
    const f = classifyDialFailure(REAL.closedInHandshake, false);
    expect(f.kind).toBe('other');
    expect(f.hint).toContain('--credentials');
  });

  it('unwraps the cause so that nothing is cut off at "Resolution note"', () => {
    expect(dialFailureCause(REAL.wrongCa)).toBe('self-signed certificate in certificate chain');
    expect(dialFailureCause(REAL.hostNotInSans)).toBe("Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:other.example");
    expect(dialFailureCause(REAL.dns)).toBe(REAL.dns);
    const line = describeDialFailure(classifyDialFailure(REAL.wrongCa));
    expect(line).toMatch(/^TLS: the coordinator's certificate is signed by an unknown CA \(self-signed certificate in certificate chain\); .*ca\.pem/);
    expect(line).not.toContain('Resolution note');
  });
});
