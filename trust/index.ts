/**
 * `fedcredit/trust`: the consortium's trust material — a CA with certificates for mutual TLS,
 * Ed25519 identity keys, the roster and operator tokens — and loading it from disk.
 */
export { createConsortium } from './certs.ts';
export type { ConsortiumOptions, ConsortiumResult } from './certs.ts';
export { loadCredentials, loadIdentity, loadOperatorToken, loadRoster } from './files.ts';
export type { Credentials } from './files.ts';
export { clientCredentials, serverCredentials } from './tls.ts';
export type { TlsMaterial } from './tls.ts';
export { identityFileFromSeed, identityFromFile, memberKeys, RosterSchema } from './format.ts';
export type { Identity, Roster, Role } from './format.ts';
export { TrustConfigError } from './errors.ts';
export { classifyDialFailure, describeDialFailure, dialFailureCause } from './tls-failure.ts';
export type { DialFailure, DialFailureKind } from './tls-failure.ts';
export { addRosterMember, createIdentityFiles, readPublicKeyArg, removeRosterMember } from './roster-edit.ts';
export type { CreatedIdentity, NewMember } from './roster-edit.ts';
export { memberCertificateFile, verifyRoster } from './roster-verify.ts';
export type { RosterVerification, VerifiedMember, VerifyRosterOptions } from './roster-verify.ts';
export { checkMemberCertificate, isValidEd25519PublicKey } from './member-cert.ts';
export type { MemberCertificateCheck } from './member-cert.ts';
