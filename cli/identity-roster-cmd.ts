/**
 * `fedcredit identity new` and `fedcredit roster add | remove | verify`: an institution's Ed25519
 * identity key and the consortium roster, for consortia whose certificates come from openssl or
 * their own CA rather than `fedcredit certs` (trust/roster-edit.ts, trust/roster-verify.ts).
 * Edits are atomic; a refused edit leaves the roster file unchanged and exits with code 2.
 * `roster verify` exits with code 1 when it finds a problem.
 */
import type { Command } from 'commander';
import { addRosterMember, createIdentityFiles, removeRosterMember } from '../trust/roster-edit.ts';
import { verifyRoster } from '../trust/roster-verify.ts';
import type { Roster } from '../trust/format.ts';

const out = (l: string): void => {
  process.stdout.write(l + '\n');
};
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));

/** One line per member: name, role, key. */
function printMembers(r: Roster): void {
  for (const m of r.members) out(`  ${m.name.padEnd(20)} ${m.role.padEnd(9)} ${m.publicKey}`);
}

/** Adds `identity` and `roster` to the program. */
export function registerIdentityRosterCommands(program: Command): void {
  const identity = program.command('identity').description('an institution\'s Ed25519 identity key (signs its messages; the roster lists its public key)');
  identity
    .command('new')
    .description('make a fresh identity key: DIR/identity.json (private, mode 0600, stays at the institution) and DIR/identity.pub (public key, for the roster)')
    .requiredOption('--name <name>', 'the institution\'s name (the CN of its certificate)')
    .requiredOption('--out <dir>', 'directory to write to (the participant\'s credentials directory)')
    .option('--role <role>', 'platform | bank | customs | other', 'other')
    .option('--force', 'replace an existing identity.json (the roster must then be given the new key)', false)
    .option('--json', 'print what was written as JSON', false)
    .action((o: { name: string; out: string; role: string; force: boolean; json: boolean }) => {
      const made = createIdentityFiles({ name: o.name, role: o.role, out: o.out, force: o.force });
      if (o.json) return json(made);
      out(`wrote ${made.identityFile} (private: keep it at the institution, mode 0600)`);
      out(`wrote ${made.publicKeyFile}`);
      out(`public key: ${made.publicKey}`);
      out(`next: the roster keeper runs  fedcredit roster add --roster roster.json --name ${made.name} --role ${made.role} --public-key ${made.publicKey}`);
    });

  const roster = program.command('roster').description('edit and check the consortium roster (members and their identity keys)');
  roster
    .command('add')
    .description('add a member to the roster (atomic; refused for a name or key already listed, an invalid key, or a certificate for another name)')
    .requiredOption('--roster <file>', 'the roster file (created with --consortium if missing)')
    .requiredOption('--name <name>', 'the member\'s name (the CN of its certificate)')
    .requiredOption('--role <role>', 'platform | bank | customs | other')
    .requiredOption('--public-key <hex|file>', 'its Ed25519 public key: 64 hex digits, identity.pub, or an Ed25519 PEM public key')
    .option('--cert <cert.pem>', 'its certificate: the CN must be the name, and it must be valid now')
    .option('--consortium <name>', 'the consortium name, to start a new roster')
    .option('--json', 'print the roster as JSON', false)
    .action((o: { roster: string; name: string; role: string; publicKey: string; cert?: string; consortium?: string; json: boolean }) => {
      const r = addRosterMember(o.roster, { name: o.name, role: o.role, publicKey: o.publicKey, ...(o.cert !== undefined ? { cert: o.cert } : {}) }, o.consortium !== undefined ? { consortium: o.consortium } : {});
      if (o.json) return json(r);
      out(`added "${o.name}" to ${o.roster} (consortium "${r.consortium}", ${r.members.length} members):`);
      printMembers(r);
      out('give the new roster to the coordinator and every participant, and restart them (docs/operations.md)');
    });
  roster
    .command('remove')
    .description('remove a member from the roster (atomic)')
    .requiredOption('--roster <file>', 'the roster file')
    .requiredOption('--name <name>', 'the member to remove')
    .option('--json', 'print the roster as JSON', false)
    .action((o: { roster: string; name: string; json: boolean }) => {
      const r = removeRosterMember(o.roster, o.name);
      if (o.json) return json(r);
      out(`removed "${o.name}" from ${o.roster} (${r.members.length} members left):`);
      printMembers(r);
      out('give the new roster to the coordinator and every participant, and restart them (docs/operations.md)');
    });
  roster
    .command('verify')
    .description('check a roster: schema, duplicate names and keys, valid Ed25519 keys; with --ca and --certs-dir each member\'s certificate (chains to the CA, CN = name, validity dates)')
    .requiredOption('--roster <file>', 'the roster file')
    .option('--ca <ca.pem>', 'the consortium CA certificate(s)')
    .option('--certs-dir <dir>', 'the members\' certificates: DIR/NAME/cert.pem, DIR/NAME.pem or DIR/NAME.crt')
    .option('--json', 'print the result as JSON', false)
    .action((o: { roster: string; ca?: string; certsDir?: string; json: boolean }) => {
      const r = verifyRoster({ roster: o.roster, ...(o.ca !== undefined ? { ca: o.ca } : {}), ...(o.certsDir !== undefined ? { certsDir: o.certsDir } : {}) });
      if (o.json) json(r);
      else if (r.ok) {
        out(`${o.roster}: consortium "${r.consortium}", ${r.members.length} members, ${r.operators} operators: OK`);
        out(r.certificatesChecked ? '  every member\'s certificate chains to the CA, names the member and is valid now' : '  certificates not checked (give --ca and --certs-dir)');
      } else {
        out(`${o.roster}: ${r.problems.length} problem(s):`);
        for (const p of r.problems) out(`  ${p}`);
      }
      if (!r.ok) process.exitCode = 1;
    });
}
