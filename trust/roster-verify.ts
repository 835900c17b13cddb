/**
 * `verifyRoster`: everything that can be checked about a consortium roster before it is handed
 * to the coordinator and the participants — its schema (trust/format.ts), duplicate names and
 * keys, that every member's key is a valid Ed25519 public key, and, given the consortium CA and a
 * directory of the members' certificates, that each certificate chains to the CA, is issued to the
 * member's name and is within its validity dates (trust/member-cert.ts). It reports every problem
 * it finds, each naming the file and the member or field, instead of stopping at the first.
 */
import type { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RosterSchema, type Roster } from './format.ts';
import { checkMemberCertificate, isValidEd25519PublicKey, parseCertificates } from './member-cert.ts';

/** Options of {@link verifyRoster}. */
export interface VerifyRosterOptions {
  /** The roster file. */
  roster: string;
  /** The consortium CA certificate(s), PEM: certificates must chain to it (with `certsDir`). */
  ca?: string;
  /**
   * The members' certificates: `DIR/NAME/cert.pem` (the layout of `fedcredit certs`'
   * participants/ directory), `DIR/NAME.pem` or `DIR/NAME.crt`.
   */
  certsDir?: string;
  /** The time certificates must be valid at (default now). */
  now?: Date;
}

/** One member as checked. */
export interface VerifiedMember {
  name: string;
  role: string;
  publicKey: string;
  /** The certificate file found for the member (with `certsDir`). */
  certificate?: string;
}

/** What {@link verifyRoster} found. */
export interface RosterVerification {
  /** True when no problem was found. */
  ok: boolean;
  /** The roster file. */
  roster: string;
  /** The consortium name, when the roster could be read. */
  consortium?: string;
  members: VerifiedMember[];
  operators: number;
  /** Every problem found, each naming the file and the member or field. */
  problems: string[];
  /** Whether certificates were checked (a CA and a certificates directory were given). */
  certificatesChecked: boolean;
}

/** The certificate file of `name` under `dir`, if any of the known layouts holds one. */
export function memberCertificateFile(dir: string, name: string): string | undefined {
  return [path.join(dir, name, 'cert.pem'), path.join(dir, `${name}.pem`), path.join(dir, `${name}.crt`)].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}

function readText(file: string, what: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(code === 'ENOENT' ? `${file}: ${what} not found` : `${file}: cannot read the ${what} (${(err as Error).message})`);
    return undefined;
  }
}

/** Checks a roster (see the module header); never throws for a problem in the files. */
export function verifyRoster(o: VerifyRosterOptions): RosterVerification {
  const problems: string[] = [];
  const result = (roster?: Roster): RosterVerification => ({
    ok: problems.length === 0,
    roster: o.roster,
    ...(roster ? { consortium: roster.consortium } : {}),
    members: roster?.members.map((m) => ({ ...m })) ?? [],
    operators: roster?.operators.length ?? 0,
    problems,
    certificatesChecked: o.ca !== undefined && o.certsDir !== undefined,
  });
  if (o.certsDir !== undefined && o.ca === undefined) problems.push('certificates can only be checked against the consortium CA: give its certificate too (--ca)');
  const text = readText(o.roster, 'roster', problems);
  if (text === undefined) return result();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    problems.push(`${o.roster}: not valid JSON (${(err as Error).message})`);
    return result();
  }
  const parsed = RosterSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(`${o.roster}: ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    return result();
  }
  const roster = parsed.data;
  const out = result(roster);
  roster.members.forEach((m, i) => {
    if (!isValidEd25519PublicKey(m.publicKey)) problems.push(`${o.roster}: members.${i}.publicKey ("${m.name}"): not a valid Ed25519 public key (not a point of the curve, or one of small order)`);
  });
  let ca: X509Certificate[] | undefined;
  if (o.ca !== undefined) {
    const caText = readText(o.ca, 'CA certificate', problems);
    if (caText !== undefined) {
      try {
        ca = parseCertificates(caText, o.ca);
        for (const c of ca) if (!c.ca) problems.push(`${o.ca}: "${c.subject.replace(/\n/g, ', ')}" is not a CA certificate (basicConstraints CA:true)`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  if (o.certsDir !== undefined && ca) {
    if (!fs.existsSync(o.certsDir) || !fs.statSync(o.certsDir).isDirectory()) problems.push(`${o.certsDir}: certificates directory not found`);
    else {
      for (const m of out.members) {
        const file = memberCertificateFile(o.certsDir, m.name);
        if (!file) {
          problems.push(`${o.certsDir}: no certificate for member "${m.name}" (looked for ${m.name}/cert.pem, ${m.name}.pem, ${m.name}.crt)`);
          continue;
        }
        m.certificate = file;
        const pem = readText(file, 'certificate', problems);
        if (pem !== undefined) problems.push(...checkMemberCertificate({ name: m.name, pem, file, ca, ...(o.now ? { now: o.now } : {}) }));
      }
    }
  }
  out.ok = problems.length === 0;
  return out;
}
