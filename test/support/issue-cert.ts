/**
 * Issues a server certificate from an existing test CA (a `fedcredit certs` directory) with
 * chosen validity dates and subject alternative names, for tests of expired, not-yet-valid and
 * wrongly named coordinator certificates. @peculiar/x509 over node's WebCrypto, as trust/certs.ts.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const KEY_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A server certificate and key (PEM) signed by the CA in `consortiumDir/ca/`. */
export async function issueServerCert(
  consortiumDir: string,
  o: { cn: string; notBefore: Date; notAfter: Date; sans: { type: 'dns' | 'ip'; value: string }[] },
): Promise<{ cert: Buffer; key: Buffer; ca: Buffer }> {
  const crypto = webcrypto;
  const caPem = readFileSync(path.join(consortiumDir, 'ca', 'ca.pem'));
  const caCert = new x509.X509Certificate(caPem.toString('utf8'));
  const caKeyDer = x509.PemConverter.decodeFirst(readFileSync(path.join(consortiumDir, 'ca', 'ca.key'), 'utf8'));
  const caKey = await crypto.subtle.importKey('pkcs8', caKeyDer, KEY_ALG, false, ['sign']);
  const keys = (await crypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString('hex'), subject: `CN=${o.cn}`, issuer: caCert.subject, notBefore: o.notBefore, notAfter: o.notAfter,
      publicKey: keys.publicKey, signingKey: caKey, signingAlgorithm: SIGN_ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(o.sans, false),
      ],
    },
    crypto,
  );
  const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { cert: Buffer.from(cert.toString('pem') + '\n'), key: Buffer.from(keyPem), ca: caPem };
}
