/**
 * File formats of the consortium's trust material (docs/operations.md):
 *
 *  - identity file (one per institution, mode 0600): the institution's Ed25519 identity key
 *    (RFC 8032), `{ format: "fedcredit-identity", version: 1, algorithm: "ed25519", name, role,
 *    publicKey, seed }`, keys in hex. It signs every Fleet message of the node and its secure
 *    aggregation key adverts; it never leaves the institution.
 *  - roster (shared by the coordinator and every participant, distributed out of band):
 *    `{ format: "fedcredit-roster", version: 1, consortium, members: [{ name, role, publicKey }],
 *    operators: [{ name, tokenSha256 }] }`. The coordinator admits only members whose messages
 *    verify under the roster's key; participants check their peers' key adverts against it, so a
 *    coordinator cannot substitute keys. Operators authenticate to the Control API with a bearer
 *    token whose SHA-256 the roster holds (the token itself stays with the operator).
 *
 * Pure: schemas and checks only; reading files is trust/files.ts.
 */
import nacl from 'tweetnacl';
import { z } from 'zod';

/** Participant and operator names: what the Hello message and certificates carry. */
export const NameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-" (starting with a letter or digit)');

/** Roles of consortium members. */
export const RoleSchema = z.enum(['platform', 'bank', 'customs', 'other']);
export type Role = z.infer<typeof RoleSchema>;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes in lowercase hex`);

/** An institution's identity key file. */
export const IdentityFileSchema = z
  .object({
    format: z.literal('fedcredit-identity'),
    version: z.literal(1),
    algorithm: z.literal('ed25519'),
    name: NameSchema,
    role: RoleSchema,
    publicKey: hex(32),
    seed: hex(32),
  })
  .strict()
  .superRefine((f, ctx) => {
    const pk = Buffer.from(nacl.sign.keyPair.fromSeed(Buffer.from(f.seed, 'hex')).publicKey).toString('hex');
    if (pk !== f.publicKey) ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'does not belong to the seed (the file is corrupted or was edited)' });
  });
export type IdentityFile = z.infer<typeof IdentityFileSchema>;

/** A consortium member as the roster lists it. */
export const MemberSchema = z.object({ name: NameSchema, role: RoleSchema, publicKey: hex(32) }).strict();
export type Member = z.infer<typeof MemberSchema>;

/** An operator allowed to use the Control API (submit, watch, fetch models, list participants). */
export const OperatorSchema = z.object({ name: NameSchema, tokenSha256: hex(32) }).strict();
export type Operator = z.infer<typeof OperatorSchema>;

/** The consortium roster. */
export const RosterSchema = z
  .object({
    format: z.literal('fedcredit-roster'),
    version: z.literal(1),
    consortium: z.string().min(1).max(200),
    members: z.array(MemberSchema).min(1, 'must list at least one member').max(10_000),
    operators: z.array(OperatorSchema).max(1000).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    const seen = new Map<string, number>();
    r.members.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['members', i, 'name'], message: `"${m.name}" is listed twice (also members.${seen.get(m.name)})` });
      seen.set(m.name, i);
    });
    const keys = new Map<string, number>();
    r.members.forEach((m, i) => {
      if (keys.has(m.publicKey)) ctx.addIssue({ code: 'custom', path: ['members', i, 'publicKey'], message: `the same key is listed for members.${keys.get(m.publicKey)}; every institution needs its own key` });
      keys.set(m.publicKey, i);
    });
    const ops = new Set<string>();
    r.operators.forEach((o, i) => {
      if (ops.has(o.name)) ctx.addIssue({ code: 'custom', path: ['operators', i, 'name'], message: `"${o.name}" is listed twice` });
      ops.add(o.name);
    });
  });
export type Roster = z.infer<typeof RosterSchema>;

/** An identity in memory: name, role and the Ed25519 key pair (tweetnacl: 64-byte secret key). */
export interface Identity {
  name: string;
  role: Role;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The identity held by a parsed identity file. */
export function identityFromFile(f: IdentityFile): Identity {
  const kp = nacl.sign.keyPair.fromSeed(Buffer.from(f.seed, 'hex'));
  return { name: f.name, role: f.role, publicKey: kp.publicKey, secretKey: kp.secretKey };
}

/** A fresh identity file from a 32-byte seed (the caller draws it from a CSPRNG). */
export function identityFileFromSeed(name: string, role: Role, seed: Uint8Array): IdentityFile {
  if (seed.length !== 32) throw new Error(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const kp = nacl.sign.keyPair.fromSeed(seed);
  return IdentityFileSchema.parse({
    format: 'fedcredit-identity',
    version: 1,
    algorithm: 'ed25519',
    name,
    role,
    publicKey: Buffer.from(kp.publicKey).toString('hex'),
    seed: Buffer.from(seed).toString('hex'),
  });
}

/** Public keys of the roster's members by name. */
export function memberKeys(r: Roster): Map<string, Uint8Array> {
  return new Map(r.members.map((m) => [m.name, Uint8Array.from(Buffer.from(m.publicKey, 'hex'))]));
}
