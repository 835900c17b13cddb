/**
 * Why a gRPC connection to the coordinator failed, from the `details` text grpc-js gives an
 * UNAVAILABLE call. grpc-js reports a failed dial as "No connection established. Last error:
 * <node's TLS or socket error>. Resolution note: <…>"; node's TLS errors carry OpenSSL's
 * certificate verification messages (X509_V_ERR_*, RFC 5280 path validation) or its own
 * host-name check (ERR_TLS_CERT_ALTNAME_INVALID, RFC 6125). Telling these apart lets a participant
 * say "the CA is wrong" instead of retrying as if the coordinator were not up yet.
 *
 * Pure: text in, classification out.
 */

/** What went wrong when dialling. */
export type DialFailureKind =
  | 'unknown-ca'
  | 'name-mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'client-certificate-refused'
  | 'not-tls'
  | 'unreachable'
  | 'other';

/** A classified dial failure: what to tell the operator. */
export interface DialFailure {
  kind: DialFailureKind;
  /** True for a TLS problem that retrying cannot fix without a change of files or clocks. */
  tls: boolean;
  /** The underlying error, without grpc-js's wrapping ("No connection established…", "Resolution note"). */
  cause: string;
  /** What the operator should check. */
  hint: string;
}

const HINTS: Record<DialFailureKind, string> = {
  'unknown-ca':
    "the coordinator's certificate was not issued by the CA in this node's ca.pem: check that ca.pem is the consortium's CA certificate (the same file the coordinator's certificate was signed with) and that --coordinator points at the consortium's coordinator",
  'name-mismatch':
    "the coordinator's certificate does not name the host or IP address dialled: dial one of the names in its subjectAltName (openssl x509 -in cert.pem -noout -ext subjectAltName), or reissue it with this host (fedcredit certs --hosts)",
  expired: "a certificate in the coordinator's chain has expired: renew the coordinator's certificate (or the CA), and check this machine's clock",
  'not-yet-valid': "the coordinator's certificate is not valid yet: check the clocks of this machine and of the CA that issued it",
  'client-certificate-refused':
    "the coordinator closed the connection during the TLS handshake, which it does when it does not accept this node's client certificate: check that cert.pem was issued by the consortium CA the coordinator trusts, is within its validity dates, and is a client certificate (extendedKeyUsage clientAuth)",
  'not-tls': 'the coordinator does not speak TLS on this port: it runs with --insecure, or another service listens there',
  unreachable: 'the coordinator is not up yet, or not reachable at this address',
  other: 'see the error',
};

const RULES: Array<{ kind: DialFailureKind; test: RegExp }> = [
  { kind: 'name-mismatch', test: /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames|Hostname\/IP does not match/i },
  { kind: 'expired', test: /certificate has expired|CERT_HAS_EXPIRED/i },
  { kind: 'not-yet-valid', test: /certificate is not yet valid|CERT_NOT_YET_VALID/i },
  {
    kind: 'unknown-ca',
    test: /self[- ]signed certificate|unable to get local issuer certificate|unable to verify the first certificate|unable to get issuer certificate|certificate signature failure|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT/i,
  },
  { kind: 'client-certificate-refused', test: /alert (?:unknown ca|bad certificate|certificate required|certificate expired|certificate unknown|handshake failure)|Failed to connect \(|peer did not return a certificate/i },
  { kind: 'not-tls', test: /wrong version number|packet length too long|unknown protocol|http request/i },
  { kind: 'unreachable', test: /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|Name resolution failed|DNS resolution failed/i },
];

/** The error inside grpc-js's "No connection established. Last error: …. Resolution note: …". */
export function dialFailureCause(details: string): string {
  let s = details.trim();
  const last = /Last error:\s*/i.exec(s);
  if (last) s = s.slice(last.index + last[0].length);
  s = s.replace(/\.?\s*Resolution note:.*$/is, '');
  s = s.replace(/^Error(?: \[[A-Z0-9_]+\])?:\s*/, '');
  return s.replace(/\s+/g, ' ').trim() || details.trim();
}

/**
 * Classifies the `details` of a failed call (see the module header). `usingTls` says whether the
 * caller dialled with TLS: a connection the server closes mid-handshake means a refused client
 * certificate then, and a TLS server met in plaintext otherwise.
 */
export function classifyDialFailure(details: string, usingTls = true): DialFailure {
  const kind = RULES.find((r) => r.test.test(details))?.kind ?? 'other';
  const cause = dialFailureCause(details);
  if (!usingTls && kind === 'client-certificate-refused') {
    return { kind: 'other', tls: false, cause, hint: 'the coordinator closed the connection: if it runs with TLS, start this node with --credentials DIR instead of --insecure' };
  }
  const tls = kind !== 'unreachable' && kind !== 'other';
  return { kind, tls, cause, hint: HINTS[kind] };
}

/** One line for the log: what failed, why, and what to check. */
export function describeDialFailure(f: DialFailure): string {
  const what: Record<DialFailureKind, string> = {
    'unknown-ca': 'TLS: the coordinator\'s certificate is signed by an unknown CA',
    'name-mismatch': 'TLS: the coordinator\'s certificate is for another host name',
    expired: 'TLS: the coordinator\'s certificate has expired',
    'not-yet-valid': 'TLS: the coordinator\'s certificate is not valid yet',
    'client-certificate-refused': 'TLS: the coordinator refused this node\'s client certificate',
    'not-tls': 'TLS: the coordinator did not answer with TLS',
    unreachable: 'coordinator unreachable',
    other: 'cannot reach the coordinator',
  };
  return `${what[f.kind]} (${f.cause}); ${f.hint}`;
}
