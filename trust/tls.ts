/**
 * gRPC transport credentials from a node's loaded credentials (trust/files.ts): mutual TLS
 * (TLS 1.3, RFC 8446; certificates RFC 5280) in which both sides present a certificate issued by
 * the consortium CA. The coordinator requires and verifies client certificates; a client verifies
 * the coordinator's certificate and host name (its SANs) against the same CA.
 */
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { Credentials } from './files.ts';

/** The PEM material both kinds of credentials are made from. */
export type TlsMaterial = Pick<Credentials, 'ca' | 'cert' | 'key'>;

/**
 * Server credentials: present `cert`/`key`, and require every client to present a certificate
 * that verifies against `ca` (the handshake fails otherwise, so no call reaches a handler).
 */
export function serverCredentials(c: TlsMaterial): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(c.ca, [{ cert_chain: c.cert, private_key: c.key }], true);
}

/** Client credentials: trust only `ca` for the server, and present `cert`/`key` as the client. */
export function clientCredentials(c: TlsMaterial): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(c.ca, c.key, c.cert);
}

/** Anything with grpc-js's `getAuthContext` (server calls of every kind in grpc-js ≥ 1.14). */
export interface HasAuthContext {
  getAuthContext?: () => { sslPeerCertificate?: PeerCertificate } | null | undefined;
}

/**
 * The common name of the client certificate the peer of a server call presented, or undefined on
 * a plaintext connection, without a certificate, or when the CN is missing or not a single value.
 */
export function peerCommonName(call: HasAuthContext): string | undefined {
  const cn: unknown = call.getAuthContext?.()?.sslPeerCertificate?.subject?.CN;
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}
