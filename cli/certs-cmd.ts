/**
 * `fedcredit certs`: write a test consortium's trust material — CA, coordinator server
 * certificate, one client certificate and Ed25519 identity per participant, one client
 * certificate and bearer token per operator, and the roster (trust/certs.ts).
 *
 * For test consortia only: it holds every institution's keys in one place. In production the CA
 * key stays offline and each institution makes its own keys (examples/consortium/openssl-certs.sh
 * shows the X.509 part with standard tools).
 *
 * Options are taken as strings and validated here, so every bad value is a {@link UsageError}
 * (one line naming the flag, exit code 2).
 */
import type { Command } from 'commander';
import type { ConsortiumResult } from '../trust/certs.ts';
import { RoleSchema, type Role } from '../trust/format.ts';
import { UsageError } from './errors.ts';

/** Options of `certs`, as commander hands them over. */
export interface CertsCmdOptions {
  out: string;
  participant: string[];
  operator: string[];
  hosts?: string;
  consortium?: string;
  days?: string;
  force?: boolean;
}

const split = (values: string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);

/** `NAME:ROLE` items (repeated or comma-separated) as participants. */
export function parseParticipants(values: string[]): { name: string; role: Role }[] {
  return split(values).map((item) => {
    const i = item.lastIndexOf(':');
    if (i <= 0) throw new UsageError(`--participant "${item}": expected NAME:ROLE, ROLE one of ${RoleSchema.options.join(', ')}`);
    const role = RoleSchema.safeParse(item.slice(i + 1));
    if (!role.success) throw new UsageError(`--participant "${item}": role must be one of ${RoleSchema.options.join(', ')}`);
    return { name: item.slice(0, i), role: role.data };
  });
}

/** Runs `certs` and prints what it wrote, with the warnings that belong to test material. */
export async function certsCommand(o: CertsCmdOptions, print: (line: string) => void): Promise<ConsortiumResult> {
  const participants = parseParticipants(o.participant);
  if (participants.length === 0) throw new UsageError('--participant NAME:ROLE is required (repeat it, or separate items with commas)');
  let days: number | undefined;
  if (o.days !== undefined) {
    days = Number(o.days);
    if (!Number.isInteger(days) || days < 1) throw new UsageError(`--days must be a positive integer, got "${o.days}"`);
  }
  const hosts = o.hosts !== undefined ? split([o.hosts]) : undefined;
  if (hosts && hosts.length === 0) throw new UsageError('--hosts must name at least one host');
  // Loaded on demand: @peculiar/x509 adds about 0.3 s to start-up, which other commands need not pay.
  const { createConsortium } = await import('../trust/certs.ts');
  const r = await createConsortium({
    out: o.out, participants, operators: split(o.operator), hosts, days, force: o.force === true,
    ...(o.consortium !== undefined ? { consortium: o.consortium } : {}),
  });
  print(`wrote consortium "${r.roster.consortium}" to ${r.dir}:`);
  for (const f of r.files) print(`  ${f}`);
  print('');
  print('give each directory to its owner: coordinator/ to the coordinator, participants/<name>/ to that institution,');
  print('operators/<name>/ to that operator; roster.json is public within the consortium.');
  print(`warning: ${r.dir}/ca/ca.key can issue certificates for anyone in the consortium; in production keep the CA key offline.`);
  print('warning: `fedcredit certs` is for test consortia (it makes every institution\'s keys in one place); in production each');
  print('institution makes its own keys and the CA signs only their certificate requests (examples/consortium/openssl-certs.sh).');
  return r;
}

/** Adds `certs` to the program. */
export function registerCertsCommand(program: Command): void {
  const collect = (v: string, prev: string[]) => [...prev, v];
  program
    .command('certs')
    .description('write a TEST consortium\'s trust material: CA, coordinator and client certificates, identity keys, operator tokens, roster')
    .requiredOption('--out <dir>', 'output directory (must be empty unless --force)')
    .option('--participant <name:role>', 'a participant and its role: platform | bank | customs | other (repeat, or separate with commas)', collect, [])
    .option('--operator <name>', 'an operator of the Control API (repeat, or separate with commas)', collect, [])
    .option('--hosts <h1,h2>', 'host names and IP addresses of the coordinator\'s certificate (default localhost,127.0.0.1)')
    .option('--consortium <name>', 'consortium name (roster and certificates; default test-consortium)')
    .option('--days <n>', 'validity of the certificates in days (default 825)')
    .option('--force', 'write over files in a non-empty directory', false)
    .action(async (o: CertsCmdOptions) => {
      await certsCommand(o, (l) => process.stdout.write(l + '\n'));
    });
}
