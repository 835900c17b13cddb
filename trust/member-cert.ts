/**
 * Checks of one consortium member's X.509 client certificate (RFC 5280), whoever made it —
 * `fedcredit certs`, openssl, or the institution's own CA: that it parses, that its subject CN is
 * the member's name (the coordinator compares the CN with the name a Hello claims), that it is
 * within its validity dates, that it may be used for TLS client authentication, and, given the
 * consortium's CA certificate(s), that it chains to one of them (through any intermediate
 * certificates that follow it in the same PEM file). Also the validity check of Ed25519 public
 * keys (RFC 8032 §5.1.3: a canonical encoding of a point of the main subgroup, not of small order).
 */
import { X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';

/** The libsodium function used here (sodium-native ships no type declarations). */
const sodium = createRequire(import.meta.url)('sodium-native') as { crypto_core_ed25519_is_valid_point(p: Uint8Array): boolean };

/** True when `hex` is 32 bytes encoding a valid Ed25519 public key (libsodium's point check). */
export function isValidEd25519PublicKey(hex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  return sodium.crypto_core_ed25519_is_valid_point(Buffer.from(hex, 'hex'));
}

/** Every PEM certificate block of `pem`, in order. */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Parses every certificate of a PEM text; throws with `what` in the message when one does not parse. */
export function parseCertificates(pem: string, what: string): X509Certificate[] {
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) throw new Error(`${what} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new Error(`${what}: certificate ${i + 1} cannot be parsed (${(err as Error).message})`);
    }
  });
}

/** The subject CN of a certificate, or undefined. */
export function commonNameOf(cert: X509Certificate): string | undefined {
  return cert.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3);
}

/** What {@link checkMemberCertificate} needs. */
export interface MemberCertificateCheck {
  /** The member's name in the roster. */
  name: string;
  /** The PEM text of the certificate file: the member's certificate, then any intermediates. */
  pem: string;
  /** Where the PEM came from, for messages. */
  file: string;
  /** The consortium CA certificate(s); without them the chain is not checked. */
  ca?: X509Certificate[];
  /** The time to check validity at (default now). */
  now?: Date;
}

/** Problems with a member's certificate; empty when it passes every check. */
export function checkMemberCertificate(c: MemberCertificateCheck): string[] {
  let chain: X509Certificate[];
  try {
    chain = parseCertificates(c.pem, c.file);
  } catch (err) {
    return [(err as Error).message];
  }
  const leaf = chain[0]!;
  const problems: string[] = [];
  const cn = commonNameOf(leaf);
  if (cn !== c.name) problems.push(`${c.file}: the certificate is issued to CN=${cn ?? '(none)'}, not to "${c.name}" (the coordinator refuses a Hello whose name differs from the certificate's CN)`);
  const now = (c.now ?? new Date()).getTime();
  if (Date.parse(leaf.validTo) < now) problems.push(`${c.file}: the certificate expired on ${leaf.validTo}`);
  if (Date.parse(leaf.validFrom) > now) problems.push(`${c.file}: the certificate is not valid before ${leaf.validFrom}`);
  if (leaf.ca) problems.push(`${c.file}: the certificate is a CA certificate (basicConstraints CA:true), not a member's`);
  if (leaf.keyUsage && leaf.keyUsage.length > 0 && !leaf.keyUsage.includes('1.3.6.1.5.5.7.3.2')) {
    problems.push(`${c.file}: the certificate's extendedKeyUsage does not allow TLS client authentication (clientAuth)`);
  }
  if (c.ca) {
    const chained = chainsTo(chain, c.ca);
    if (chained !== true) problems.push(`${c.file}: ${chained}`);
  }
  return problems;
}

/** True when `chain` (leaf first) leads to one of `roots`, else why not. */
function chainsTo(chain: X509Certificate[], roots: X509Certificate[]): true | string {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i]!;
    const parent = chain[i + 1]!;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) return `certificate ${i + 1} of the file is not signed by certificate ${i + 2} (the intermediates must follow the certificate in order)`;
  }
  const top = chain[chain.length - 1]!;
  if (roots.some((r) => r.fingerprint256 === top.fingerprint256)) return true;
  const root = roots.find((r) => top.checkIssued(r) && top.verify(r.publicKey));
  if (root) return true;
  const issuer = top.issuer.replace(/\n/g, ', ');
  const sameName = roots.some((r) => r.subject === top.issuer);
  return `the certificate (issuer "${issuer}") was not issued by the consortium CA (${roots.map((r) => `"${r.subject.replace(/\n/g, ', ')}"`).join(' or ')})${sameName ? ': its signature does not verify under that CA\'s key, so it comes from another CA of the same name' : ''}`;
}
