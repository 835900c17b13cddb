/**
 * Transport and identity options shared by the commands that talk gRPC (coordinator, participant,
 * run, participants): `--credentials DIR` (a directory in the layout `fedcredit certs` writes,
 * docs/operations.md) or `--insecure` (plaintext, test networks only, with a warning).
 *
 * With `--credentials` the connection is mutual TLS against the consortium CA, and the directory
 * also supplies the roster (coordinator, participant), the identity key (participant) or the
 * operator token (run, participants). With `--insecure --credentials DIR` only the TLS part is
 * dropped: messages are still signed and checked. `--roster`, `--identity` and `--token-file`
 * point at those files directly (for an `--insecure` network without certificates, or to
 * override the directory's copy).
 */
import type { Party, TransportFlags } from './transport-options.ts';
import type { Identity, Roster } from '../trust/format.ts';
import { loadCredentials, loadIdentity, loadOperatorToken, loadRoster } from '../trust/files.ts';
import type { TlsMaterial } from '../trust/tls.ts';
import { clientCredentials } from '../trust/tls.ts';
import type { ControlOptions } from '../client/control-client.ts';
import * as grpc from '@grpc/grpc-js';
import { classifyDialFailure, describeDialFailure } from '../trust/tls-failure.ts';
import { UsageError } from './errors.ts';


/** What a command needs to connect (or to serve). */
export interface Transport {
  tls?: TlsMaterial;
  roster?: Roster;
  identity?: Identity;
  token?: string;
}

/** Loads what the flags name; refuses plaintext unless `--insecure` was given. */
export function resolveTransport(o: TransportFlags, party: Party, warn: (line: string) => void): Transport {
  if (!o.credentials && !o.insecure) {
    throw new UsageError(`no transport security: pass --credentials DIR (a ${party} directory made by fedcredit certs or by your PKI; docs/operations.md) or --insecure for plaintext on a test network`);
  }
  const loaded = o.credentials ? loadCredentials(o.credentials, party) : undefined;
  const t: Transport = {};
  if (loaded && !o.insecure) t.tls = { ca: loaded.ca, cert: loaded.cert, key: loaded.key };
  const roster = o.roster ? loadRoster(o.roster) : loaded?.roster;
  if (roster) t.roster = roster;
  const identity = o.identity ? loadIdentity(o.identity) : loaded?.identity;
  if (identity) t.identity = identity;
  const token = o.tokenFile ? loadOperatorToken(o.tokenFile) : loaded?.token;
  if (token) t.token = token;
  if (o.insecure) {
    warn(`warning: --insecure: plaintext gRPC, no TLS — messages can be read and altered on the network path; use only on a trusted test network`);
  }
  if (party === 'participant' && t.roster && !t.identity) throw new UsageError('a participant with a roster needs its identity key: --identity FILE or --credentials DIR with identity.json');
  if (party === 'participant' && t.identity && !t.roster) throw new UsageError('a participant with an identity key needs the consortium roster (to check its peers\' signed keys): --roster FILE or --credentials DIR with roster.json');
  return t;
}

/** Control API options (mutual TLS, operator token) from an operator command's transport flags. */
export function controlOptionsFrom(o: TransportFlags, warn: (line: string) => void): ControlOptions {
  const t = resolveTransport(o, 'operator', warn);
  return { ...(t.tls ? { credentials: clientCredentials(t.tls) } : {}), ...(t.token ? { token: t.token } : {}) };
}

/**
 * The text of a failed coordinator call for the command line: for a connection that could not be
 * made, its cause (a TLS problem with what to check, or an unreachable coordinator) instead of
 * grpc-js's wrapped message; otherwise the coordinator's own reason.
 */
export function explainCallFailure(code: number, details: string): string {
  if (code !== grpc.status.UNAVAILABLE) return details;
  const f = classifyDialFailure(details);
  return f.kind === 'other' ? details : describeDialFailure(f);
}
