/**
 * gRPC transport credentials from a node's loaded credentials (trust/files.ts): mutual TLS
 * (TLS 1.3, RFC 8446; certificates RFC 5280) in which both sides present a certificate issued by
 * the consortium CA. The coordinator requires and verifies client certificates; a client verifies
 * the coordinator's certificate and host name (its SANs) against the same CA.
 */
import * as grpc from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
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

/**
 * The TLS server name (SNI) a client sends for a coordinator at an IP address. RFC 6066 allows
 * only host names there, and Node warns (DEP0123) when grpc-js sends an address; so the address
 * travels as a name, `ip-<hex of the address text>.fedcredit.invalid`, and the certificate is still
 * checked against the address itself (`clientCredentials`).
 */
const SNI_SUFFIX = '.fedcredit.invalid';
export function serverNameFor(address: string): string {
  return `ip-${Buffer.from(address, 'utf8').toString('hex')}${SNI_SUFFIX}`;
}

/** The address a {@link serverNameFor} name stands for, or undefined for any other name. */
export function addressOfServerName(name: string): string | undefined {
  const m = /^ip-([0-9a-f]+)\.fedcredit\.invalid$/.exec(name);
  if (!m) return undefined;
  const address = Buffer.from(m[1]!, 'hex').toString('utf8');
  return isIP(address) ? address : undefined;
}

/**
 * Client credentials: trust only `ca` for the server, and present `cert`/`key` as the client. The
 * server's certificate must name the host dialled (its SANs): a host name, or the IP address of a
 * coordinator dialled by address (see {@link tlsChannelOptions}).
 */
export function clientCredentials(c: TlsMaterial): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(c.ca, c.key, c.cert, {
    checkServerIdentity: (host, cert) => checkServerIdentity(addressOfServerName(host) ?? host, cert),
  });
}

/**
 * Channel options for dialling `target` (host:port) with {@link clientCredentials}: for an IP
 * address, the server name to send instead of it (no effect on a plaintext channel).
 */
export function tlsChannelOptions(target: string): grpc.ChannelOptions {
  const host = target.startsWith('[') ? target.slice(1, target.indexOf(']')) : target.replace(/:\d+$/, '');
  return isIP(host) ? { 'grpc.ssl_target_name_override': serverNameFor(host) } : {};
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
